import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { EchoClient, grpc, startGrpcEcho, unary, type EchoClientInstance, type GrpcEchoServer } from '../../support/grpc-echo.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { gatewayInMode, MODES, stopModeEnvironments, type Scenario } from '../../support/modes.js';
import { runCli, startStandalone, writeKongYml, type StandaloneGateway } from '../../support/standalone.js';

/**
 * The jwt-claims plugin end to end (docs/claims.md): authorization by audiences, issuers, scopes
 * and claim matchers (403 in Kong's style), claims sent upstream as headers, and every mapped
 * header removed from client requests on every route. The same scenario as kong.yml, under
 * `--workers 2`, and as Route CRs through the controller; then what only kong.yml or gRPC says.
 */
const SECRET = 'claims-secret-0123456789abcdef01';
const ISSUER = 'https://idp.example/realms/a';

/** A token for alice (credential key in iss, or in the kid header with `kid`). */
const tok = (claims: Record<string, unknown> = {}, opts: { kid?: boolean } = {}): string =>
  mintToken({
    algorithm: 'HS256',
    key: 'alice-key',
    secret: SECRET,
    ...(opts.kid && { keyClaimName: 'kid', keyClaimIn: 'header' as const }),
    expiresInSeconds: 600,
    claims,
  });

const msg = (m: string): string => JSON.stringify({ message: m });

let upstream: EchoUpstream;

beforeAll(async () => {
  upstream = await startEchoUpstream();
});

afterAll(async () => {
  await stopModeEnvironments();
  await upstream?.close();
});

const HEADERS = [
  { claim: 'sub', header: 'X-User-Id' },
  { claim: 'realm_access.roles', header: 'X-User-Roles' },
  { claim: 'realm_access.roles', header: 'X-User-Roles-Json', arrays: 'json' },
  { claim: 'groups', header: 'X-User-Groups', separator: ' ' },
  { claim: 'address', header: 'X-User-Address' },
  { claim: 'age', header: 'X-User-Age' },
  { claim: 'email_verified', header: 'X-Email-Verified' },
  { claim: 'name', header: 'X-User-Name' },
  { claim: 'note', header: 'X-User-Note' },
  { claim: 'https://example\\.com/tenant', header: 'X-Tenant' },
  { claim: 'nothing', header: 'X-Nothing' },
];

const scenario = (): Scenario => {
  const url = `http://127.0.0.1:${upstream.port}`;
  const r = (name: string, jwt?: Scenario['routes'][number]['jwt'], jwt_claims?: Record<string, unknown>) => ({
    name,
    paths: [`/${name}`],
    url,
    ...(jwt && { jwt }),
    ...(jwt_claims && { jwt_claims }),
  });
  return {
    routes: [
      r('aud', {}, { audiences: ['api://orders', 'api://billing'] }),
      r('iss', { key_claim_name: 'kid' }, { issuers: [ISSUER] }),
      r('scopes', {}, { scopes: ['orders:read', 'orders:write'] }),
      r('match', {}, {
        claims: [
          { path: 'realm_access.roles', contains: 'admin' },
          { path: 'tenant', one_of: ['acme', 'globex'] },
          { path: 'email_verified', equals: 'true' },
          { path: 'https://example\\.com/groups', contains_any: ['ops', 'dev'] },
        ],
      }),
      r('headers', {}, { headers: HEADERS }),
      r('anon', { anonymous: 'guest' }, { audiences: ['api://orders'], headers: [{ claim: 'sub', header: 'X-User-Id' }] }),
      r('anon-open', { anonymous: 'guest' }, { headers: [{ claim: 'sub', header: 'X-User-Id' }] }),
      r('preflight', { run_on_preflight: false }, { audiences: ['api://orders'] }),
      r('plain', {}),
      r('public'),
    ],
    consumers: [
      { username: 'alice', credentials: [{ key: 'alice-key', secret: SECRET }] },
      { username: 'guest' },
    ],
  };
};

interface Answer {
  status: number;
  body: string;
  contentType: string | null;
  /** The upstream's view of the request headers (200 answers only). */
  seen: Record<string, string | undefined>;
}

