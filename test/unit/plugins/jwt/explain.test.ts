import { describe, expect, it } from 'vitest';
import type { JwtPluginConfigInput } from '../../../../src/model/jwt-config.js';
import { JWT_REFUSALS } from '../../../../src/model/refusal-reasons.js';
import { createVerifiedTokenCache } from '../../../../src/plugins/jwt/verified-token-cache.js';
import type { AuthOutcome, AuthRequest } from '../../../../src/snapshot/types.js';
import { HS_SECRET, NOW, bearer, credentialFor, makeAuthenticator, makeConsumer, makeCredential, makeRequest, makeSpec, mint, rawToken } from './fixtures.js';

/**
 * The explain entry point of the jwt plugin takes the decision authenticate() takes, for every
 * kind of request, and lists its checks in order: everything before the failing one passed,
 * nothing after it ran. It never holds the token's signature or a secret.
 */
const alice = makeConsumer('alice');
const anon = makeConsumer('anon');
const hs = credentialFor('HS256', 'hs-key', alice);
const rs = credentialFor('RS256', 'rs-key', alice);
const notBase64 = makeCredential(makeSpec({ key: 'nb64', algorithm: 'HS256', secret: 'not base64!' }), alice);
const creds = [hs.credential, rs.credential, notBase64];

const tok = (over: Record<string, unknown> = {}, key = 'hs-key') => mint({ algorithm: 'HS256', key, secret: HS_SECRET, claims: over });
const cases: Array<{ name: string; req: AuthRequest; config?: JwtPluginConfigInput; anonymous?: boolean | 'missing' }> = [
  { name: 'good HS256', req: bearer(tok({ exp: NOW + 60 })), config: { claimsToVerify: ['exp'] } },
  { name: 'good RS256', req: bearer(mint({ algorithm: 'RS256', key: 'rs-key', ...rs.signing })) },
  { name: 'no token', req: makeRequest() },
  { name: 'two tokens', req: makeRequest({ headers: [['Authorization', `Bearer ${tok()}`]], query: `jwt=${tok({ n: 2 })}` }) },
  { name: 'bare ?jwt', req: makeRequest({ query: 'jwt' }) },
  { name: 'invalid JSON', req: bearer('abc.def.ghi') },
  { name: 'invalid alg', req: bearer(rawToken({ alg: 'none' }, { iss: 'hs-key' })) },
  { name: 'bad signature encoding', req: bearer(rawToken({ alg: 'HS256' }, { iss: 'hs-key' }, 'a+b')) },
  { name: 'missing key claim', req: bearer(rawToken({ alg: 'HS256' }, { sub: 'x' })) },
  { name: 'key claim not a string', req: bearer(rawToken({ alg: 'HS256' }, { iss: 5 })) },
  { name: 'unknown credential', req: bearer(tok({}, 'nobody')) },
  { name: 'algorithm mismatch', req: bearer(mint({ algorithm: 'HS256', key: 'rs-key', secret: HS_SECRET })) },
  { name: 'invalid key (secret_is_base64)', req: bearer(tok({}, 'nb64')), config: { secretIsBase64: true } },
  { name: 'bad signature', req: bearer(mint({ algorithm: 'HS256', key: 'hs-key', secret: 'wrong' })) },
  { name: 'expired', req: bearer(tok({ exp: NOW - 1 })), config: { claimsToVerify: ['exp'] } },
  { name: 'not yet valid', req: bearer(tok({ nbf: NOW + 100 })), config: { claimsToVerify: ['nbf'] } },
  { name: 'exp not a number, nbf failed', req: bearer(tok({ exp: 'soon', nbf: NOW + 100 })), config: { claimsToVerify: ['exp', 'nbf'] } },
  { name: 'maximum_expiration', req: bearer(tok({ exp: NOW + 7200 })), config: { claimsToVerify: ['exp'], maximumExpiration: 3600 } },
  { name: 'anonymous after a failure', req: makeRequest(), anonymous: true },
  { name: 'anonymous that names nobody', req: makeRequest(), anonymous: 'missing' },
  { name: 'OPTIONS skipped', req: makeRequest({ method: 'OPTIONS' }), config: { runOnPreflight: false } },
  { name: 'key in the JOSE header', req: bearer(mint({ algorithm: 'HS256', key: 'hs-key', secret: HS_SECRET, keyClaimIn: 'header', keyClaimName: 'kid' })), config: { keyClaimName: 'kid' } },
];

