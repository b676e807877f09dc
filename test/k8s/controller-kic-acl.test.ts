import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import { eventually, type KubeEnv } from '../support/controller-env.js';
import { join } from '../support/crs.js';
import { GUIDE_JWT_PLUGIN, guideConsumer, guideCredential, guideIngress, inNamespace as inNs, startKicEnv, upstreamSaw, type KicEnv } from '../support/kic-env.js';
import type { RawResponse } from '../support/standalone.js';

/**
 * KIC's ACL guide ("Configuring ACL plugin", the JWT guide's sequel) through
 * `controller --kic-resources` (docs/kong-ingress-controller.md#the-acl-guide), against the real
 * API server with our test CRDs (test/k8s/fixtures/kic-crds.yaml). The manifests are written as
 * KIC's documentation writes them: a jwt KongPlugin, acl KongPlugins with allow lists (carrying the
 * class annotation, as the docs do), consumers whose credentials are jwt and acl Secrets, Ingresses
 * annotated `konghq.com/plugins: app-jwt,<who>-acl`, and the acl plugin on a Service. The answers
 * are Kong's: 401 without a token, 403 "You cannot consume this service", 200 with
 * X-Consumer-Groups at the upstream. Also a `cors` KongPlugin answering a browser preflight.
 */
let kic: KicEnv;
let env: KubeEnv;
let ns: string;

const ADMIN_SECRET = 'admin-s3cret-0123456789';
const USER_SECRET = 'plain-user-s3cret-0123456789';
const NOGROUPS_SECRET = 'nogroups-s3cret-0123456789';

const GUIDE = join(
  GUIDE_JWT_PLUGIN,
  `apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata:
  name: admin-acl
  annotations:
    kubernetes.io/ingress.class: kong
plugin: acl
config:
  allow:
  - admin
`,
  `apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata:
  name: plain-user-acl
  annotations:
    kubernetes.io/ingress.class: kong
plugin: acl
config:
  allow:
  - app-user
`,
  guideIngress('lemon', 'app-jwt,plain-user-acl', 1028),
  guideIngress('lime', 'app-jwt,admin-acl', 1028),
  guideConsumer('admin', ['admin-jwt', 'admin-acl']),
  guideConsumer('plain-user', ['plain-user-jwt', 'plain-user-acl']),
  guideCredential('admin-jwt', 'jwt', { key: 'admin-issuer', algorithm: 'HS256', secret: ADMIN_SECRET }),
  guideCredential('admin-acl', 'acl', { group: 'admin' }),
  guideCredential('plain-user-jwt', 'jwt', { key: 'user-issuer', algorithm: 'HS256', secret: USER_SECRET }),
  guideCredential('plain-user-acl', 'acl', { group: 'app-user' }),
);

/** KIC's current ACL page: the acl plugin on a Service (`kubectl annotate service … konghq.com/plugins=admin-acl`), jwt on the Ingress. */
const SERVICE_SCOPE = `
apiVersion: v1
kind: Service
metadata:
  name: admin-only
  annotations:
    konghq.com/plugins: admin-acl
spec:
  ports:
  - name: http
    port: 1028
    targetPort: 1028
    protocol: TCP
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: admin-only
  annotations:
    konghq.com/plugins: app-jwt
spec:
  ingressClassName: kong
  rules:
  - http:
      paths:
      - path: /admin-only
        pathType: Prefix
        backend:
          service:
            name: admin-only
            port:
              number: 1028
`;

/**
 * Around the guide: an anonymous consumer (jwt `anonymous`, Kong's acl answers 401 for it), a
 * consumer with no acl credential (403), a deny list with hide_groups_header, an acl config
 * Kong refuses (allow and deny both set) and Kong Enterprise's include_consumer_groups: both fail
 * their route closed.
 */
