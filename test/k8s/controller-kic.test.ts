import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerId } from '../../src/model/ids.js';
import { mintToken } from '../../src/tokens/mint.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { eventsAbout, eventually, type KubeEnv } from '../support/controller-env.js';
import { consumer as ourConsumer, join } from '../support/crs.js';
import { GUIDE_JWT_PLUGIN, guideConsumer, guideCredential, guideIngress, inNamespace as inNs, startKicEnv, upstreamSaw, type KicEnv } from '../support/kic-env.js';
import type { RawResponse } from '../support/standalone.js';
import { collectionPath, kubeRest } from '../deploy/kube-rest.js';

/**
 * Kong Ingress Controller's own resources through `controller --kic-resources`
 * (docs/kong-ingress-controller.md), against the real API server with test CRDs of our own for
 * configuration.konghq.com (test/k8s/fixtures/kic-crds.yaml). The manifests are KIC's JWT guide as
 * its documentation writes them (no namespace: applied into the test's, as `kubectl apply -n`);
 * the answers are Kong's: status codes, messages and X-Consumer-* headers.
 */
let kic: KicEnv;
let env: KubeEnv;
let gw: GatewayProcess;
let ns: string;

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ADMIN_PRIVATE = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const ADMIN_PUBLIC = publicKey.export({ type: 'spki', format: 'pem' }).toString();

/** KIC's JWT guide: the plugin, the Ingress it protects, two consumers and their credential Secrets. */
const GUIDE = join(
  GUIDE_JWT_PLUGIN,
  guideIngress('lemon', 'app-jwt', 1027),
  guideConsumer('admin', ['admin-jwt', 'admin-acl']),
  guideConsumer('plain-user', ['plain-user-jwt', 'plain-user-acl'], 'plain-user-1'),
  guideCredential('admin-jwt', 'jwt', { key: 'admin-issuer', algorithm: 'RS256', secret: 'dummy', rsa_public_key: ADMIN_PUBLIC }),
  guideCredential('admin-acl', 'acl', { group: 'admin' }),
  guideCredential('plain-user-jwt', 'jwt', { key: 'user-issuer', algorithm: 'HS256', secret: 'plain-user-s3cret' }),
  guideCredential('plain-user-acl', 'acl', { group: 'app-user' }),
);

const inNamespace = (text: string) => inNs(text, ns);
const adminToken = () => mintToken({ algorithm: 'RS256', key: 'admin-issuer', privateKeyPem: ADMIN_PRIVATE, expiresInSeconds: 600 });
const userToken = (secret = 'plain-user-s3cret', key = 'user-issuer') => mintToken({ algorithm: 'HS256', key, secret, expiresInSeconds: 600 });

function get(pathAndQuery: string, token?: string): Promise<RawResponse> {
  return kic.send('GET', pathAndQuery, token ? { Authorization: `Bearer ${token}` } : {});
}
const seen = upstreamSaw;

beforeAll(async () => {
  kic = await startKicEnv({ name: 'kic', echoPort: 1027, manifests: [GUIDE] });
  ({ env, gw, ns } = kic);
  await eventually(async () => (await get('/lemon', adminToken())).status === 200, 15_000, 'the KIC guide route to serve the admin consumer');
}, 120_000);

afterAll(async () => {
  await kic?.stop();
});

describe("KIC's JWT guide", () => {
  it('no token: 401 Unauthorized, as Kong', async () => {
    const r = await get('/lemon');
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toEqual({ message: 'Unauthorized' });
  });

  it("the admin's RS256 token passes, with Kong's consumer headers; konghq.com/strip-path strips /lemon", async () => {
    const r = await get('/lemon/apples', adminToken());
    expect(r.status).toBe(200);
    const up = seen(r);
    expect(up.url).toBe('/apples');
    expect(up.headers['x-consumer-username']).toBe('admin');
    expect(up.headers['x-consumer-id']).toBe(consumerId('admin'));
    expect(up.headers['x-credential-identifier']).toBe('admin-issuer');
    expect(up.headers['x-consumer-custom-id']).toBeUndefined();
    expect(up.headers['x-anonymous-consumer']).toBeUndefined();
  });

  it("the plain user's HS256 token passes with its custom_id", async () => {
    const r = await get('/lemon', userToken());
    expect(r.status).toBe(200);
    expect(seen(r).headers).toMatchObject({ 'x-consumer-username': 'plain-user', 'x-consumer-custom-id': 'plain-user-1', 'x-credential-identifier': 'user-issuer' });
  });

  it("a wrong signature and an unknown key get Kong's messages", async () => {
    const bad = await get('/lemon', userToken('not-the-secret'));
    expect(bad.status).toBe(401);
    expect(JSON.parse(bad.body)).toEqual({ message: 'Invalid signature' });
    const unknown = await get('/lemon', userToken('plain-user-s3cret', 'nobody'));
    expect(unknown.status).toBe(401);
    expect(JSON.parse(unknown.body)).toEqual({ message: "No credentials found for given 'iss'" });
  });
});

