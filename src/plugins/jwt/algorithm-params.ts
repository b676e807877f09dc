import type { JwtAlgorithm } from '../../model/algorithms.js';

/** How each JWS algorithm is verified with node:crypto (RFC 7518 §3). */
export type AlgorithmParams =
  | { family: 'hmac'; digest: 'sha256' | 'sha384' | 'sha512'; signatureLength: number }
  | { family: 'rsa'; digest: 'sha256' | 'sha384' | 'sha512' }
  | { family: 'pss'; digest: 'sha256' | 'sha384' | 'sha512'; saltLength: number }
  | {
      family: 'ecdsa';
      digest: 'sha256' | 'sha384' | 'sha512';
      /** node's name for the curve the key must be on. */
      namedCurve: 'prime256v1' | 'secp384r1' | 'secp521r1';
      /** Raw r||s length (JOSE), not DER. */
      signatureLength: number;
    }
  | { family: 'eddsa' };

export const ALGORITHM_PARAMS: Readonly<Record<JwtAlgorithm, AlgorithmParams>> = Object.freeze({
  HS256: { family: 'hmac', digest: 'sha256', signatureLength: 32 },
  HS384: { family: 'hmac', digest: 'sha384', signatureLength: 48 },
  HS512: { family: 'hmac', digest: 'sha512', signatureLength: 64 },
  RS256: { family: 'rsa', digest: 'sha256' },
  RS384: { family: 'rsa', digest: 'sha384' },
  RS512: { family: 'rsa', digest: 'sha512' },
  PS256: { family: 'pss', digest: 'sha256', saltLength: 32 },
  PS384: { family: 'pss', digest: 'sha384', saltLength: 48 },
  PS512: { family: 'pss', digest: 'sha512', saltLength: 64 },
  ES256: { family: 'ecdsa', digest: 'sha256', namedCurve: 'prime256v1', signatureLength: 64 },
  ES384: { family: 'ecdsa', digest: 'sha384', namedCurve: 'secp384r1', signatureLength: 96 },
  ES512: { family: 'ecdsa', digest: 'sha512', namedCurve: 'secp521r1', signatureLength: 132 },
  EdDSA: { family: 'eddsa' },
});

/** EdDSA signature lengths by key type (RFC 8032). */
export const EDDSA_SIGNATURE_LENGTH: Readonly<Record<string, number>> = Object.freeze({
  ed25519: 64,
  ed448: 114,
});
