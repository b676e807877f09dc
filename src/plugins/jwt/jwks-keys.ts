import { KeyObject, type webcrypto } from 'node:crypto';
import { importJWK, type JWK } from 'jose';
import { isJwtAlgorithm, type JwtAlgorithm } from '../../model/algorithms.js';
import type { JwksKey, JwksKeySet } from '../../snapshot/jwks.js';
import { ALGORITHM_PARAMS } from './algorithm-params.js';
import { keyMismatch } from './keys.js';

/** More keys than any provider publishes; bounds the import work a hostile document can ask for. */
export const MAX_JWKS_KEYS = 64;

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth', 'priv'];

export type JwksImport =
  | { ok: true; set: JwksKeySet; skipped: string[] }
  | { ok: false; problem: string };

/**
 * A JWKS document → KeyObjects, once per key-set version (docs/jwks.md#algorithms). jose parses
 * each JWK (importJWK); each key is kept for the allowed algorithms its `kty`/`crv`/`alg` and its
 * actual key type fit (keys.ts keyMismatch, the check PEM keys get), so a token's `alg` can never
 * pick a verification the key was not meant for: symmetric (`oct`) keys, `use` other than sig,
 * `key_ops` without verify and private keys are skipped. Messages name the key's index and kid,
 * never key material.
 */
export async function importJwks(doc: unknown, allowed: readonly JwtAlgorithm[]): Promise<JwksImport> {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { ok: false, problem: 'the JWKS is not a JSON object' };
  const keys = (doc as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) return { ok: false, problem: "the JWKS has no 'keys' array" };
  if (keys.length > MAX_JWKS_KEYS) return { ok: false, problem: `the JWKS has ${keys.length} keys (at most ${MAX_JWKS_KEYS})` };
  const all: JwksKey[] = [];
  const skipped: string[] = [];
  for (const [i, jwk] of keys.entries()) {
    const r = await importOne(jwk, allowed);
    if (typeof r === 'string') skipped.push(`keys[${i}]${kidText(jwk)}: ${r}`);
    else all.push(r);
  }
  if (all.length === 0) {
    return { ok: false, problem: skipped.length > 0 ? `no usable key (${skipped.slice(0, 3).join('; ')})` : 'the JWKS holds no key' };
  }
  const byKid = new Map<string, JwksKey[]>();
  for (const k of all) {
    if (k.kid === undefined) continue;
    const list = byKid.get(k.kid);
    if (list) list.push(k);
    else byKid.set(k.kid, [k]);
  }
  return { ok: true, set: Object.freeze({ byKid, all: Object.freeze(all) }), skipped };
}

function kidText(jwk: unknown): string {
  const kid = typeof jwk === 'object' && jwk !== null ? (jwk as { kid?: unknown }).kid : undefined;
  return typeof kid === 'string' ? ` (kid '${kid.length > 64 ? `${kid.slice(0, 64)}…` : kid}')` : '';
}

/** The allowed algorithms a JWK's declared type can serve at all (the KeyObject is checked after import). */
function candidates(jwk: Record<string, unknown>, allowed: readonly JwtAlgorithm[]): JwtAlgorithm[] {
  const family = (alg: JwtAlgorithm) => ALGORITHM_PARAMS[alg].family;
  let algs: JwtAlgorithm[];
  switch (jwk.kty) {
    case 'RSA':
      algs = allowed.filter((a) => family(a) === 'rsa' || family(a) === 'pss');
      break;
    case 'EC':
      algs = allowed.filter((a) => family(a) === 'ecdsa');
      break;
    case 'OKP':
      algs = allowed.filter((a) => family(a) === 'eddsa');
      break;
    default:
      return [];
  }
  // A JWK that names its algorithm is used for that one only (RFC 7517 §4.4).
  if (jwk.alg !== undefined) algs = isJwtAlgorithm(jwk.alg) ? algs.filter((a) => a === jwk.alg) : [];
  return algs;
}

async function importOne(jwk: unknown, allowed: readonly JwtAlgorithm[]): Promise<JwksKey | string> {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return 'not a JSON object';
  const j = jwk as Record<string, unknown>;
  if (j.kty === 'oct') return 'symmetric (oct) keys are never taken from a JWKS';
  if (j.kty !== 'RSA' && j.kty !== 'EC' && j.kty !== 'OKP') return `unsupported kty ${typeof j.kty === 'string' ? `'${j.kty.slice(0, 16)}'` : ''}`.trimEnd();
  if (PRIVATE_MEMBERS.some((m) => j[m] !== undefined)) return 'holds private key material';
  if (j.use !== undefined && j.use !== 'sig') return "use is not 'sig'";
  if (j.key_ops !== undefined && !(Array.isArray(j.key_ops) && j.key_ops.includes('verify'))) return "key_ops does not include 'verify'";
  if (j.kid !== undefined && typeof j.kid !== 'string') return 'kid is not a string';
  const algs = candidates(j, allowed);
  if (algs.length === 0) return `fits none of the allowed algorithms (${allowed.join(', ')})${typeof j.alg === 'string' ? `: its alg is ${j.alg.slice(0, 16)}` : ''}`;
  let key: KeyObject;
  try {
    const imported = await importJWK(j as JWK, algs[0]!);
    if (imported instanceof Uint8Array) return 'not a public key';
    key = KeyObject.from(imported as unknown as webcrypto.CryptoKey);
  } catch {
    return 'could not be imported';
  }
  if (key.type !== 'public') return 'not a public key';
  const fit = new Set<JwtAlgorithm>();
  let problem: string | undefined;
  for (const alg of algs) {
    const p = keyMismatch(alg, key);
    if (p === undefined) fit.add(alg);
    else problem ??= p;
  }
  if (fit.size === 0) return problem ?? 'fits none of the allowed algorithms';
  return Object.freeze({ key, kid: j.kid as string | undefined, algorithms: fit });
}
