import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerId } from '../../../src/model/ids.js';
import { mintToken } from '../../../src/tokens/mint.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { gatewayInMode, MODES, stopModeEnvironments, type JwtConfig, type Scenario } from '../../support/modes.js';
import { call, portOf, rawRequest, startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/** Token sources, key claims, claim checks, anonymous mode and plugin scoping (docs/kong-compatibility.md#plugin-configuration, docs/kong-compatibility.md#request-flow, docs/kong-compatibility.md#kongyml). */
const SECRET = 'alice-secret-0123456789abcdef';
const B64_BYTES = randomBytes(32);
const now = () => Math.floor(Date.now() / 1000);

const tok = (o: { key?: string; secret?: string | Buffer; claims?: Record<string, unknown>; kidOnly?: boolean; exp?: number } = {}) =>
  mintToken({
    algorithm: 'HS256',
    key: o.key ?? 'alice-key',
    secret: o.secret ?? SECRET,
    ...(o.kidOnly && { keyClaimName: 'kid', keyClaimIn: 'header' as const }),
    ...(o.exp !== undefined && { expiresInSeconds: o.exp }),
    claims: o.claims ?? {},
  });

const jwt = (config: Record<string, unknown> = {}) => [{ name: 'jwt', config }];

let upstream: EchoUpstream;

beforeAll(async () => {
  upstream = await startEchoUpstream();
});

afterAll(async () => {
  await stopModeEnvironments();
  await upstream?.close();
});

const auth = (v: string): RequestInit => ({ headers: { authorization: v } });
const msg = (m: string) => JSON.stringify({ message: m });

/** Route-level plugins only: what a Route CR can say too. Plugin precedence (kong.yml only) is at the end. */
const scenario = (): Scenario => {
  const url = `http://127.0.0.1:${upstream.port}`;
  const r = (name: string, config?: JwtConfig) => ({ name, paths: [`/${name}`], url, jwt: config });
  return {
    routes: [
      r('default', {}),
      r('custom', { uri_param_names: ['token', 'access'], cookie_names: ['sess'], header_names: ['x-token'] }),
      r('kid', { key_claim_name: 'kid' }),
      r('b64', { secret_is_base64: true }),
      r('exp', { claims_to_verify: ['exp'] }),
      r('expnbf', { claims_to_verify: ['exp', 'nbf'] }),
      r('maxexp', { claims_to_verify: ['exp'], maximum_expiration: 600 }),
      r('realm', { realm: 'portcullis' }),
      r('anon', { anonymous: 'guest' }),
      r('anon-missing', { anonymous: 'nobody' }),
      r('preflight', { run_on_preflight: false }),
    ],
    consumers: [
      { username: 'alice', custom_id: 'alice-cid', credentials: [{ key: 'alice-key', secret: SECRET }] },
      { username: 'b64user', credentials: [{ key: 'b64-key', secret: B64_BYTES.toString('base64') }] },
      { username: 'guest', custom_id: 'guest-cid' },
    ],
  };
};

// The same attacks in every mode: one process, `--workers 2`, and CRs through the controller.
describe.each(MODES)('%s', (mode) => {
  const gw = gatewayInMode(mode, scenario);

  describe('token sources', () => {
    const t = tok();
    const other = tok({ claims: { sub: 'x' } });
    it.each<[string, string, RequestInit, number, string?]>([
      ['?jwt= on the default route', `/default?jwt=${t}`, {}, 200],
      ['?jwt= URL-encoded', `/default?a=1&jwt=${encodeURIComponent(t)}`, {}, 200],
      ['custom uri_param_names entry', `/custom?token=${t}`, {}, 200],
      ['second custom uri_param_names entry', `/custom?access=${t}`, {}, 200],
      ['jwt is not searched when uri_param_names replaces it', `/custom?jwt=${t}`, {}, 401, msg('Unauthorized')],
      ['cookie_names', '/custom', { headers: { cookie: `other=1; sess=${t}` } }, 200],
      ['a cookie not in cookie_names', '/default', { headers: { cookie: `sess=${t}` } }, 401, msg('Unauthorized')],
      ['custom header_names', '/custom', { headers: { 'x-token': `Bearer ${t}` } }, 200],
      ['Authorization is not searched when header_names replaces it', '/custom', auth(`Bearer ${t}`), 401, msg('Unauthorized')],
      ['the same token in query and header (one token)', `/default?jwt=${t}`, auth(`Bearer ${t}`), 200],
      ['two different tokens', `/default?jwt=${t}`, auth(`Bearer ${other}`), 401, msg('Multiple tokens provided')],
      ['two different tokens, cookie and uri param', `/custom?token=${t}`, { headers: { cookie: `sess=${other}` } }, 401, msg('Multiple tokens provided')],
      ['an empty ?jwt= is ignored', '/default?jwt=', {}, 401, msg('Unauthorized')],
      ['lower-case bearer', '/default', auth(`bearer ${t}`), 200],
      ['upper-case BEARER', '/default', auth(`BEARER ${t}`), 200],
      ['mixed-case BeArEr', '/default', auth(`BeArEr ${t}`), 200],
      ['another scheme contributes nothing', '/default', auth(`Basic ${t}`), 401, msg('Unauthorized')],
      ['Bearer not at the start (stricter than Kong)', '/default', auth(`Token Bearer ${t}`), 401, msg('Unauthorized')],
      ['garbage token', '/default', auth('Bearer abc.def'), 401, msg('Bad token; invalid JSON')],
    ])('%s', async (_name, p, init, status, body) => {
      const r = await call(gw.proxy, p, init);
      expect(r.status, r.body).toBe(status);
      if (body !== undefined) expect(r.body).toBe(body);
      if (status === 200) expect(r.echo!.headers['x-consumer-username']).toBe('alice');
    });

    it('`?jwt` without `=` is Unrecognizable token; next to a token it is Multiple tokens provided', async () => {
      const port = portOf(gw.proxy);
      const alone = await rawRequest(port, 'GET /default?jwt HTTP/1.1\nHost: x');
      expect([alone.status, alone.body]).toEqual([401, msg('Unrecognizable token')]);
      const withToken = await rawRequest(port, `GET /default?jwt HTTP/1.1\nHost: x\nAuthorization: Bearer ${t}`);
      expect([withToken.status, withToken.body]).toEqual([401, msg('Multiple tokens provided')]);
    });

    it('a repeated Authorization header: only the first is read', async () => {
      const port = portOf(gw.proxy);
      const unknown = tok({ key: 'nobody-key' });
      const firstGood = await rawRequest(port, `GET /default HTTP/1.1\nHost: x\nAuthorization: Bearer ${t}\nAuthorization: Bearer ${unknown}`);
      expect(firstGood.status, firstGood.body).toBe(200);
      const firstBad = await rawRequest(port, `GET /default HTTP/1.1\nHost: x\nAuthorization: Bearer ${unknown}\nAuthorization: Bearer ${t}`);
      expect([firstBad.status, firstBad.body]).toEqual([401, msg("No credentials found for given 'iss'")]);
    });
  });

  describe('decoding failures', () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const good = tok();
    const [h, p, sig] = good.split('.') as [string, string, string];
    it.each<[string, string, string]>([
      ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${p}.${sig}`, 'Bad token; invalid alg'],
      ['alg missing', `${b64({ typ: 'JWT' })}.${p}.${sig}`, 'Bad token; invalid alg'],
      ['alg lower-case', `${b64({ alg: 'hs256' })}.${p}.${sig}`, 'Bad token; invalid alg'],
      ['header JSON but not an object', `${b64([1])}.${p}.${sig}`, 'Bad token; invalid JSON'],
      ['payload not JSON', `${h}.${Buffer.from('{nope').toString('base64url')}.${sig}`, 'Bad token; invalid JSON'],
      ['two parts', `${h}.${p}`, 'Bad token; invalid JSON'],
      ['signature with characters outside base64url', `${h}.${p}.${sig.slice(0, -2)}*!`, 'Bad token; invalid signature'],
      // The first character: all of its 6 bits are data (the last one's low bits are padding, and a
      // non-canonical padding spelling is a decoding error, not a wrong signature).
      ['a flipped signature character', `${h}.${p}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`, 'Invalid signature'],
      ['non-canonical padding bits in the last character', `${h}.${p}.${sig.slice(0, -1)}${nonCanonicalLast(sig)}`, 'Bad token; invalid signature'],
    ])('%s', async (_n, t, m) => {
      const r = await call(gw.proxy, '/default', auth(`Bearer ${t}`));
      expect([r.status, r.body]).toEqual([401, msg(m)]);
    });
  });

  describe('key claim and secrets', () => {
    it('key_claim_name kid reads the JOSE header; the default (iss) then finds nothing', async () => {
      const t = tok({ kidOnly: true });
      expect((await call(gw.proxy, '/kid', auth(`Bearer ${t}`))).status).toBe(200);
      const r = await call(gw.proxy, '/default', auth(`Bearer ${t}`));
      expect([r.status, r.body]).toEqual([401, msg("No mandatory 'iss' in claims")]);
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['empty iss', { iss: '' }, "Invalid 'iss' in claims"],
      ['numeric iss', { iss: 42 }, "Invalid 'iss' in claims"],
      ['unknown iss', { iss: 'nope' }, "No credentials found for given 'iss'"],
    ])('%s', async (_n, claims, m) => {
      const r = await call(gw.proxy, '/default', auth(`Bearer ${tok({ claims })}`));
      expect([r.status, r.body]).toEqual([401, msg(m)]);
    });

    it('secret_is_base64 decodes the stored secret before the HMAC', async () => {
      const decoded = tok({ key: 'b64-key', secret: B64_BYTES });
      const literal = tok({ key: 'b64-key', secret: B64_BYTES.toString('base64') });
      const b64 = await call(gw.proxy, '/b64', auth(`Bearer ${decoded}`));
      expect(b64.status, b64.body).toBe(200);
      expect(b64.echo!.headers['x-consumer-username']).toBe('b64user');
      expect((await call(gw.proxy, '/b64', auth(`Bearer ${literal}`))).body).toBe(msg('Invalid signature'));
      expect((await call(gw.proxy, '/default', auth(`Bearer ${decoded}`))).body).toBe(msg('Invalid signature'));
      expect((await call(gw.proxy, '/default', auth(`Bearer ${literal}`))).status).toBe(200);
    });
  });

  describe('claims_to_verify and maximum_expiration', () => {
    it.each<[string, string, () => Record<string, unknown>, number, string?]>([
      ['exp not checked without claims_to_verify', '/default', () => ({ exp: now() - 100, nbf: now() + 100 }), 200],
      ['expired', '/exp', () => ({ exp: now() - 1 }), 401, '{"exp":"token expired"}'],
      ['exp == now is expired', '/exp', () => ({ exp: now() }), 401, '{"exp":"token expired"}'],
      ['missing exp', '/exp', () => ({}), 401, '{"exp":"must be a number"}'],
      ['string exp', '/exp', () => ({ exp: String(now() + 100) }), 401, '{"exp":"must be a number"}'],
      ['valid exp', '/exp', () => ({ exp: now() + 100 }), 200],
      ['nbf not checked when only exp is listed', '/exp', () => ({ exp: now() + 100, nbf: now() + 100 }), 200],
      ['nbf in the future', '/expnbf', () => ({ exp: now() + 100, nbf: now() + 100 }), 401, '{"nbf":"token not valid yet"}'],
      ['both strings', '/expnbf', () => ({ exp: 'x', nbf: 'y' }), 401, '{"exp":"must be a number","nbf":"must be a number"}'],
      ['both missing', '/expnbf', () => ({}), 401, '{"exp":"must be a number","nbf":"must be a number"}'],
      ['exp and nbf fine', '/expnbf', () => ({ exp: now() + 100, nbf: now() - 1 }), 200],
      ['exp beyond maximum_expiration', '/maxexp', () => ({ exp: now() + 3600 }), 401, '{"exp":"exceeds maximum allowed expiration"}'],
      ['exp within maximum_expiration', '/maxexp', () => ({ exp: now() + 300 }), 200],
      ['expired beats maximum_expiration', '/maxexp', () => ({ exp: now() - 5 }), 401, '{"exp":"token expired"}'],
    ])('%s', async (_n, p, claims, status, body) => {
      const r = await call(gw.proxy, p, auth(`Bearer ${tok({ claims: claims() })}`));
      expect(r.status, r.body).toBe(status);
      if (body !== undefined) {
        expect(r.body).toBe(body);
        expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(r.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      }
    });
  });

  describe('realm and WWW-Authenticate', () => {
    it.each<[string, string, RequestInit, string]>([
      ['no token, no realm', '/default', {}, 'Bearer'],
      ['invalid token, no realm', '/default', auth('Bearer a.b.c'), 'Bearer error="invalid_token"'],
      ['no token, realm', '/realm', {}, 'Bearer realm="portcullis"'],
      ['invalid token, realm', '/realm', auth('Bearer a.b.c'), 'Bearer realm="portcullis", error="invalid_token"'],
    ])('%s', async (_n, p, init, header) => {
      const r = await call(gw.proxy, p, init);
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe(header);
    });
  });

  describe('anonymous consumer and preflight', () => {
    it.each<[string, string, RequestInit]>([
      ['no token', '/anon', {}],
      ['a bad token', '/anon', auth(`Bearer ${tok({ secret: 'wrong' })}`)],
      ['two tokens', `/anon?jwt=${tok({ claims: { sub: 'y' } })}`, auth(`Bearer ${tok()}`)],
    ])('anonymous: %s is proxied as the anonymous consumer', async (_n, p, init) => {
      const r = await call(gw.proxy, p, init);
      expect(r.status, r.body).toBe(200);
      const h = r.echo!.headers;
      expect(h['x-anonymous-consumer']).toBe('true');
      expect(h['x-consumer-id']).toBe(consumerId('guest'));
      expect(h['x-consumer-username']).toBe('guest');
      expect(h['x-consumer-custom-id']).toBe('guest-cid');
      expect(h['x-credential-identifier']).toBeUndefined();
    });

    it('anonymous: a valid token still authenticates the real consumer', async () => {
      const r = await call(gw.proxy, '/anon', auth(`Bearer ${tok()}`));
      expect(r.echo!.headers).toMatchObject({ 'x-consumer-id': consumerId('alice'), 'x-credential-identifier': 'alice-key', 'x-consumer-custom-id': 'alice-cid' });
      expect(r.echo!.headers['x-anonymous-consumer']).toBeUndefined();
    });

    it('anonymous naming nobody: 500 and nothing proxied; a valid token still passes', async () => {
      const before = upstream.connections;
      const r = await call(gw.proxy, '/anon-missing');
      expect(r.status).toBe(500);
      expect(JSON.parse(r.body).message).toContain("anonymous consumer nobody is configured but doesn't exist");
      expect(upstream.connections).toBe(before);
      expect((await call(gw.proxy, '/anon-missing', auth(`Bearer ${tok()}`))).status).toBe(200);
    });

    it('run_on_preflight=false: OPTIONS passes with no identity, GET still needs a token', async () => {
      const r = await call(gw.proxy, '/preflight', { method: 'OPTIONS' });
      expect(r.status, r.body).toBe(200);
      expect(r.echo!.method).toBe('OPTIONS');
      expect(r.echo!.headers['x-consumer-id']).toBeUndefined();
      expect(r.echo!.headers['x-anonymous-consumer']).toBeUndefined();
      expect((await call(gw.proxy, '/preflight')).status).toBe(401);
      expect((await call(gw.proxy, '/default', { method: 'OPTIONS' })).status).toBe(401);
    });
  });
});

describe('plugin precedence: route beats service beats global (one instance, no merging)', () => {
  let gw: StandaloneGateway;
  beforeAll(async () => {
    const url = `http://127.0.0.1:${upstream.port}`;
    gw = await startStandalone({
      services: [
        { name: 'echo', url, routes: [{ name: 'global-only', paths: ['/global-only'] }] },
        {
          name: 'scoped',
          url,
          plugins: jwt({ key_claim_name: 'kid', realm: 'service' }),
          routes: [
            { name: 'svc-level', paths: ['/svc'] },
            { name: 'route-level', paths: ['/svc-route'], plugins: jwt({ realm: 'route' }) },
          ],
        },
      ],
      plugins: jwt({ realm: 'global' }),
      consumers: [{ username: 'alice', custom_id: 'alice-cid', jwt_secrets: [{ key: 'alice-key', secret: SECRET }] }],
    });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it.each<[string, string, string, number]>([
    ['global plugin on a route with none', '/global-only', 'Bearer realm="global"', 401],
    ['service plugin beats global', '/svc', 'Bearer realm="service"', 401],
    ['route plugin beats service', '/svc-route', 'Bearer realm="route"', 401],
  ])('%s', async (_n, p, header, status) => {
    const r = await call(gw.proxy, p);
    expect(r.status).toBe(status);
    expect(r.headers.get('www-authenticate')).toBe(header);
  });

  it('the service-level key_claim_name (kid) is not merged into the route-level config (iss)', async () => {
    const kidOnly = tok({ kidOnly: true });
    expect((await call(gw.proxy, '/svc', auth(`Bearer ${kidOnly}`))).status).toBe(200);
    const r = await call(gw.proxy, '/svc-route', auth(`Bearer ${kidOnly}`));
    expect([r.status, r.body]).toEqual([401, msg("No mandatory 'iss' in claims")]);
    expect((await call(gw.proxy, '/svc-route', auth(`Bearer ${tok()}`))).status).toBe(200);
  });
});

/** A last base64url character with the same 4 data bits as the signature's but a padding bit set. */
function nonCanonicalLast(sig: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  return alphabet[alphabet.indexOf(sig.at(-1)!) | 1]!;
}