describe("KIC's ACL credentials", () => {
  it('konghq.com/credential=acl Secrets are the consumers\' ACL groups (the status view shows them)', async () => {
    const view = (await (await fetch(`${gw.admin}/ui/status.json`)).json()) as { consumers: Array<{ username: string; groups?: string[] }> };
    const groups = Object.fromEntries(view.consumers.map((c) => [c.username, c.groups]));
    expect(groups).toEqual({ admin: ['admin'], 'plain-user': ['app-user'] });
  });
});

describe('KIC resources, live', () => {
  it('a KongConsumer without the class annotation is not read (KIC ignores it too)', async () => {
    await env.apply(
      inNamespace(`
apiVersion: configuration.konghq.com/v1
kind: KongConsumer
metadata:
  name: classless
username: classless
credentials: [classless-jwt]
---
apiVersion: v1
kind: Secret
metadata:
  name: classless-jwt
  labels: { konghq.com/credential: jwt }
stringData: { key: classless-issuer, secret: classless-s3cret }
`),
    );
    await new Promise((r) => setTimeout(r, 500));
    const r = await get('/lemon', userToken('classless-s3cret', 'classless-issuer'));
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toEqual({ message: "No credentials found for given 'iss'" });
  });

  it('a global KongClusterPlugin applies to every route; disabling the jwt KongPlugin makes the route public, as in Kong', async () => {
    await env.apply(`
apiVersion: configuration.konghq.com/v1
kind: KongClusterPlugin
metadata:
  name: ${ns}-request-id
  annotations:
    kubernetes.io/ingress.class: kong
  labels:
    global: "true"
plugin: correlation-id
config:
  header_name: Kong-Request-ID
  generator: uuid
  echo_downstream: true
`);
    await eventually(async () => (await get('/lemon', adminToken())).headers['kong-request-id'], 5_000, 'the global correlation-id plugin');
    await env.apply(inNamespace('apiVersion: configuration.konghq.com/v1\nkind: KongPlugin\nmetadata: { name: app-jwt }\nplugin: jwt\ndisabled: true\n'));
    await eventually(async () => (await get('/lemon')).status === 200, 5_000, 'the route to turn public');
    await env.apply(inNamespace('apiVersion: configuration.konghq.com/v1\nkind: KongPlugin\nmetadata: { name: app-jwt }\nplugin: jwt\ndisabled: false\n'));
    await eventually(async () => (await get('/lemon')).status === 401, 5_000, 'jwt back on');
  });

  it('an Ingress naming a KongPlugin that does not exist fails closed (500) and gets a PluginNotFound Event', async () => {
    await env.apply(
      inNamespace(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: typo
  annotations:
    konghq.com/plugins: app-jwt,app-jtw
spec:
  ingressClassName: kong
  rules:
  - http:
      paths:
      - { path: /typo, pathType: Prefix, backend: { service: { name: echo, port: { number: 1027 } } } }
`),
    );
    await eventually(async () => (await get('/typo', adminToken())).status === 500, 5_000, '/typo to fail closed');
    await eventually(async () => (await eventsAbout(env, ns, 'Ingress', 'typo')).find((e) => e.reason === 'PluginNotFound'), 10_000, 'the PluginNotFound Event');
  });

  it('a KIC KongConsumer named like a portcullis.dev KongConsumer is refused; ours keeps serving', async () => {
    await env.apply(join(ourConsumer(ns, 'plain-user', { username: 'ours' })));
    await eventually(async () => (await get('/lemon', userToken())).status === 401, 5_000, 'the clashing KIC consumer to be refused');
    await env.custom.deleteNamespacedCustomObject({ group: 'portcullis.dev', version: 'v1alpha1', plural: 'kongconsumers', namespace: ns, name: 'plain-user' });
    await eventually(async () => (await get('/lemon', userToken())).status === 200, 5_000, 'the KIC consumer back');
  });
});

describe('the KongConsumer name clash (docs/kong-ingress-controller.md#the-name-clash)', () => {
  const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
  const columns = async (apiVersion: string) =>
    ((await kubeRest(env.kc, 'GET', collectionPath(apiVersion, 'kongconsumers', ns), { headers: { Accept: TABLE } })).body.columnDefinitions as Array<{ name: string }>).map((c) => c.name);

  it('both kinds are served, each under its full resource name, with distinct short names and columns', async () => {
    const discovery = async (groupVersion: string) =>
      ((await kubeRest(env.kc, 'GET', `/apis/${groupVersion}`)).body.resources as Array<{ name: string; kind: string; shortNames?: string[]; categories?: string[] }>).find((r) => r.name === 'kongconsumers')!;
    const ours = await discovery('portcullis.dev/v1alpha1');
    const theirs = await discovery('configuration.konghq.com/v1');
    expect([ours.kind, theirs.kind]).toEqual(['KongConsumer', 'KongConsumer']);
    expect(ours.shortNames).toEqual(['kcon']);
    expect(theirs.shortNames).toEqual(['kc']);
    expect(ours.categories).toEqual(['portcullis']);
    expect(await columns('portcullis.dev/v1alpha1')).toEqual(['Name', 'Username', 'Custom ID', 'Programmed', 'Age']);
    expect(await columns('configuration.konghq.com/v1')).toEqual(['Name', 'Username', 'Age', 'Programmed']);
  });
});
