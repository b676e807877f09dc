/** The 13 JWT algorithms Kong's jwt plugin accepts (docs/kong-compatibility.md#credentials). */
export const JWT_ALGORITHMS = [
  'HS256', 'HS384', 'HS512',
  'RS256', 'RS384', 'RS512',
  'ES256', 'ES384', 'ES512',
  'PS256', 'PS384', 'PS512',
  'EdDSA',
] as const;

export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

const ALGORITHM_SET: ReadonlySet<string> = new Set(JWT_ALGORITHMS);

/**
 * The module's own constant for an algorithm name: a name read from a file is a separate string
 * per credential (100,000 copies of "HS256" are ~2 MB).
 */
export function canonicalAlgorithm(alg: JwtAlgorithm): JwtAlgorithm {
  return JWT_ALGORITHMS[JWT_ALGORITHMS.indexOf(alg)]!;
}

export function isJwtAlgorithm(value: unknown): value is JwtAlgorithm {
  return typeof value === 'string' && ALGORITHM_SET.has(value);
}

/** HS* algorithms verify with a shared secret; every other one with a public key. */
export function isHmacAlgorithm(alg: JwtAlgorithm): boolean {
  return alg.startsWith('HS');
}
