import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { eventually, startController, startKubeEnv, startNetnsUpstream, type KubeEnv, type NetnsUpstream } from '../support/controller-env.js';
import { CREDENTIAL_SECRET_LABELS, consumer, credential, endpointSlice, join, secret, service } from '../support/crs.js';
import { gatewayApiCrds } from '../support/gateway-api.js';
import { portOf } from '../support/standalone.js';
import { httpsRequest, makeCert } from '../support/tls.js';

/**
 * Gateway API in controller mode against the real API server with the upstream CRDs
 * (docs/gateway-api.md): a GatewayClass of ours, a Gateway with HTTP and HTTPS listeners, HTTPRoutes
 * to real upstreams (Services + EndpointSlices to network-namespace hosts), a JwtPolicy, a
 * ReferenceGrant, and the status the leader writes.
 */
let env: KubeEnv;
let gw: GatewayProcess;
let web: NetnsUpstream;
let api: NetnsUpstream;
let ns: string;
let other: string;
let className: string;
const GROUP = 'gateway.networking.k8s.io';
const cert = makeCert('secure.test');
// A key that does not belong to the certificate: only the snapshot build finds out.
const mismatched = { cert: makeCert('bad.test').cert, key: makeCert('other').key };
const HMAC = 'gateway-api-test-secret';

const doc = (o: unknown) => `${JSON.stringify(o)}\n`;
const httpRoute = (name: string, spec: Record<string, unknown>) => doc({ apiVersion: `${GROUP}/v1`, kind: 'HTTPRoute', metadata: { name, namespace: ns }, spec: { parentRefs: [{ name: 'gw' }], ...spec } });
const backend = (name: string, extra: Record<string, unknown> = {}) => ({ name, port: 80, ...extra });

async function getGw(plural: string, name: string, namespace: string | null = ns): Promise<any> {
  return namespace === null
    ? env.custom.getClusterCustomObject({ group: GROUP, version: 'v1', plural, name })
    : env.custom.getNamespacedCustomObject({ group: GROUP, version: 'v1', plural, namespace, name });
}
const cond = (conds: Array<{ type: string }> | undefined, type: string): any => conds?.find((c) => c.type === type);

