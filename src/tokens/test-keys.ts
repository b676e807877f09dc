import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { JwtAlgorithm } from '../model/algorithms.js';
import { ALGORITHM_PARAMS } from '../plugins/jwt/algorithm-params.js';

export interface TestKeyPair {
  publicKeyPem: string;
  privateKeyPem: string;
}

export interface TestKeyOptions {
  /** EdDSA: which curve (default ed25519). */
  edCurve?: 'ed25519' | 'ed448';
  /** PS*: generate an RSA-PSS (rather than plain RSA) key. */
  rsaPss?: boolean;
  /** RS/PS modulus (default 2048). */
  modulusLength?: number;
  /** RS/PS public key as PKCS#1 ("BEGIN RSA PUBLIC KEY") instead of SPKI. */
  pkcs1?: boolean;
}

const PEM = { format: 'pem' } as const;

/** Fresh key pair (PEMs) fitting a non-HMAC algorithm, for tests and demos only. */
export function generateTestKeyPair(alg: JwtAlgorithm, opts: TestKeyOptions = {}): TestKeyPair {
  const params = ALGORITHM_PARAMS[alg];
  const privateKeyEncoding = { ...PEM, type: 'pkcs8' } as const;
  const publicKeyEncoding = { ...PEM, type: opts.pkcs1 ? 'pkcs1' : 'spki' } as const;
  let pair: { publicKey: string; privateKey: string };
  switch (params.family) {
    case 'hmac':
      throw new Error(`${alg} uses a shared secret: see generateTestSecret()`);
    case 'rsa':
    case 'pss':
      pair =
        opts.rsaPss === true && params.family === 'pss'
          ? generateKeyPairSync('rsa-pss', {
              modulusLength: opts.modulusLength ?? 2048,
              publicKeyEncoding: { ...PEM, type: 'spki' },
              privateKeyEncoding,
            })
          : generateKeyPairSync('rsa', { modulusLength: opts.modulusLength ?? 2048, publicKeyEncoding, privateKeyEncoding });
      break;
    case 'ecdsa':
      pair = generateKeyPairSync('ec', {
        namedCurve: params.namedCurve,
        publicKeyEncoding: { ...PEM, type: 'spki' },
        privateKeyEncoding,
      });
      break;
    case 'eddsa':
      pair =
        opts.edCurve === 'ed448'
          ? generateKeyPairSync('ed448', { publicKeyEncoding: { ...PEM, type: 'spki' }, privateKeyEncoding })
          : generateKeyPairSync('ed25519', { publicKeyEncoding: { ...PEM, type: 'spki' }, privateKeyEncoding });
      break;
  }
  return { publicKeyPem: pair.publicKey, privateKeyPem: pair.privateKey };
}

/** A random HMAC secret of `bytes` bytes, as text (base64url). */
export function generateTestSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
