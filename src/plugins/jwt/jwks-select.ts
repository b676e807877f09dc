import type { KeyObject } from 'node:crypto';
import type { JwtAlgorithm } from '../../model/algorithms.js';
import type { JwksKeySet } from '../../snapshot/jwks.js';

/**
 * The key of `set` that verifies a token with header `kid` and `alg` (hot path: a Map lookup and
 * a set test, no allocation). A kid selects among the keys carrying it; without a kid, only a set
 * with exactly one key fitting `alg` answers (docs/jwks.md#key-selection). undefined: no key.
 */
export function selectJwksKey(set: JwksKeySet, kid: unknown, alg: JwtAlgorithm): KeyObject | undefined {
  if (typeof kid === 'string') {
    const list = set.byKid.get(kid);
    if (list === undefined) return undefined;
    for (let i = 0; i < list.length; i++) {
      const k = list[i]!;
      if (k.algorithms.has(alg)) return k.key;
    }
    return undefined;
  }
  if (kid !== undefined) return undefined;
  let found: KeyObject | undefined;
  for (const k of set.all) {
    if (!k.algorithms.has(alg)) continue;
    if (found !== undefined) return undefined;
    found = k.key;
  }
  return found;
}