/** GET through the plaintext listener with a Host header (fetch cannot set Host). */
function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const { host, ...rest } = { host: 'app.test', ...headers };
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: portOf(gw.proxy), path, headers: { host, ...rest }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let body: any = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON
        }
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
        resolve({ status: res.statusCode!, headers: h, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  env = await startKubeEnv();
  await env.apply(await gatewayApiCrds());
  [web, api] = await Promise.all([startNetnsUpstream('gwa-web'), startNetnsUpstream('gwa-api')]);
  ns = await env.namespace('gwapi');
  other = await env.namespace('gwother');
  className = `portcullis-${randomBytes(3).toString('hex')}`;
  await env.apply(
    join(
      service(ns, 'web'),
      endpointSlice(ns, 'web-1', 'web', [{ ip: web.host.ip }]),
      service(ns, 'api'),
      endpointSlice(ns, 'api-1', 'api', [{ ip: api.host.ip }]),
      service(other, 'remote'),
      endpointSlice(other, 'remote-1', 'remote', [{ ip: api.host.ip }]),
      // The Service in front of the pods: its cluster IP is what Gateways report.
      service(ns, 'portcullis'),
      ...[['secure-cert', cert] as const, ['bad-cert', mismatched] as const].map(([name, pair]) =>
        doc({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name, namespace: ns, labels: CREDENTIAL_SECRET_LABELS },
          type: 'kubernetes.io/tls',
          data: { 'tls.crt': Buffer.from(pair.cert).toString('base64'), 'tls.key': Buffer.from(pair.key).toString('base64') },
        }),
      ),
      consumer(ns, 'alice'),
      secret(ns, 'alice-key', { secret: HMAC }),
      credential(ns, 'alice-jwt', { consumer: 'alice', key: 'alice-iss', secretName: 'alice-key' }),
    ),
  );
  gw = await startController(env, { args: ['--lease-name', 'gwapi', '--gateway-api', '--publish-service', `${ns}/portcullis`] });
  await env.apply(
    join(
      doc({ apiVersion: `${GROUP}/v1`, kind: 'GatewayClass', metadata: { name: className }, spec: { controllerName: 'portcullis.dev/gateway-controller' } }),
      doc({
        apiVersion: `${GROUP}/v1`,
        kind: 'Gateway',
        metadata: { name: 'gw', namespace: ns },
        spec: {
          gatewayClassName: className,
          listeners: [
            { name: 'http', protocol: 'HTTP', port: 80, allowedRoutes: { namespaces: { from: 'All' } } },
            { name: 'https', protocol: 'HTTPS', port: 443, hostname: 'secure.test', tls: { mode: 'Terminate', certificateRefs: [{ name: 'secure-cert' }] } },
            { name: 'elsewhere', protocol: 'HTTP', port: 8080 },
            { name: 'badtls', protocol: 'HTTPS', port: 443, hostname: 'bad.test', tls: { certificateRefs: [{ name: 'bad-cert' }] } },
          ],
        },
      }),
      httpRoute('web', {
        parentRefs: [{ name: 'gw', sectionName: 'http' }],
        hostnames: ['app.test'],
        rules: [
          { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [backend('web')] },
          { matches: [{ path: { type: 'Exact', value: '/exact' } }], backendRefs: [backend('api')] },
          { matches: [{ path: { type: 'PathPrefix', value: '/v' }, headers: [{ name: 'x-version', value: '2' }] }], backendRefs: [backend('api')] },
          { matches: [{ path: { type: 'PathPrefix', value: '/v' }, queryParams: [{ name: 'beta', value: 'yes' }] }], backendRefs: [backend('api')] },
          { matches: [{ path: { type: 'PathPrefix', value: '/old' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301, path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' } } }] },
          {
            matches: [{ path: { type: 'PathPrefix', value: '/rw' } }],
            filters: [
              { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/inner' } } },
              { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-set', value: 'yes' }], remove: ['x-drop'] } },
              { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'x-resp', value: 'added' }] } },
            ],
            backendRefs: [backend('web')],
          },
          { matches: [{ path: { type: 'PathPrefix', value: '/split' } }], backendRefs: [backend('web', { weight: 1 }), backend('api', { weight: 1 })] },
        ],
      }),
      httpRoute('secure', {
        hostnames: ['app.test'],
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/secure' } }], backendRefs: [backend('api')] }],
      }),
      doc({
        apiVersion: 'portcullis.dev/v1alpha1',
        kind: 'JwtPolicy',
        metadata: { name: 'secure-jwt', namespace: ns },
        spec: { targetRefs: [{ group: GROUP, kind: 'HTTPRoute', name: 'secure' }], jwt: {} },
      }),
      httpRoute('tls-only', {
        parentRefs: [{ name: 'gw', sectionName: 'https' }],
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/tls' } }], backendRefs: [backend('api')] }],
      }),
      httpRoute('cross', {
        hostnames: ['app.test'],
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/cross' } }], backendRefs: [{ name: 'remote', namespace: other, port: 80 }] }],
      }),
    ),
  );
  try {
    await eventually(async () => (await get('/exact')).headers.get('x-upstream-name') === 'gwa-api', 20_000, 'the HTTPRoutes to serve');
  } catch (err) {
    const last = await get('/exact').catch((e: unknown) => ({ status: 0, body: String(e), headers: new Headers() }));
    throw new Error(`${(err as Error).message}: last answer ${last.status} ${JSON.stringify(last.body)}\n${gw.output().slice(-3000)}`);
  }
}, 180_000);

afterAll(async () => {
  await gw?.stop();
  await Promise.all([web?.stop(), api?.stop()]);
  await env?.stop();
});

describe('HTTPRoute matching and precedence (Gateway API, not Kong)', () => {
  it('Exact beats any prefix; a header or query match beats the same prefix without one; the rest falls to the longest prefix', async () => {
    expect((await get('/exact')).headers.get('x-upstream-name')).toBe('gwa-api');
    expect((await get('/exact/more')).headers.get('x-upstream-name')).toBe('gwa-web');
    expect((await get('/v/x', { 'x-version': '2' })).headers.get('x-upstream-name')).toBe('gwa-api');
    expect((await get('/v/x?beta=yes')).headers.get('x-upstream-name')).toBe('gwa-api');
    expect((await get('/v/x', { 'x-version': '1' })).headers.get('x-upstream-name')).toBe('gwa-web');
    // PathPrefix is element-wise: /vx is not under /v.
    expect((await get('/vx', { 'x-version': '2' })).headers.get('x-upstream-name')).toBe('gwa-web');
    // Another host: no HTTPRoute and no Route CR.
    expect((await get('/exact', { host: 'nowhere.test' })).status).toBe(404);
  });

  it('passes the client Host and the path unchanged', async () => {
    const r = await get('/plain/path?q=1');
    expect(r.body).toMatchObject({ name: 'gwa-web', url: '/plain/path?q=1' });
    expect(r.body.headers.host).toBe('app.test');
  });

  it('weights split requests between backends', async () => {
    const names = new Set<string>();
    for (let i = 0; i < 40 && names.size < 2; i++) names.add((await get('/split')).headers.get('x-upstream-name') ?? '');
    expect([...names].sort()).toEqual(['gwa-api', 'gwa-web']);
  });
});

describe('filters', () => {
  it('RequestRedirect: scheme, status code and ReplacePrefixMatch; the query is kept', async () => {
    const r = await get('/old/page?x=1');
    expect(r.status).toBe(301);
    expect(r.headers.get('location')).toBe('https://app.test/new/page?x=1');
  });

  it('URLRewrite ReplacePrefixMatch and both header modifiers', async () => {
    const r = await get('/rw/a/b', { 'x-drop': 'gone', 'x-set': 'client' });
    expect(r.status).toBe(200);
    expect(r.body.url).toBe('/inner/a/b');
    expect(r.body.headers['x-set']).toBe('yes');
    expect(r.body.headers['x-drop']).toBeUndefined();
    expect(r.headers.get('x-resp')).toBe('added');
  });
});

describe('JwtPolicy (policy attachment)', () => {
  it('requires a valid JWT on the targeted HTTPRoute only, and sends the consumer upstream', async () => {
    expect((await get('/secure')).status).toBe(401);
    const token = mintToken({ algorithm: 'HS256', key: 'alice-iss', secret: HMAC, expiresInSeconds: 600 });
    const ok = await get('/secure', { authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(ok.body.headers['x-consumer-username']).toBe('alice');
    const bad = mintToken({ algorithm: 'HS256', key: 'alice-iss', secret: 'wrong', expiresInSeconds: 600 });
    expect((await get('/secure', { authorization: `Bearer ${bad}` })).status).toBe(401);
    // Not targeted: public.
    expect((await get('/exact')).status).toBe(200);
  });

  it('a second policy on the same route is a PolicyConflict; the older one keeps applying', async () => {
    await env.apply(
      doc({
        apiVersion: 'portcullis.dev/v1alpha1',
        kind: 'JwtPolicy',
        metadata: { name: 'secure-jwt-2', namespace: ns },
        spec: { targetRefs: [{ group: GROUP, kind: 'HTTPRoute', name: 'secure' }], jwt: { anonymous: 'alice' } },
      }),
    );
    const obj = await eventually(async () => {
      const o = (await env.custom.getNamespacedCustomObject({ group: 'portcullis.dev', version: 'v1alpha1', plural: 'jwtpolicies', namespace: ns, name: 'secure-jwt-2' })) as any;
      return cond(o.status?.conditions, 'Programmed')?.status === 'False' ? o : undefined;
    }, 15_000, 'secure-jwt-2 Programmed=False');
    expect(cond(obj.status.conditions, 'Programmed')).toMatchObject({ reason: 'PolicyConflict', message: expect.stringContaining('spec.targetRefs[0]') });
    expect((await get('/secure')).status).toBe(401);
  });
});

describe('listeners', () => {
  it('the HTTPS listener serves its certificateRefs Secret for its hostname; its routes are not on the plaintext side', async () => {
    const r = await eventually(async () => {
      const res = await httpsRequest(portOf(gw.proxyTls), '/tls/x', { servername: 'secure.test' });
      return res.status === 200 ? res : undefined;
    }, 15_000, 'the TLS route');
    expect(r.cn).toBe('secure.test');
    expect(JSON.parse(r.body).name).toBe('gwa-api');
    expect((await get('/tls/x', { host: 'secure.test' })).status).toBe(404);
  });
});

describe('ReferenceGrant', () => {
  it('a cross-namespace backendRef is refused (RefNotPermitted, 500) until a ReferenceGrant allows it', async () => {
    const route = await eventually(async () => {
      const o = await getGw('httproutes', 'cross');
      return o.status?.parents?.length ? o : undefined;
    }, 15_000, 'cross status');
    expect(cond(route.status.parents[0].conditions, 'ResolvedRefs')).toMatchObject({ status: 'False', reason: 'RefNotPermitted' });
    expect((await get('/cross')).status).toBe(500);
    await env.apply(
      doc({
        apiVersion: `${GROUP}/v1`,
        kind: 'ReferenceGrant',
        metadata: { name: 'from-gwapi', namespace: other },
        spec: { from: [{ group: GROUP, kind: 'HTTPRoute', namespace: ns }], to: [{ group: '', kind: 'Service' }] },
      }),
    );
    await eventually(async () => (await get('/cross')).status === 200, 15_000, 'the granted backend');
    await eventually(async () => cond((await getGw('httproutes', 'cross')).status?.parents?.[0]?.conditions, 'ResolvedRefs')?.status === 'True', 15_000, 'ResolvedRefs=True');
  });
});

describe('status (leader)', () => {
  it('GatewayClass Accepted; Gateway addresses, conditions and per-listener status', async () => {
    const gc = await eventually(async () => {
      const o = await getGw('gatewayclasses', className, null);
      return cond(o.status?.conditions, 'Accepted')?.status === 'True' ? o : undefined;
    }, 15_000, 'GatewayClass Accepted');
    expect(cond(gc.status.conditions, 'Accepted').observedGeneration).toBe(gc.metadata.generation);

    const svc = await env.core.readNamespacedService({ namespace: ns, name: 'portcullis' });
    const g = await eventually(async () => {
      const o = await getGw('gateways', 'gw');
      return o.status?.listeners?.find((l: any) => l.name === 'http')?.attachedRoutes >= 3 ? o : undefined;
    }, 15_000, 'Gateway status');
    expect(g.status.addresses).toEqual([{ type: 'IPAddress', value: svc.spec!.clusterIP }]);
    expect(cond(g.status.conditions, 'Accepted')).toMatchObject({ status: 'True', reason: 'ListenersNotValid', observedGeneration: g.metadata.generation });
    expect(cond(g.status.conditions, 'Programmed')).toMatchObject({ status: 'True', reason: 'Programmed' });
    const byName = Object.fromEntries(g.status.listeners.map((l: any) => [l.name, l]));
    expect(byName.http.attachedRoutes).toBe(3); // web, secure, cross (tls-only is on https)
    expect(byName.https.attachedRoutes).toBe(1);
    expect(cond(byName.https.conditions, 'ResolvedRefs')).toMatchObject({ status: 'True' });
    expect(cond(byName.elsewhere.conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'PortUnavailable' });
    expect(cond(byName.elsewhere.conditions, 'Programmed')).toMatchObject({ status: 'False' });
    expect(byName.http.supportedKinds).toEqual([{ group: GROUP, kind: 'HTTPRoute' }]);
    // Found only when the snapshot is built (the key does not match): still on the listener, no PEM in it.
    const bad = await eventually(async () => {
      const l = (await getGw('gateways', 'gw')).status?.listeners?.find((x: any) => x.name === 'badtls');
      return cond(l?.conditions, 'ResolvedRefs')?.status === 'False' ? l : undefined;
    }, 15_000, 'badtls ResolvedRefs=False');
    expect(cond(bad.conditions, 'ResolvedRefs')).toMatchObject({ reason: 'InvalidCertificateRef', message: expect.stringContaining('does not match') });
    expect(cond(bad.conditions, 'Programmed')).toMatchObject({ status: 'False' });
    expect(JSON.stringify(bad)).not.toContain(mismatched.key.split('\n')[1]);
  });

  it('a settled status is not rewritten on every rebuild', async () => {
    const before = await Promise.all([getGw('gateways', 'gw'), getGw('httproutes', 'web'), getGw('gatewayclasses', className, null)]);
    // Rebuilds keep happening (an unrelated object changes), the status stays as written.
    await env.apply(service(ns, 'unrelated'));
    await new Promise((r) => setTimeout(r, 1500));
    const after = await Promise.all([getGw('gateways', 'gw'), getGw('httproutes', 'web'), getGw('gatewayclasses', className, null)]);
    expect(after.map((o) => o.metadata.resourceVersion)).toEqual(before.map((o) => o.metadata.resourceVersion));
  });

  it('each HTTPRoute parent: controllerName, Accepted and ResolvedRefs with observedGeneration', async () => {
    const r = await eventually(async () => {
      const o = await getGw('httproutes', 'web');
      return o.status?.parents?.length ? o : undefined;
    }, 15_000, 'web status');
    expect(r.status.parents).toHaveLength(1);
    const p = r.status.parents[0];
    expect(p.controllerName).toBe('portcullis.dev/gateway-controller');
    expect(p.parentRef).toMatchObject({ group: GROUP, kind: 'Gateway', name: 'gw', sectionName: 'http' });
    expect(cond(p.conditions, 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted', observedGeneration: r.metadata.generation });
    expect(cond(p.conditions, 'ResolvedRefs')).toMatchObject({ status: 'True', reason: 'ResolvedRefs' });
  });

  it('a route the listener does not accept: NotAllowedByListeners; an unsupported filter: UnsupportedValue and not served', async () => {
    await env.apply(
      join(
        httpRoute('wrong-section', { parentRefs: [{ name: 'gw', sectionName: 'elsewhere' }], rules: [{ backendRefs: [backend('web')] }] }),
        httpRoute('mirror', {
          hostnames: ['mirror.test'],
          rules: [{ filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'api', port: 80 } } }], backendRefs: [backend('web')] }],
        }),
      ),
    );
    const wrong = await eventually(async () => {
      const o = await getGw('httproutes', 'wrong-section');
      return o.status?.parents?.length ? o : undefined;
    }, 15_000, 'wrong-section status');
    expect(cond(wrong.status.parents[0].conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'NotAllowedByListeners' });
    const mirror = await eventually(async () => {
      const o = await getGw('httproutes', 'mirror');
      return o.status?.parents?.length ? o : undefined;
    }, 15_000, 'mirror status');
    expect(cond(mirror.status.parents[0].conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'UnsupportedValue' });
    expect((await get('/', { host: 'mirror.test' })).status).toBe(404);
  });
});

describe('only the leader writes Gateway API status', () => {
  it('a follower serves but does not write; it writes once it holds the Lease', async () => {
    const follower = await startController(env, { args: ['--lease-name', 'gwapi', '--gateway-api'], env: { POD_NAME: 'gwapi-follower' } });
    try {
      await eventually(async () => {
        const r = await new Promise<number>((resolve, reject) => {
          const req = http.request({ host: '127.0.0.1', port: portOf(follower.proxy), path: '/exact', headers: { host: 'app.test' }, agent: false }, (res) => {
            res.resume();
            resolve(res.statusCode!);
          });
          req.on('error', reject);
          req.end();
        });
        return r === 200;
      }, 15_000, 'the follower to serve');
      // Freeze the leader: the Lease stays held until it expires, and the follower must not write meanwhile.
      gw.child.kill('SIGSTOP');
      try {
        await env.apply(httpRoute('during-freeze', { hostnames: ['freeze.test'], rules: [{ backendRefs: [backend('web')] }] }));
        await new Promise((r) => setTimeout(r, 2_000));
        expect((await getGw('httproutes', 'during-freeze')).status?.parents ?? []).toEqual([]);
        // After the Lease expires (10 s), the follower leads and writes.
        const o = await eventually(async () => {
          const x = await getGw('httproutes', 'during-freeze');
          return x.status?.parents?.length ? x : undefined;
        }, 30_000, 'the new leader to write');
        expect(cond(o.status.parents[0].conditions, 'Accepted')).toMatchObject({ status: 'True' });
      } finally {
        gw.child.kill('SIGCONT');
      }
    } finally {
      await follower.stop();
    }
  }, 60_000);
});