function summary(o: AuthOutcome): unknown {
  switch (o.kind) {
    case 'rejected':
      return { kind: o.kind, status: o.status, reason: o.reason, body: o.body, ...(o.wwwAuthenticate !== undefined && { wwwAuthenticate: o.wwwAuthenticate }) };
    case 'authenticated':
      return { kind: o.kind, consumer: o.consumer.id, credential: o.credential.id };
    case 'anonymous':
      return { kind: o.kind, consumer: o.consumer.id };
    case 'skipped':
      return { kind: o.kind };
  }
}

describe('jwt explain = authenticate, step by step', () => {
  for (const c of cases) {
    it(c.name, () => {
      const anonymous = c.anonymous === true ? anon : c.anonymous === 'missing' ? { missing: 'ghost' } : undefined;
      const auth = makeAuthenticator(creds, c.config ?? {}, { cache: createVerifiedTokenCache(1 << 20), ...(anonymous && { anonymous }) });
      const real = auth.authenticate(c.req, NOW);
      const e = auth.explain!(c.req, NOW);
      const o = e.outcome;
      const got =
        o.kind === 'rejected'
          ? { kind: o.kind, status: o.status, reason: o.reason, body: o.body, ...(o.wwwAuthenticate !== undefined && { wwwAuthenticate: o.wwwAuthenticate }) }
          : o.kind === 'authenticated'
            ? { kind: o.kind, consumer: o.consumer.id, credential: o.credential.id }
            : o.kind === 'anonymous'
              ? { kind: o.kind, consumer: o.consumer.id }
              : { kind: o.kind };
      expect(got).toEqual(summary(real));

      // Checks: before the first failure, each passed or is not configured; after it, "not reached".
      const results = e.checks.map((k) => k.result);
      const firstFail = results.indexOf('fail');
      if (firstFail !== -1) {
        expect(e.checks.slice(0, firstFail).every((k) => k.result === 'pass' || (k.result === 'skip' && k.detail !== 'not reached'))).toBe(true);
        expect(e.checks.filter((k) => k.result === 'fail').every((k) => k.reason !== undefined && k.reason in JWT_REFUSALS)).toBe(true);
      }
      if (real.kind === 'rejected') {
        expect(e.checks.some((k) => k.result === 'fail' && k.reason === real.reason)).toBe(true);
      }
      if (real.kind === 'authenticated') expect(results).not.toContain('fail');

      // Never the signature part of the token, never a secret.
      const text = JSON.stringify(e);
      expect(text).not.toContain(HS_SECRET);
      const token = c.req.rawHeaders[1]?.replace(/^Bearer /, '');
      const signature = token?.split('.')[2];
      if (signature !== undefined && signature.length > 8) expect(text).not.toContain(signature);
    });
  }

  it('reports where the token was, the decoded header and claims, and the lookup', () => {
    const auth = makeAuthenticator(creds, { claimsToVerify: ['exp'] });
    const e = auth.explain!(makeRequest({ query: `jwt=${tok({ exp: NOW - 5 })}` }), NOW);
    expect(e.tokensFound).toEqual([{ source: 'query', name: 'jwt' }]);
    expect(e.token?.header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(e.token?.claims).toMatchObject({ iss: 'hs-key', exp: NOW - 5 });
    expect(e.lookup).toEqual({ keyClaim: 'iss', foundIn: 'claims', value: 'hs-key', credential: { id: 'cred-hs-key', key: 'hs-key', algorithm: 'HS256', consumer: { id: alice.id, username: 'alice' } } });
    expect(e.checks.map((c) => `${c.check}:${c.result}`)).toEqual([
      'token:pass', 'decode:pass', 'key_claim:pass', 'credential:pass', 'algorithm:pass', 'key:pass', 'signature:pass', 'exp:fail', 'nbf:skip', 'maximum_expiration:skip',
    ]);
    expect(e.checks.find((c) => c.check === 'exp')).toMatchObject({ reason: 'expired', detail: `exp ${NOW - 5} <= now ${NOW}` });
  });

  it('uses no cache and counts nothing', () => {
    const cache = createVerifiedTokenCache(1 << 20);
    const auth = makeAuthenticator(creds, {}, { cache });
    auth.explain!(bearer(tok()), NOW);
    expect([cache.size, cache.hits, cache.misses]).toEqual([0, 0, 0]);
  });
});
