import { isJwtAlgorithm, type JwtAlgorithm } from '../../model/algorithms.js';
import { decodeBase64UrlStrict } from './base64.js';

export interface DecodedToken {
  alg: JwtAlgorithm;
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** "header.payload" exactly as sent: what the signature covers. */
  signingInput: string;
  signature: Buffer;
}

export type DecodeResult = DecodedToken | 'invalid_json' | 'invalid_alg' | 'invalid_signature';

/**
 * Decodes a compact JWS in Kong's order (docs/kong-compatibility.md#request-flow): header and payload
 * (→ invalid JSON), then alg (→ invalid alg), then the signature encoding (→ invalid signature).
 * Like Kong, everything after the second "." is the signature part.
 */
export function decodeToken(token: string): DecodeResult {
  const firstDot = token.indexOf('.');
  const secondDot = firstDot === -1 ? -1 : token.indexOf('.', firstDot + 1);
  if (secondDot === -1) return 'invalid_json';
  const header = parseJsonObject(token.slice(0, firstDot));
  if (header === undefined) return 'invalid_json';
  const payload = parseJsonObject(token.slice(firstDot + 1, secondDot));
  if (payload === undefined) return 'invalid_json';
  const alg = Object.hasOwn(header, 'alg') ? header.alg : undefined;
  if (!isJwtAlgorithm(alg)) return 'invalid_alg';
  const signature = decodeBase64UrlStrict(token.slice(secondDot + 1));
  if (signature === null) return 'invalid_signature';
  return { alg, header, payload, signingInput: token.slice(0, secondDot), signature };
}

function parseJsonObject(segment: string): Record<string, unknown> | undefined {
  const bytes = decodeBase64UrlStrict(segment);
  if (bytes === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return value as Record<string, unknown>;
}

/** Own property only: a claim named "constructor" must not find Object.prototype's. */
export function ownClaim(obj: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(obj, name) ? obj[name] : undefined;
}
