import { describe, expect, it } from 'vitest';
import type { AuthOutcome, AuthRequest } from '../../../../src/snapshot/types.js';
import { signJws } from '../../../../src/tokens/mint.js';
import {
  HS_SECRET,
  NOW,
  bearer,
  credentialFor,
  makeAuthenticator,
  makeConsumer,
  makeCredential,
  makeRequest,
  makeSpec,
  mint,
  rawToken,
} from './fixtures.js';

const INVALID = 'Bearer error="invalid_token"';
const alice = makeConsumer('alice');
const hs = credentialFor('HS256', 'hs-key', alice);
const rs = credentialFor('RS256', 'rs-key', alice);
/** An HS credential whose secret is not valid base64: unusable when secret_is_base64 is on. */
const notBase64 = makeCredential(makeSpec({ key: 'nb64', algorithm: 'HS256', secret: 'not base64!' }), alice);
const good = mint({ algorithm: 'HS256', key: 'hs-key', secret: HS_SECRET });

function hsSigned(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${signJws('HS256', input, { secret: HS_SECRET }).toString('base64url')}`;
}

function expectRejection(outcome: AuthOutcome, body: string, www: string | undefined, reason: string, status = 401) {
  expect(outcome).toEqual({ kind: 'rejected', status, body, reason, ...(www === undefined ? {} : { wwwAuthenticate: www }) });
}

interface Case {
  name: string;
  req: AuthRequest;
  config?: Record<string, unknown>;
  body: string;
  www: string | undefined;
  reason: string;
}

const cases: Case[] = [
  { name: 'no token', req: makeRequest(), body: '{"message":"Unauthorized"}', www: 'Bearer', reason: 'no_token' },
  {
    name: 'non-Bearer Authorization contributes nothing',
    req: makeRequest({ headers: [['Authorization', `Basic ${good}`]] }),
    body: '{"message":"Unauthorized"}',
    www: 'Bearer',
    reason: 'no_token',
  },
  {
    name: 'two distinct tokens',
    req: makeRequest({ query: 'jwt=abc', headers: [['Authorization', `Bearer ${good}`]] }),
    body: '{"message":"Multiple tokens provided"}',
    www: INVALID,
    reason: 'multiple_tokens',
  },
  {
    name: '?jwt without =',
    req: makeRequest({ query: 'jwt' }),
    body: '{"message":"Unrecognizable token"}',
    www: INVALID,
    reason: 'unrecognizable_token',
  },
  { name: 'not three parts', req: bearer('abc.def'), body: '{"message":"Bad token; invalid JSON"}', www: INVALID, reason: 'bad_token' },
  { name: 'header not JSON', req: bearer(rawToken('nope', { iss: 'hs-key' })), body: '{"message":"Bad token; invalid JSON"}', www: INVALID, reason: 'bad_token' },
  { name: 'payload not JSON', req: bearer(rawToken({ alg: 'HS256' }, '{bad')), body: '{"message":"Bad token; invalid JSON"}', www: INVALID, reason: 'bad_token' },
  { name: 'payload is a JSON array', req: bearer(rawToken({ alg: 'HS256' }, [1])), body: '{"message":"Bad token; invalid JSON"}', www: INVALID, reason: 'bad_token' },
  { name: 'header is a JSON string', req: bearer(rawToken('"x"', { iss: 'hs-key' })), body: '{"message":"Bad token; invalid JSON"}', www: INVALID, reason: 'bad_token' },
  { name: 'payload is null', req: bearer(rawToken({ alg: 'HS256' }, 'null')), body: '{"message":"Bad token; invalid JSON"}', www: INVALID, reason: 'bad_token' },
  {
    name: 'invalid base64url character in header',
    req: bearer(`${rawToken({ alg: 'HS256' }, { iss: 'hs-key' }).replace('.', '*.')}`),
    body: '{"message":"Bad token; invalid JSON"}',
    www: INVALID,
    reason: 'bad_token',
  },
  { name: 'alg missing', req: bearer(rawToken({ typ: 'JWT' }, { iss: 'hs-key' })), body: '{"message":"Bad token; invalid alg"}', www: INVALID, reason: 'bad_token' },
  { name: 'alg none', req: bearer(rawToken({ alg: 'none' }, { iss: 'hs-key' }, '')), body: '{"message":"Bad token; invalid alg"}', www: INVALID, reason: 'bad_token' },
  { name: 'alg wrong case', req: bearer(rawToken({ alg: 'hs256' }, { iss: 'hs-key' })), body: '{"message":"Bad token; invalid alg"}', www: INVALID, reason: 'bad_token' },
  { name: 'alg not a string', req: bearer(rawToken({ alg: 256 }, { iss: 'hs-key' })), body: '{"message":"Bad token; invalid alg"}', www: INVALID, reason: 'bad_token' },
  {
    name: 'signature part not base64url',
    req: bearer(rawToken({ alg: 'HS256' }, { iss: 'hs-key' }, 'ab!cd')),
    body: '{"message":"Bad token; invalid signature"}',
    www: INVALID,
    reason: 'bad_token',
  },
  {
    name: 'four parts: the rest is an undecodable signature',
    req: bearer(`${good}.extra`),
    body: '{"message":"Bad token; invalid signature"}',
    www: INVALID,
    reason: 'bad_token',
  },
  {
    name: 'signature with non-zero spare bits (non-canonical)',
    req: bearer(rawToken({ alg: 'HS256' }, { iss: 'hs-key' }, 'AB')),
    body: '{"message":"Bad token; invalid signature"}',
    www: INVALID,
    reason: 'bad_token',
  },
  { name: 'key claim missing', req: bearer(rawToken({ alg: 'HS256' }, { sub: 'x' })), body: `{"message":"No mandatory 'iss' in claims"}`, www: INVALID, reason: 'missing_key_claim' },
  { name: 'key claim empty', req: bearer(rawToken({ alg: 'HS256' }, { iss: '' })), body: `{"message":"Invalid 'iss' in claims"}`, www: INVALID, reason: 'invalid_key_claim' },
  { name: 'key claim not a string', req: bearer(rawToken({ alg: 'HS256' }, { iss: 42 })), body: `{"message":"Invalid 'iss' in claims"}`, www: INVALID, reason: 'invalid_key_claim' },
  {
    name: 'custom key claim name in messages',
    req: bearer(rawToken({ alg: 'HS256' }, { iss: 'hs-key' })),
    config: { keyClaimName: 'kid' },
    body: `{"message":"No mandatory 'kid' in claims"}`,
    www: INVALID,
    reason: 'missing_key_claim',
  },
  {
    name: 'prototype names are not claims',
    req: bearer(rawToken({ alg: 'HS256' }, { iss: 'hs-key' })),
    config: { keyClaimName: 'constructor' },
    body: `{"message":"No mandatory 'constructor' in claims"}`,
    www: INVALID,
    reason: 'missing_key_claim',
  },
  {
    name: 'unknown credential',
    req: bearer(mint({ algorithm: 'HS256', key: 'nobody', secret: HS_SECRET })),
    body: `{"message":"No credentials found for given 'iss'"}`,
    www: INVALID,
    reason: 'unknown_credential',
  },
  {
    name: 'alg differs from the credential',
    req: bearer(mint({ algorithm: 'HS384', key: 'hs-key', secret: HS_SECRET })),
    body: '{"message":"Invalid algorithm"}',
    www: INVALID,
    reason: 'algorithm_mismatch',
  },
  {
    name: 'HS256 token against an RS256 credential (key confusion)',
    req: bearer(mint({ algorithm: 'HS256', key: 'rs-key', secret: HS_SECRET })),
    body: '{"message":"Invalid algorithm"}',
    www: INVALID,
    reason: 'algorithm_mismatch',
  },
  {
    name: 'secret_is_base64 with a secret that is not base64',
    req: bearer(mint({ algorithm: 'HS256', key: 'nb64', secret: 'not base64!' })),
    config: { secretIsBase64: true },
    body: '{"message":"Invalid key/secret"}',
    www: INVALID,
    reason: 'invalid_key',
  },
  {
    name: 'wrong signature',
    req: bearer(mint({ algorithm: 'HS256', key: 'hs-key', secret: 'other' })),
    body: '{"message":"Invalid signature"}',
    www: INVALID,
    reason: 'bad_signature',
  },
  {
    name: 'empty signature',
    req: bearer(good.slice(0, good.lastIndexOf('.') + 1)),
    body: '{"message":"Invalid signature"}',
    www: INVALID,
    reason: 'bad_signature',
  },
  {
    name: 'exp not verified by default',
    req: bearer(mint({ algorithm: 'HS256', key: 'hs-key', secret: HS_SECRET, claims: { exp: NOW - 10 } })),
    config: { claimsToVerify: [] },
    body: '',
    www: undefined,
    reason: 'ok',
  },
  {
    name: 'exp expired',
    req: bearer(mint({ algorithm: 'HS256', key: 'hs-key', secret: HS_SECRET, claims: { exp: NOW } })),
    config: { claimsToVerify: ['exp'] },
    body: '{"exp":"token expired"}',
    www: INVALID,
    reason: 'expired',
  },
  {
    name: 'exp missing',
    req: bearer(good),
    config: { claimsToVerify: ['exp'] },
    body: '{"exp":"must be a number"}',
    www: INVALID,
    reason: 'invalid_claims',
  },
  {
    name: 'exp a numeric string',
    req: bearer(mint({ algorithm: 'HS256', key: 'hs-key', secret: HS_SECRET, claims: { exp: String(NOW + 100) } })),
    config: { claimsToVerify: ['exp'] },
    body: '{"exp":"must be a number"}',
    www: INVALID,
    reason: 'invalid_claims',
  },
  {
    name: 'nbf in the future',
    req: bearer(mint({ algorithm: 'HS256', key: 'hs-key', secret: HS_SECRET, claims: { nbf: NOW + 1 } })),
    config: { claimsToVerify: ['nbf'] },
    body: '{"nbf":"token not valid yet"}',
    www: INVALID,
    reason: 'not_yet_valid',
  },
  {
    name: 'exp and nbf both missing',
    req: bearer(good),
    config: { claimsToVerify: ['nbf', 'exp'] },
    body: '{"exp":"must be a number","nbf":"must be a number"}',
    www: INVALID,
    reason: 'invalid_claims',
  },
  {
    name: 'expired and not valid yet',
    req: bearer(mint({ algorithm: 'HS256', key: 'hs-key', secret: HS_SECRET, claims: { exp: NOW - 1, nbf: NOW + 1 } })),
    config: { claimsToVerify: ['exp', 'nbf'] },
    body: '{"exp":"token expired","nbf":"token not valid yet"}',
    www: INVALID,
    reason: 'expired',
  },
  {
    name: 'expired and nbf not a number',
    req: bearer(mint({ algorithm: 'HS256', key: 'hs-key', secret: HS_SECRET, claims: { exp: NOW - 1, nbf: null } })),
    config: { claimsToVerify: ['exp', 'nbf'] },
    body: '{"exp":"token expired","nbf":"must be a number"}',
    www: INVALID,
    reason: 'invalid_claims',
  },
  {
    name: 'maximum_expiration exceeded',
    req: bearer(mint({ algorithm: 'HS256', key: 'hs-key', secret: HS_SECRET, expiresInSeconds: 3601 })),
    config: { claimsToVerify: ['exp'], maximumExpiration: 3600 },
    body: '{"exp":"exceeds maximum allowed expiration"}',
    www: INVALID,
    reason: 'max_expiration',
  },
  {
    name: 'realm without token',
    req: makeRequest(),
    config: { realm: 'kong' },
    body: '{"message":"Unauthorized"}',
    www: 'Bearer realm="kong"',
    reason: 'no_token',
  },
  {
    name: 'realm with a bad token',
    req: bearer('x.y.z'),
    config: { realm: 'kong' },
    body: '{"message":"Bad token; invalid JSON"}',
    www: 'Bearer realm="kong", error="invalid_token"',
    reason: 'bad_token',
  },
];

describe('jwt authenticator: Kong messages, statuses and WWW-Authenticate', () => {
  it.each(cases)('$name', ({ req, config, body, www, reason }) => {
    const auth = makeAuthenticator([hs.credential, rs.credential, notBase64], config ?? {});
    const outcome = auth.authenticate(req, NOW);
    if (reason === 'ok') {
      expect(outcome.kind).toBe('authenticated');
      return;
    }
    expectRejection(outcome, body, www, reason);
  });

  it('authenticates a good token with the credential and its consumer', () => {
    const auth = makeAuthenticator([hs.credential]);
    expect(auth.authenticate(bearer(good), NOW)).toEqual({ kind: 'authenticated', consumer: alice, credential: hs.credential });
  });

  it('takes the key claim from the JOSE header when the payload lacks it (kid)', () => {
    const auth = makeAuthenticator([hs.credential], { keyClaimName: 'kid' });
    const token = mint({ algorithm: 'HS256', key: 'hs-key', secret: HS_SECRET, keyClaimName: 'kid', keyClaimIn: 'header' });
    expect(auth.authenticate(bearer(token), NOW).kind).toBe('authenticated');
  });

  it('prefers the payload key claim over the header one', () => {
    const auth = makeAuthenticator([hs.credential]);
    const token = hsSigned({ alg: 'HS256', iss: 'hs-key' }, { iss: 'nobody' });
    expectRejection(auth.authenticate(bearer(token), NOW), `{"message":"No credentials found for given 'iss'"}`, INVALID, 'unknown_credential');
  });

  it.each([
    ['exp one second ahead passes', { exp: NOW + 1 }, ['exp'], true],
    ['exp == now is expired', { exp: NOW }, ['exp'], false],
    ['fractional exp just ahead passes', { exp: NOW + 0.5 }, ['exp'], true],
    ['nbf == now passes', { nbf: NOW }, ['nbf'], true],
    ['nbf one second ahead fails', { nbf: NOW + 1 }, ['nbf'], false],
  ] as const)('clock edges: %s', (_name, claims, claimsToVerify, ok) => {
    const auth = makeAuthenticator([hs.credential], { claimsToVerify: [...claimsToVerify] });
    const token = mint({ algorithm: 'HS256', key: 'hs-key', secret: HS_SECRET, claims });
    expect(auth.authenticate(bearer(token), NOW).kind).toBe(ok ? 'authenticated' : 'rejected');
  });

  it.each([
    ['exactly the maximum', 3600, true],
    ['one second over', 3601, false],
  ] as const)('maximum_expiration: %s', (_name, lifetime, ok) => {
    const auth = makeAuthenticator([hs.credential], { claimsToVerify: ['exp'], maximumExpiration: 3600 });
    const token = mint({ algorithm: 'HS256', key: 'hs-key', secret: HS_SECRET, expiresInSeconds: lifetime });
    expect(auth.authenticate(bearer(token), NOW).kind).toBe(ok ? 'authenticated' : 'rejected');
  });

  it('secret_is_base64 decodes the stored secret (standard and url-safe alphabets)', () => {
    const raw = Buffer.from([0xfb, 0xff, 0xfe, 0x01, 0x02, 0x03, 0x04, 0x05]);
    for (const stored of [raw.toString('base64'), raw.toString('base64url')]) {
      const cred = makeCredential(makeSpec({ key: 'b64', algorithm: 'HS256', secret: stored }), alice);
      const auth = makeAuthenticator([cred], { secretIsBase64: true });
      expect(auth.authenticate(bearer(mint({ algorithm: 'HS256', key: 'b64', secret: raw })), NOW).kind).toBe('authenticated');
      // The stored text itself is not the key when secret_is_base64 is on.
      expect(auth.authenticate(bearer(mint({ algorithm: 'HS256', key: 'b64', secret: stored })), NOW)).toMatchObject({ body: '{"message":"Invalid signature"}' });
    }
  });

  it('secret_is_base64 never applies to public keys', () => {
    const auth = makeAuthenticator([rs.credential], { secretIsBase64: true });
    expect(auth.authenticate(bearer(mint({ algorithm: 'RS256', key: 'rs-key', ...rs.signing })), NOW).kind).toBe('authenticated');
  });
});

describe('jwt authenticator: preflight, anonymous', () => {
  const guest = makeConsumer('guest');

  it.each([
    ['OPTIONS with run_on_preflight=false is skipped', { runOnPreflight: false }, 'OPTIONS', 'skipped'],
    ['OPTIONS with run_on_preflight=true is checked', { runOnPreflight: true }, 'OPTIONS', 'rejected'],
    ['GET with run_on_preflight=false is checked', { runOnPreflight: false }, 'GET', 'rejected'],
  ] as const)('%s', (_name, config, method, kind) => {
    const auth = makeAuthenticator([hs.credential], config);
    expect(auth.authenticate(makeRequest({ method }), NOW).kind).toBe(kind);
  });

  it.each([
    ['no token', makeRequest()],
    ['bad signature', bearer(mint({ algorithm: 'HS256', key: 'hs-key', secret: 'nope' }))],
    ['multiple tokens', makeRequest({ query: 'jwt=a&jwt=b' })],
  ])('falls back to the anonymous consumer on failure: %s', (_name, req) => {
    const auth = makeAuthenticator([hs.credential], { anonymous: 'guest' }, { anonymous: guest });
    expect(auth.authenticate(req, NOW)).toEqual({ kind: 'anonymous', consumer: guest });
  });

  it('falls back to anonymous on claim failures', () => {
    const auth = makeAuthenticator([hs.credential], { anonymous: 'guest', claimsToVerify: ['exp'] }, { anonymous: guest });
    expect(auth.authenticate(bearer(good), NOW)).toEqual({ kind: 'anonymous', consumer: guest });
  });

  it('a valid token still authenticates in anonymous mode', () => {
    const auth = makeAuthenticator([hs.credential], { anonymous: 'guest' }, { anonymous: guest });
    expect(auth.authenticate(bearer(good), NOW)).toMatchObject({ kind: 'authenticated', consumer: alice });
  });

  it('answers 500 when the anonymous consumer does not exist', () => {
    const auth = makeAuthenticator([hs.credential], { anonymous: 'ghost' }, { anonymous: { missing: 'ghost' } });
    expectRejection(
      auth.authenticate(makeRequest(), NOW),
      `{"message":"anonymous consumer ghost is configured but doesn't exist"}`,
      undefined,
      'anonymous_missing',
      500,
    );
    // Only failures consult the anonymous consumer.
    expect(auth.authenticate(bearer(good), NOW).kind).toBe('authenticated');
  });
});
