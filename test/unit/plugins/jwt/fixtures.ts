import { JWT_ALGORITHMS, isHmacAlgorithm, type JwtAlgorithm } from '../../../../src/model/algorithms.js';
import { jwtPluginConfigSchema, type JwtPluginConfigInput } from '../../../../src/model/jwt-config.js';
import type { CredentialSpec } from '../../../../src/model/resources.js';
import { createJwtAuthenticator, type CachingJwtAuthenticator } from '../../../../src/plugins/jwt/authenticator.js';
import { importCredentialKeys } from '../../../../src/plugins/jwt/keys.js';
import type { JwtAuthenticatorDeps } from '../../../../src/plugins/jwt/types.js';
import type { AuthRequest, Consumer, Credential } from '../../../../src/snapshot/types.js';
import { generateTestKeyPair, type TestKeyOptions, type TestKeyPair } from '../../../../src/tokens/test-keys.js';
import { mintToken, type MintOptions } from '../../../../src/tokens/mint.js';

export const NOW = 1_700_000_000;
export const ALL_ALGORITHMS: readonly JwtAlgorithm[] = JWT_ALGORITHMS;

export function makeConsumer(username: string | undefined = 'alice', customId?: string, id = `id-${username ?? customId}`): Consumer {
  const upstreamHeaders: Record<string, string> = { 'x-consumer-id': id };
  if (customId !== undefined) upstreamHeaders['x-consumer-custom-id'] = customId;
  if (username !== undefined) upstreamHeaders['x-consumer-username'] = username;
  return {
    id,
    username,
    customId,
    tags: [],
    scope: '',
    ref: { kind: 'consumers', name: username ?? customId ?? id },
    upstreamHeaders,
  };
}

export function makeSpec(fields: Partial<CredentialSpec> & Pick<CredentialSpec, 'key' | 'algorithm'>): CredentialSpec {
  return {
    ref: { kind: 'jwt_secrets', name: fields.key },
    scope: '',
    consumerRef: 'alice',
    consumerRefKind: 'username-or-id',
    tags: [],
    ...fields,
  };
}

/** A credential with keys imported the way the translator does it; throws when import fails. */
export function makeCredential(spec: CredentialSpec, consumer: Consumer = makeConsumer()): Credential {
  const imported = importCredentialKeys(spec);
  if (!imported.ok) throw new Error(`fixture key import failed: ${imported.message}`);
  return { id: `cred-${spec.key}`, key: spec.key, algorithm: spec.algorithm, consumer, spec, ...imported.keys };
}

const keyPairs = new Map<string, TestKeyPair>();

/** One key pair per (alg family, options), generated once per test file: RSA generation is slow. */
export function keyPairFor(alg: JwtAlgorithm, opts: TestKeyOptions = {}, variant = 'a'): TestKeyPair {
  const family = alg.startsWith('RS') || (alg.startsWith('PS') && opts.rsaPss !== true) ? 'RSA' : alg;
  const id = `${family}:${JSON.stringify(opts)}:${variant}`;
  let pair = keyPairs.get(id);
  if (pair === undefined) {
    pair = generateTestKeyPair(alg, opts);
    keyPairs.set(id, pair);
  }
  return pair;
}

export const HS_SECRET = 'a-fairly-long-shared-secret-for-tests';

/** Credential + matching signing material for `alg`, under credential key `key`. */
export function credentialFor(alg: JwtAlgorithm, key = `key-${alg}`, consumer = makeConsumer(), opts: TestKeyOptions = {}) {
  if (isHmacAlgorithm(alg)) {
    return { credential: makeCredential(makeSpec({ key, algorithm: alg, secret: HS_SECRET }), consumer), signing: { secret: HS_SECRET } };
  }
  const pair = keyPairFor(alg, opts);
  return {
    credential: makeCredential(makeSpec({ key, algorithm: alg, rsaPublicKey: pair.publicKeyPem }), consumer),
    signing: { privateKeyPem: pair.privateKeyPem },
  };
}

export function makeAuthenticator(
  credentials: Credential[],
  config: JwtPluginConfigInput = {},
  extra: Pick<JwtAuthenticatorDeps, 'anonymous' | 'cache' | 'retainClaims'> = {},
): CachingJwtAuthenticator {
  return createJwtAuthenticator({
    pluginId: 'plugin-1',
    config: jwtPluginConfigSchema.parse(config),
    credentialsByKey: new Map(credentials.map((c) => [c.key, c])),
    ...extra,
  });
}

export function makeRequest(opts: { headers?: Array<[string, string]>; query?: string; method?: string } = {}): AuthRequest {
  return { method: opts.method ?? 'GET', rawHeaders: (opts.headers ?? []).flat(), rawQuery: opts.query ?? '' };
}

export function bearer(token: string): AuthRequest {
  return makeRequest({ headers: [['Authorization', `Bearer ${token}`]] });
}

export function mint(opts: Omit<MintOptions, 'now'> & { now?: number }): string {
  return mintToken({ now: NOW, ...opts });
}

/** Builds a compact token from raw parts (for malformed-token cases). */
export function rawToken(header: unknown, payload: unknown, signature = 'c2ln'): string {
  const enc = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  return `${enc(header)}.${enc(payload)}.${signature}`;
}