async function call(base: string, p: string, init: { token?: string; headers?: Record<string, string>; method?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  const res = await fetch(`${base}${p}`, { method: init.method ?? 'GET', headers });
  const body = await res.text();
  const seen = res.status === 200 ? ((JSON.parse(body) as { headers: Record<string, string> }).headers ?? {}) : {};
  return { status: res.status, body, contentType: res.headers.get('content-type'), seen };
}

/** Header values arrive as bytes; node reads them as latin1. */
const utf8 = (v: string | undefined): string | undefined => (v === undefined ? undefined : Buffer.from(v, 'latin1').toString('utf8'));

describe.each(MODES)('%s', (mode) => {
  const gw = gatewayInMode(mode, scenario);

  describe('authorization by claim', () => {
    it.each<[string, string, string | undefined, number, string?]>([
      ['aud string listed', '/aud', tok({ aud: 'api://orders' }), 200],
      ['aud array holding a listed one', '/aud', tok({ aud: ['x', 'api://billing'] }), 200],
      ['aud not listed', '/aud', tok({ aud: 'api://other' }), 403, msg('Token audience is not allowed')],
      ['aud missing', '/aud', tok(), 403, msg('Token audience is not allowed')],
      ['no token: jwt answers first', '/aud', undefined, 401, msg('Unauthorized')],
      ['iss listed', '/iss', tok({ iss: ISSUER }, { kid: true }), 200],
      ['iss not listed', '/iss', tok({ iss: `${ISSUER}/` }, { kid: true }), 403, msg('Token issuer is not allowed')],
      ['all scopes in scope', '/scopes', tok({ scope: 'openid orders:write orders:read' }), 200],
      ['all scopes in scp', '/scopes', tok({ scp: ['orders:read', 'orders:write'] }), 200],
      ['one scope missing', '/scopes', tok({ scope: 'orders:read orders:writer' }), 403, msg('Token lacks a required scope')],
      [
        'every matcher holds',
        '/match',
        tok({ realm_access: { roles: ['user', 'admin'] }, tenant: 'globex', email_verified: true, 'https://example.com/groups': ['dev'] }),
        200,
      ],
      [
        'one matcher fails',
        '/match',
        tok({ realm_access: { roles: ['user'] }, tenant: 'globex', email_verified: true, 'https://example.com/groups': ['dev'] }),
        403,
        msg("Token claim 'realm_access.roles' does not match"),
      ],
      [
        'a boolean never equals its string spelling in another type',
        '/match',
        tok({ realm_access: { roles: ['admin'] }, tenant: 'acme', email_verified: 'yes', 'https://example.com/groups': 'ops' }),
        403,
        msg("Token claim 'email_verified' does not match"),
      ],
      ['anonymous never satisfies a requirement', '/anon', undefined, 403, msg('You cannot consume this service')],
      ['a bad token on an anonymous route is anonymous too', '/anon', tok({ aud: 'api://orders' }).slice(0, -2), 403, msg('You cannot consume this service')],
      ['a verified token on the anonymous route', '/anon', tok({ aud: 'api://orders' }), 200],
    ])('%s', async (_n, p, token, status, body) => {
      const res = await call(gw.proxy, p, token === undefined ? {} : { token });
      expect(res.status).toBe(status);
      if (body !== undefined) {
        expect(res.body).toBe(body);
        expect(res.contentType).toBe('application/json; charset=utf-8');
      }
    });

    it('a 403 never echoes token content', async () => {
      const res = await call(gw.proxy, '/aud', { token: tok({ aud: 'secret-audience-value' }) });
      expect(res.status).toBe(403);
      expect(res.body).not.toContain('secret-audience-value');
    });

    it('a preflight the jwt plugin skips skips jwt-claims too', async () => {
      const res = await call(gw.proxy, '/preflight', { method: 'OPTIONS' });
      expect(res.status).toBe(200);
    });

    it('failures are counted by reason', async () => {
      await call(gw.proxy, '/scopes', { token: tok() });
      const metrics = await (await fetch(`${gw.status}/metrics`)).text();
      expect(metrics).toMatch(/portcullis_auth_failures_total\{[^}]*reason="claims_scope"[^}]*\} [1-9]/);
      expect(metrics).toMatch(/portcullis_auth_failures_total\{[^}]*reason="claims_audience"[^}]*\} [1-9]/);
    });
  });

  describe('claims to upstream headers', () => {
    it('sends each mapped claim, and only the gateway\'s value of a mapped header', async () => {
      const token = tok({
        sub: 'alice-sub',
        realm_access: { roles: ['admin', 'user'] },
        groups: ['a', 'b'],
        address: { street: 'Main St', n: 1 },
        age: 42,
        email_verified: false,
        name: 'José 用户',
        note: 'line1\r\nX-Admin: true',
        'https://example.com/tenant': 'acme',
      });
      const res = await call(gw.proxy, '/headers', { token, headers: { 'X-User-Id': 'mallory', 'x-nothing': 'forged', 'X-USER-ROLES': 'root' } });
      expect(res.status).toBe(200);
      expect(res.seen['x-user-id']).toBe('alice-sub');
      expect(res.seen['x-user-roles']).toBe('admin, user');
      expect(res.seen['x-user-roles-json']).toBe('["admin","user"]');
      expect(res.seen['x-user-groups']).toBe('a b');
      expect(res.seen['x-user-address']).toBe('{"street":"Main St","n":1}');
      expect(res.seen['x-user-age']).toBe('42');
      expect(res.seen['x-email-verified']).toBe('false');
      expect(utf8(res.seen['x-user-name'])).toBe('José 用户');
      expect(res.seen['x-tenant']).toBe('acme');
      // A value no header can carry, and a missing claim: no header at all (not the client's).
      expect(res.seen).not.toHaveProperty('x-user-note');
      expect(res.seen).not.toHaveProperty('x-admin');
      expect(res.seen).not.toHaveProperty('x-nothing');
      expect(res.seen['x-consumer-username']).toBe('alice');
    });

    it('mapped names are removed from client requests on every route, also public and jwt-only ones', async () => {
      const spoof = { 'X-User-Id': 'mallory', 'x-tenant': 'evil', 'X_User_Id': 'mallory' };
      const pub = await call(gw.proxy, '/public', { headers: spoof });
      expect(pub.status).toBe(200);
      expect(pub.seen).not.toHaveProperty('x-user-id');
      expect(pub.seen).not.toHaveProperty('x-tenant');
      expect(pub.seen).not.toHaveProperty('x_user_id');
      const plain = await call(gw.proxy, '/plain', { token: tok({ sub: 'alice-sub' }), headers: spoof });
      expect(plain.status).toBe(200);
      expect(plain.seen).not.toHaveProperty('x-user-id');
      expect(plain.seen['x-consumer-username']).toBe('alice');
    });

    it('an anonymous request on a route without requirements passes without claim headers', async () => {
      const res = await call(gw.proxy, '/anon-open', { headers: { 'x-user-id': 'mallory' } });
      expect(res.status).toBe(200);
      expect(res.seen['x-anonymous-consumer']).toBe('true');
      expect(res.seen).not.toHaveProperty('x-user-id');
      const authed = await call(gw.proxy, '/anon-open', { token: tok({ sub: 'alice-sub' }) });
      expect(authed.seen['x-user-id']).toBe('alice-sub');
    });

    it('a cached token keeps its claims (many requests, same answer)', async () => {
      const token = tok({ sub: 'cached-sub', aud: 'api://orders' });
      for (let i = 0; i < 5; i++) {
        const res = await call(gw.proxy, '/anon', { token });
        expect(res.status).toBe(200);
        expect(res.seen['x-user-id']).toBe('cached-sub');
      }
    });
  });
});

