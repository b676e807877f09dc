import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import type { CredentialSpec } from '../../model/resources.js';
import { ALGORITHM_PARAMS } from './algorithm-params.js';
import { decodeBase64Secret } from './base64.js';

export interface ImportedCredentialKeys {
  hmacKey?: KeyObject;
  hmacKeyFromBase64?: KeyObject | null;
  publicKey?: KeyObject;
}

export type KeyImportResult =
  | { ok: true; keys: ImportedCredentialKeys }
  | { ok: false; field: string; reason: 'InvalidKey' | 'MissingSecret'; message: string };

/** Only public-key PEMs: createPublicKey would also accept (and derive from) a private key. */
const PUBLIC_PEM = /^-----BEGIN (RSA )?PUBLIC KEY-----\r?\n/;

/**
 * Smallest RSA modulus accepted for RS and PS algorithms: 1024-bit moduli are within reach of a
 * well-funded factoring effort and 512-bit ones of anyone (NIST SP 800-131A; RFC 7518 §3.3).
 */
export const MIN_RSA_MODULUS_BITS = 2048;
/** OpenSSL refuses RSA public operations above this modulus size: such a key would verify nothing. */
export const MAX_RSA_MODULUS_BITS = 16384;

const CURVE_NAMES: Readonly<Record<string, string>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

/**
 * Imports a credential's key material once, when the snapshot is built, and checks that the
 * key fits the algorithm (crypto.verify picks the scheme from the key type, not from alg).
 * Messages name fields and key types only, never key material.
 */
export function importCredentialKeys(spec: CredentialSpec, opts: ImportOptions = {}): KeyImportResult {
  const params = ALGORITHM_PARAMS[spec.algorithm];
  if (params === undefined) {
    return { ok: false, field: 'algorithm', reason: 'InvalidKey', message: 'unsupported algorithm' };
  }
  if (params.family === 'hmac') return importHmac(spec, opts.base64Key ?? true);
  return importPublic(spec);
}

export interface ImportOptions {
  /**
   * Also import the base64-decoded HS* secret (default true). The translator passes false when no
   * jwt plugin of the snapshot has secretIsBase64: hmacKeyFromBase64 is then left undefined, which
   * halves the KeyObjects a 100,000-credential snapshot holds.
   */
  base64Key?: boolean;
}

function importHmac(spec: CredentialSpec, base64Key: boolean): KeyImportResult {
  if (spec.secret === undefined || spec.secret.length === 0) {
    return {
      ok: false,
      field: 'secret',
      reason: 'MissingSecret',
      message: `a secret is required for ${spec.algorithm}`,
    };
  }
  const secret = spec.secret;
  const hmacKey = createSecretKey(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret);
  if (!base64Key) return { ok: true, keys: { hmacKey } };
  // Bytes are base64 only when they spell it in ASCII: latin1 maps every other byte outside the alphabet.
  const text = typeof secret === 'string' ? secret : Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength).toString('latin1');
  const decoded = decodeBase64Secret(text);
  const hmacKeyFromBase64 = decoded !== null && decoded.length > 0 ? createSecretKey(decoded) : null;
  return { ok: true, keys: { hmacKey, hmacKeyFromBase64 } };
}

function importPublic(spec: CredentialSpec): KeyImportResult {
  const alg = spec.algorithm;
  const pem = spec.rsaPublicKey?.trim();
  if (pem === undefined || pem === '') {
    return {
      ok: false,
      field: 'rsa_public_key',
      reason: 'MissingSecret',
      message: `a PEM public key is required for ${alg}`,
    };
  }
  if (!PUBLIC_PEM.test(pem)) {
    return {
      ok: false,
      field: 'rsa_public_key',
      reason: 'InvalidKey',
      message: 'not a PEM public key (expected "BEGIN PUBLIC KEY" or "BEGIN RSA PUBLIC KEY")',
    };
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    // The OpenSSL error text is generic, but do not risk echoing input: say what failed only.
    return { ok: false, field: 'rsa_public_key', reason: 'InvalidKey', message: 'the PEM public key could not be parsed' };
  }
  const problem = keyMismatch(alg, key);
  if (problem !== undefined) {
    return { ok: false, field: 'rsa_public_key', reason: 'InvalidKey', message: problem };
  }
  return { ok: true, keys: { publicKey: key } };
}

/** Why `key` cannot verify `alg`, or undefined when it fits (also checks JWKS keys, jwks-keys.ts). */
export function keyMismatch(alg: CredentialSpec['algorithm'], key: KeyObject): string | undefined {
  const params = ALGORITHM_PARAMS[alg];
  const type = key.asymmetricKeyType ?? 'unknown';
  switch (params.family) {
    case 'rsa':
      return type === 'rsa' ? rsaWeakness(alg, key) : `${alg} needs an RSA key, got ${type}`;
    case 'pss': {
      if (type === 'rsa') return rsaWeakness(alg, key);
      if (type !== 'rsa-pss') return `${alg} needs an RSA or RSA-PSS key, got ${type}`;
      const weak = rsaWeakness(alg, key);
      if (weak !== undefined) return weak;
      // An RSA-PSS key may be restricted to one hash / minimum salt; they must allow this alg.
      const d = key.asymmetricKeyDetails;
      if (d?.hashAlgorithm !== undefined && d.hashAlgorithm !== params.digest) {
        return `${alg} needs an RSA-PSS key for ${params.digest}, got one restricted to ${d.hashAlgorithm}`;
      }
      if (d?.saltLength !== undefined && d.saltLength > params.saltLength) {
        return `${alg} needs an RSA-PSS key allowing salt length ${params.saltLength}`;
      }
      return undefined;
    }
    case 'ecdsa': {
      if (type !== 'ec') return `${alg} needs an EC key, got ${type}`;
      const curve = key.asymmetricKeyDetails?.namedCurve ?? 'unknown';
      if (curve !== params.namedCurve) {
        return `${alg} needs an EC key on ${CURVE_NAMES[params.namedCurve]}, got ${CURVE_NAMES[curve] ?? curve}`;
      }
      return undefined;
    }
    case 'eddsa':
      return type === 'ed25519' || type === 'ed448' ? undefined : `${alg} needs an Ed25519 or Ed448 key, got ${type}`;
    case 'hmac':
      return `${alg} uses a secret, not a public key`;
  }
}

/**
 * Why an RSA public key is too weak to trust, or undefined. OpenSSL verifies with any modulus
 * size and any exponent: with e=1 a "signature" is just the padded digest, so anyone can forge one.
 */
function rsaWeakness(alg: CredentialSpec['algorithm'], key: KeyObject): string | undefined {
  const d = key.asymmetricKeyDetails;
  const bits = d?.modulusLength ?? 0;
  if (bits < MIN_RSA_MODULUS_BITS) return `${alg} needs an RSA key of at least ${MIN_RSA_MODULUS_BITS} bits, got ${bits}`;
  if (bits > MAX_RSA_MODULUS_BITS) return `${alg} needs an RSA key of at most ${MAX_RSA_MODULUS_BITS} bits (OpenSSL verifies nothing with more), got ${bits}`;
  const e = d?.publicExponent ?? 0n;
  if (e < 3n || e % 2n === 0n) return `${alg} needs an RSA key whose public exponent is odd and at least 3`;
  return undefined;
}
