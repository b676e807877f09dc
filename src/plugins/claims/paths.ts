import { parseClaimPath } from '../../model/jwt-claims-config.js';
import type { Claims } from '../../snapshot/types.js';

/** Reads one claim from a payload: undefined when any member on the way is missing. */
export type ClaimReader = (claims: Claims) => unknown;

const hasOwn = Object.hasOwn;

/**
 * Compiles a claim path (docs/claims.md#claim-paths) once, at snapshot build time. Members are
 * own properties of objects only: "constructor" never finds Object.prototype's, and a path never
 * steps into an array.
 */
export function compileClaimPath(path: string): ClaimReader {
  const names = parseClaimPath(path);
  if (names.length === 1) {
    const name = names[0]!;
    return (claims) => (hasOwn(claims, name) ? claims[name] : undefined);
  }
  return (claims) => {
    let cur: unknown = claims;
    for (const name of names) {
      if (typeof cur !== 'object' || cur === null || Array.isArray(cur) || !hasOwn(cur, name)) return undefined;
      cur = (cur as Record<string, unknown>)[name];
    }
    return cur;
  };
}