const EXTRAS = `
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata:
  name: app-jwt-anonymous
plugin: jwt
config:
  anonymous: guest
---
apiVersion: configuration.konghq.com/v1
kind: KongConsumer
metadata:
  name: guest
  annotations:
    kubernetes.io/ingress.class: kong
username: guest
---
apiVersion: configuration.konghq.com/v1
kind: KongConsumer
metadata:
  name: nogroups
  annotations:
    kubernetes.io/ingress.class: kong
username: nogroups
credentials:
- nogroups-jwt
---
apiVersion: v1
kind: Secret
metadata:
  name: nogroups-jwt
  labels:
    konghq.com/credential: jwt
stringData:
  key: nogroups-issuer
  secret: ${NOGROUPS_SECRET}
---
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata:
  name: no-plain-users
plugin: acl
config:
  deny:
  - app-user
  hide_groups_header: true
---
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata:
  name: both-acl
plugin: acl
config:
  allow:
  - admin
  deny:
  - app-user
---
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata:
  name: group-acl
plugin: acl
config:
  allow:
  - gold
  include_consumer_groups: true
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: gold
  annotations:
    konghq.com/plugins: app-jwt,group-acl
spec:
  ingressClassName: kong
  rules:
  - http:
      paths:
      - { path: /gold, pathType: Prefix, backend: { service: { name: echo, port: { number: 1028 } } } }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: guest
  annotations:
    konghq.com/plugins: app-jwt-anonymous,plain-user-acl
spec:
  ingressClassName: kong
  rules:
  - http:
      paths:
      - { path: /guest, pathType: Prefix, backend: { service: { name: echo, port: { number: 1028 } } } }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: kiwi
  annotations:
    konghq.com/plugins: app-jwt,no-plain-users
spec:
  ingressClassName: kong
  rules:
  - http:
      paths:
      - { path: /kiwi, pathType: Prefix, backend: { service: { name: echo, port: { number: 1028 } } } }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: both
  annotations:
    konghq.com/plugins: app-jwt,both-acl
spec:
  ingressClassName: kong
  rules:
  - http:
      paths:
      - { path: /both, pathType: Prefix, backend: { service: { name: echo, port: { number: 1028 } } } }
`;

/** KIC's CORS example: a cors KongPlugin next to jwt on one Ingress. */
const CORS = `
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata:
  name: app-cors
plugin: cors
config:
  origins:
  - https://app.example
  methods:
  - GET
  - POST
  headers:
  - Authorization
  credentials: true
  max_age: 3600
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: cors
  annotations:
    konghq.com/plugins: app-cors,app-jwt
spec:
  ingressClassName: kong
  rules:
  - http:
      paths:
      - path: /cors
        pathType: Prefix
        backend:
          service:
            name: echo
            port:
              number: 1028
`;

const inNamespace = (text: string) => inNs(text, ns);

const token = (who: 'admin' | 'plain-user') =>
  who === 'admin'
    ? mintToken({ algorithm: 'HS256', key: 'admin-issuer', secret: ADMIN_SECRET, expiresInSeconds: 600 })
    : mintToken({ algorithm: 'HS256', key: 'user-issuer', secret: USER_SECRET, expiresInSeconds: 600 });

const send = (method: string, pathAndQuery: string, headers: Record<string, string> = {}): Promise<RawResponse> => kic.send(method, pathAndQuery, headers);
const get = (p: string, who?: 'admin' | 'plain-user') => send('GET', p, who ? { Authorization: `Bearer ${token(who)}` } : {});
const upstreamHeaders = (r: RawResponse) => upstreamSaw(r).headers;

beforeAll(async () => {
  kic = await startKicEnv({ name: 'kicacl', echoPort: 1028, endpointsFor: ['admin-only'], manifests: [GUIDE, SERVICE_SCOPE, CORS, EXTRAS] });
  ({ env, ns } = kic);
  await eventually(async () => (await get('/lemon', 'plain-user')).status === 200, 15_000, 'the ACL guide route to serve the plain user');
}, 120_000);

afterAll(async () => {
  await kic?.stop();
});

describe("KIC's ACL guide", () => {
  it('no token: 401 Unauthorized from jwt, before acl', async () => {
    for (const p of ['/lemon', '/lime']) {
      const r = await get(p);
      expect(r.status).toBe(401);
      expect(JSON.parse(r.body)).toEqual({ message: 'Unauthorized' });
    }
  });

  it('/lemon (app-jwt,plain-user-acl): the plain user passes with X-Consumer-Groups, the admin gets 403', async () => {
    const ok = await get('/lemon/anything', 'plain-user');
    expect(ok.status).toBe(200);
    expect(upstreamHeaders(ok)).toMatchObject({ 'x-consumer-username': 'plain-user', 'x-consumer-groups': 'app-user', 'x-credential-identifier': 'user-issuer' });
    const refused = await get('/lemon', 'admin');
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toEqual({ message: 'You cannot consume this service', request_id: expect.any(String) });
  });

  it('/lime (app-jwt,admin-acl): the admin passes with X-Consumer-Groups: admin, the plain user gets 403', async () => {
    const ok = await get('/lime', 'admin');
    expect(ok.status).toBe(200);
    expect(upstreamHeaders(ok)).toMatchObject({ 'x-consumer-username': 'admin', 'x-consumer-groups': 'admin' });
    const refused = await get('/lime', 'plain-user');
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toEqual({ message: 'You cannot consume this service', request_id: expect.any(String) });
  });

  it('the acl KongPlugin on a Service (service scope) with jwt on the Ingress', async () => {
    expect((await get('/admin-only', 'admin')).status).toBe(200);
    const refused = await get('/admin-only', 'plain-user');
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toEqual({ message: 'You cannot consume this service', request_id: expect.any(String) });
    expect((await get('/admin-only')).status).toBe(401);
  });

  it("adding an acl credential to a consumer (the guide's kubectl patch) lets it in; removing it shuts it out", async () => {
    await env.apply(
      inNamespace(`
apiVersion: v1
kind: Secret
metadata:
  name: plain-user-admin-acl
  labels:
    konghq.com/credential: acl
stringData:
  group: admin
---
apiVersion: configuration.konghq.com/v1
kind: KongConsumer
metadata:
  name: plain-user
  annotations:
    kubernetes.io/ingress.class: kong
username: plain-user
credentials:
- plain-user-jwt
- plain-user-acl
- plain-user-admin-acl
`),
    );
    await eventually(async () => (await get('/lime', 'plain-user')).status === 200, 10_000, 'the plain user to be let into /lime');
    const both = await get('/lime', 'plain-user');
    expect(upstreamHeaders(both)['x-consumer-groups']?.split(', ').sort()).toEqual(['admin', 'app-user']);
    await env.apply(inNamespace(GUIDE.split('---').find((d) => d.includes('name: plain-user\n'))!));
    await eventually(async () => (await get('/lime', 'plain-user')).status === 403, 10_000, 'the plain user shut out of /lime again');
  });
});