describe('kong.yml only', () => {
  let gw: StandaloneGateway;
  let grpcUp: GrpcEchoServer;
  let client: EchoClientInstance;

  beforeAll(async () => {
    grpcUp = await startGrpcEcho();
    gw = await startStandalone(
      {
        plugins: [{ name: 'jwt-claims', config: { audiences: ['global'] } }],
        services: [
          {
            name: 'svc',
            url: `http://127.0.0.1:${upstream.port}`,
            plugins: [{ name: 'jwt' }],
            routes: [
              { name: 'by-global', paths: ['/g'] },
              { name: 'by-route', paths: ['/r'], plugins: [{ name: 'jwt-claims', config: { audiences: ['route'] } }] },
              { name: 'bad', paths: ['/bad'], plugins: [{ name: 'jwt-claims', config: { claims: [{ path: 'x' }] } }] },
            ],
          },
          { name: 'nojwt', url: `http://127.0.0.1:${upstream.port}`, routes: [{ name: 'alone', paths: ['/alone'] }] },
          {
            name: 'grpc',
            url: `grpc://127.0.0.1:${grpcUp.port}`,
            plugins: [{ name: 'jwt' }, { name: 'jwt-claims', config: { scopes: ['echo'], headers: [{ claim: 'sub', header: 'X-User-Id' }] } }],
            routes: [{ name: 'grpc', paths: ['/test.Echo/'], strip_path: false }],
          },
        ],
        consumers: [{ username: 'alice', jwt_secrets: [{ key: 'alice-key', secret: SECRET }] }],
      },
      { args: ['--proxy-h2c', 'on'] },
    );
    client = new EchoClient(gw.proxy.replace(/^http:\/\//, ''), grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    await gw?.close();
    await grpcUp?.close();
  });

  it('route > service > global: the narrowest instance alone applies', async () => {
    expect((await call(gw.proxy, '/g', { token: tok({ aud: 'global' }) })).status).toBe(200);
    expect((await call(gw.proxy, '/g', { token: tok({ aud: 'route' }) })).status).toBe(403);
    expect((await call(gw.proxy, '/r', { token: tok({ aud: 'route' }) })).status).toBe(200);
    expect((await call(gw.proxy, '/r', { token: tok({ aud: 'global' }) })).status).toBe(403);
  });

  it('an invalid config and a jwt-claims plugin without jwt fail their routes closed (500); the others serve', async () => {
    for (const p of ['/bad', '/alone']) {
      const res = await call(gw.proxy, p, { token: tok({ aud: 'global' }) });
      expect(res.status).toBe(500);
      expect(JSON.parse(res.body)).toMatchObject({ message: 'An unexpected error occurred' });
    }
  });

  it('gRPC: PERMISSION_DENIED (403 → 7) with the message; the claim header reaches the server', async () => {
    const md = (token: string) => {
      const m = new grpc.Metadata();
      m.set('authorization', `Bearer ${token}`);
      return m;
    };
    const denied = await unary(client, 'Unary', { text: 'x' }, md(tok({ scope: 'other' })));
    expect(denied.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(denied.error?.details).toBe('Token lacks a required scope');
    const ok = await unary(client, 'Unary', { text: 'hi' }, md(tok({ scope: 'echo', sub: 'alice-sub' })));
    expect(ok.error).toBeUndefined();
    expect(ok.value?.seen?.['x-user-id']).toBe('alice-sub');
    expect(ok.value?.seen?.['x-consumer-username']).toBe('alice');
  });

  it('portcullis validate names the object and field of each bad config', async () => {
    const { dir, configPath } = await writeKongYml({
      services: [
        {
          name: 's',
          url: 'http://127.0.0.1:9',
          routes: [
            { name: 'alone', paths: ['/a'], plugins: [{ name: 'jwt-claims', config: { issuers: ['x'] } }] },
            {
              name: 'bad',
              paths: ['/b'],
              plugins: [
                { name: 'jwt' },
                { name: 'jwt-claims', config: { scopes: ['a b'], headers: [{ claim: 'sub', header: 'X-Consumer-ID' }], claims: [{ path: 'a..b', equals: 'x' }] } },
              ],
            },
          ],
        },
      ],
    });
    const out = await runCli(['validate', configPath]);
    expect(out.code).toBe(1);
    const file = path.join(dir, 'kong.yml');
    expect(out.stdout).toContain(`error: ${file}: services[0].routes[0] (routes 'alone'): plugins: the jwt-claims plugin services[0].routes[0].plugins[0] applies to this route but no jwt plugin does`);
    expect(out.stdout).toContain(`error: ${file}: services[0].routes[1].plugins[1] (plugins 'jwt-claims'): config.scopes[0]: must be one scope (no spaces)`);
    expect(out.stdout).toContain(`error: ${file}: services[0].routes[1].plugins[1] (plugins 'jwt-claims'): config.claims[0].path: must be member names separated by "."`);
    expect(out.stdout).toContain(`error: ${file}: services[0].routes[1].plugins[1] (plugins 'jwt-claims'): config.headers[0].header: 'x-consumer-id' is set or removed by the gateway itself`);
  });

  it('portcullis validate checks Route manifests with the same rules', async () => {
    const { dir } = await writeKongYml({});
    const manifest = path.join(dir, 'routes.yaml');
    const routeDoc = (name: string, plugins: unknown) =>
      YAML.stringify({ apiVersion: 'portcullis.dev/v1alpha1', kind: 'Route', metadata: { name, namespace: 'demo' }, spec: { paths: ['/x'], backend: { url: 'http://x' }, plugins } });
    await writeFile(
      manifest,
      [
        routeDoc('alone', { jwtClaims: { issuers: ['x'] } }),
        routeDoc('bad', { jwt: {}, jwtClaims: { claims: [{ path: 'a', equals: 'x', oneOf: ['y'] }], headers: [{ claim: 'sub', header: 'Host' }] } }),
        routeDoc('good', { jwt: {}, jwtClaims: { audiences: ['x'], headers: [{ claim: 'sub', header: 'X-Sub' }] } }),
      ].join('---\n'),
    );
    const out = await runCli(['validate', manifest]);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain("(Route 'alone'): spec.plugins.jwtClaims: requires plugins.jwt");
    expect(out.stdout).toContain("(Route 'bad'): spec.plugins.jwtClaims.claims.0: exactly one of equals, oneOf, contains, containsAny is required");
    expect(out.stdout).toContain("(Route 'bad'): spec.plugins.jwtClaims.headers.0.header: 'host' is set or removed by the gateway itself");
    expect(out.stdout).toContain('3 error(s) (checked: 3 Route)');
  });
});
