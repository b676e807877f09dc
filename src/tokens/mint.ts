import { constants, createHmac, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { JwtAlgorithm } from '../model/algorithms.js';
import { ALGORITHM_PARAMS } from '../plugins/jwt/algorithm-params.js';

export interface MintOptions {
  algorithm: JwtAlgorithm;
  /** The credential key, written into the key claim. */
  key: string;
  /** Claim that carries `key` (default "iss", like the plugin's key_claim_name). */
  keyClaimName?: string;
  /**
   * Where the key claim goes. Kong reads the payload first, then the JOSE header, so "payload"
   * (default) always works; "header" suits `kid`-style setups; "both" writes it twice.
   */
  keyClaimIn?: 'payload' | 'header' | 'both';
  /** HS*: the shared secret (a string is used as its UTF-8 bytes, as Kong does). */
  secret?: string | Buffer;
  /** RS/PS/ES/EdDSA: PEM private key (PKCS#8, PKCS#1 or SEC1). */
  privateKeyPem?: string;
  /** Sets exp = now + this. */
  expiresInSeconds?: number;
  /** Extra payload claims (override the defaults above). */
  claims?: Record<string, unknown>;
  /** Extra JOSE header fields (override alg/typ, e.g. to forge a mismatched alg in tests). */
  header?: Record<string, unknown>;
  /** Unix seconds used for iat/exp (default: the current time). */
  now?: number;
}

/** Mints a compact JWS for any of the 13 algorithms (CLI `portcullis token` and tests). */
export function mintToken(opts: MintOptions): string {
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const claimName = opts.keyClaimName ?? 'iss';
  const where = opts.keyClaimIn ?? 'payload';

  const header: Record<string, unknown> = { alg: opts.algorithm, typ: 'JWT' };
  if (where !== 'payload') header[claimName] = opts.key;
  Object.assign(header, opts.header);

  const payload: Record<string, unknown> = { iat: now };
  if (where !== 'header') payload[claimName] = opts.key;
  if (opts.expiresInSeconds !== undefined) payload.exp = now + opts.expiresInSeconds;
  Object.assign(payload, opts.claims);

  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${signingInput}.${signJws(opts.algorithm, signingInput, opts).toString('base64url')}`;
}

function b64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** Signs "header.payload" for `alg` (exported for tests that need hand-built tokens). */
export function signJws(
  alg: JwtAlgorithm,
  signingInput: string,
  keys: { secret?: string | Buffer; privateKeyPem?: string },
): Buffer {
  const params = ALGORITHM_PARAMS[alg];
  const data = Buffer.from(signingInput, 'utf8');
  if (params.family === 'hmac') {
    if (keys.secret === undefined) throw new Error(`${alg} needs a secret`);
    return createHmac(params.digest, keys.secret).update(data).digest();
  }
  if (keys.privateKeyPem === undefined) throw new Error(`${alg} needs a private key`);
  let key: KeyObject;
  try {
    key = createPrivateKey(keys.privateKeyPem);
  } catch {
    throw new Error('the private key could not be parsed');
  }
  switch (params.family) {
    case 'rsa':
      return sign(params.digest, data, { key, padding: constants.RSA_PKCS1_PADDING });
    case 'pss':
      return sign(params.digest, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: params.saltLength });
    case 'ecdsa':
      return sign(params.digest, data, { key, dsaEncoding: 'ieee-p1363' });
    case 'eddsa':
      return sign(null, data, key);
  }
}