describe('around the guide', () => {
  it("an anonymous consumer (jwt anonymous) is not authenticated: Kong's acl answers 401; a token still passes", async () => {
    const r = await get('/guest');
    expect(r.status).toBe(401);
    // acl's refusal (kong.response.error: with request_id), not jwt's (its own body, without one)
    expect(JSON.parse(r.body)).toEqual({ message: 'Unauthorized', request_id: expect.any(String) });
    expect((await get('/guest', 'plain-user')).status).toBe(200);
  });

  it('a consumer without an acl credential gets 403 from an allow list', async () => {
    const t = mintToken({ algorithm: 'HS256', key: 'nogroups-issuer', secret: NOGROUPS_SECRET, expiresInSeconds: 600 });
    const r = await send('GET', '/lemon', { Authorization: `Bearer ${t}` });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toMatchObject({ message: 'You cannot consume this service' });
  });

  it('a deny list with hide_groups_header: the admin passes without X-Consumer-Groups, the plain user gets 403', async () => {
    const ok = await get('/kiwi', 'admin');
    expect(ok.status).toBe(200);
    expect(upstreamHeaders(ok)['x-consumer-groups']).toBeUndefined();
    expect((await get('/kiwi', 'plain-user')).status).toBe(403);
  });

  it('an acl KongPlugin with both allow and deny (Kong refuses it) fails its route closed; the others serve', async () => {
    expect((await get('/both', 'admin')).status).toBe(500);
    expect((await get('/lime', 'admin')).status).toBe(200);
    const { data } = (await (await fetch(`${kic.gw.admin}/debug/diagnostics`)).json()) as { data: Array<{ reason: string; object: { kind: string; name: string }; field?: string; message: string }> };
    const d = data.find((x) => x.object.kind === 'KongPlugin' && x.object.name === 'both-acl');
    expect(d).toMatchObject({ reason: 'InvalidPluginConfig', field: 'config.allow', message: 'exactly one of allow or deny is required' });
  });

  it("Kong Enterprise's include_consumer_groups is not implemented: an unknown field, the route fails closed", async () => {
    expect((await get('/gold', 'admin')).status).toBe(500);
    const { data } = (await (await fetch(`${kic.gw.admin}/debug/diagnostics`)).json()) as { data: Array<{ reason: string; object: { kind: string; name: string }; field?: string }> };
    expect(data.find((x) => x.object.kind === 'KongPlugin' && x.object.name === 'group-acl')).toMatchObject({ reason: 'InvalidPluginConfig' });
  });
});

describe('a cors KongPlugin on an Ingress', () => {
  it("answers a browser preflight before jwt, with Kong's CORS headers", async () => {
    const r = await send('OPTIONS', '/cors', { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization' });
    expect(r.status).toBe(200);
    expect(r.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-methods': 'GET,POST',
      'access-control-allow-headers': 'Authorization',
      'access-control-allow-credentials': 'true',
      'access-control-max-age': '3600',
    });
  });

  it('the actual request still needs the token; both answers carry the CORS headers', async () => {
    const refused = await send('GET', '/cors', { Origin: 'https://app.example' });
    expect(refused.status).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBe('https://app.example');
    const ok = await send('GET', '/cors', { Origin: 'https://app.example', Authorization: `Bearer ${token('admin')}` });
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example');
  });
});
