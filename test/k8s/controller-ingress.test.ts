import { NetworkingV1Api, PatchStrategy, setHeaderOptions, type V1Ingress } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { eventsAbout, eventually, startController, startKubeEnv, startNetnsUpstream, type KubeEnv, type NetnsUpstream } from '../support/controller-env.js';
import { CREDENTIAL_SECRET_LABELS, consumer, credential, endpointSlice, join, secret, service } from '../support/crs.js';
import { portOf, rawRequest } from '../support/standalone.js';
import { handshake, httpsRequest, makeCert } from '../support/tls.js';

/**
 * networking.k8s.io/v1 Ingress in controller mode against the real API server (docs/ingress.md):
 * traffic through the real gateway process to Service endpoints in network namespaces, JWT from
 * the portcullis.dev/jwt annotation, class filtering, TLS from a Secret (a real handshake by SNI),
 * status.loadBalancer from the published Service, and diagnostics as Events.
 */
let env: KubeEnv;
let gw: GatewayProcess;
let a: NetnsUpstream;
let b: NetnsUpstream;
let networking: NetworkingV1Api;
let ns: string;
let proxyPort: number;
const KEY = 'ingress-key';
const SECRET = 'ingress-s3cret';
const tlsPair = makeCert('ingress-tls');

const doc = (o: unknown) => stringify(o);
const backend = (name: string) => ({ service: { name, port: { name: 'http' } } });
const prefix = (path: string, svc: string) => ({ path, pathType: 'Prefix', backend: backend(svc) });
function ingress(name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): string {
  return doc({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: ns, ...(annotations && { annotations }) },
    spec,
  });
}
const ingressClass = (name: string, controller: string) =>
  doc({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name }, spec: { controller } });

/** Which upstream answered (x-upstream-name), or the status code. */
async function reach(host: string, path: string, headers: Record<string, string> = {}): Promise<string> {
  const extra = Object.entries(headers).map(([k, v]) => `\n${k}: ${v}`).join('');
  const res = await rawRequest(proxyPort, `GET ${path} HTTP/1.1\nHost: ${host}${extra}`);
  return res.headers['x-upstream-name'] ?? String(res.status);
}
const bearer = () => ({ authorization: `Bearer ${mintToken({ algorithm: 'HS256', key: KEY, secret: SECRET, expiresInSeconds: 600 })}` });
const getIngress = (name: string): Promise<V1Ingress> => networking.readNamespacedIngress({ name, namespace: ns });

beforeAll(async () => {
  [env, a, b] = await Promise.all([startKubeEnv(), startNetnsUpstream('ing-a'), startNetnsUpstream('ing-b')]);
  networking = env.kc.makeApiClient(NetworkingV1Api);
  ns = await env.namespace('ingress');
  await env.apply(join(ingressClass('portcullis', 'portcullis.dev/ingress-controller'), ingressClass('nginx', 'k8s.io/ingress-nginx')));
  await env.apply(
    join(
      service(ns, 'svc-a'),
      endpointSlice(ns, 'svc-a-1', 'svc-a', [{ ip: a.host.ip }]),
      service(ns, 'svc-b'),
      endpointSlice(ns, 'svc-b-1', 'svc-b', [{ ip: b.host.ip }]),
      // The gateway's own Service, published into the status (its cluster IP).
      service(ns, 'gateway'),
      consumer(ns, 'alice'),
      secret(ns, 'alice-jwt', { secret: SECRET }),
      credential(ns, 'alice-hs', { consumer: 'alice', key: KEY, secretName: 'alice-jwt' }),
      doc({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'tls', namespace: ns, labels: CREDENTIAL_SECRET_LABELS },
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': Buffer.from(tlsPair.cert).toString('base64'), 'tls.key': Buffer.from(tlsPair.key).toString('base64') },
      }),
      ingress('paths', {
        ingressClassName: 'portcullis',
        rules: [{ host: 'shop.test', http: { paths: [prefix('/p', 'svc-a'), { path: '/p', pathType: 'Exact', backend: backend('svc-b') }, prefix('/p/deep', 'svc-b')] } }],
      }),
      ingress('secure', { ingressClassName: 'portcullis', rules: [{ host: 'shop.test', http: { paths: [prefix('/secure', 'svc-a')] } }] }, { 'portcullis.dev/jwt': 'claimsToVerify: [exp]' }),
      ingress('broken', { ingressClassName: 'portcullis', rules: [{ host: 'shop.test', http: { paths: [prefix('/broken', 'svc-a')] } }] }, { 'portcullis.dev/jwt': '{"claimsToVerify": ["iat"]}' }),
      ingress('theirs', { ingressClassName: 'nginx', rules: [{ host: 'shop.test', http: { paths: [prefix('/theirs', 'svc-a')] } }] }),
      ingress('named', { ingressClassName: 'extra', rules: [{ host: 'shop.test', http: { paths: [prefix('/named', 'svc-b')] } }] }),
      ingress('tls', {
        ingressClassName: 'portcullis',
        tls: [{ hosts: ['secure.test'], secretName: 'tls' }],
        rules: [{ host: 'secure.test', http: { paths: [prefix('/', 'svc-b')] } }],
      }),
    ),
  );
  gw = await startController(env, {
    namespace: ns,
    args: ['--lease-name', 'ingress', '--ingress', '--ingress-class', 'extra', '--publish-service', `${ns}/gateway`],
  });
  proxyPort = portOf(gw.proxy);
  await eventually(async () => (await reach('shop.test', '/p/x')) === 'ing-a', 15_000, 'the Ingress paths to serve');
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await Promise.allSettled([a?.stop(), b?.stop()]);
  await env?.stop();
});

describe('Ingress rules', () => {
  it('Exact before Prefix, the longest path first, Prefix element-wise', async () => {
    expect(await reach('shop.test', '/p')).toBe('ing-b');
    expect(await reach('shop.test', '/p/')).toBe('ing-a');
    expect(await reach('shop.test', '/p/x')).toBe('ing-a');
    expect(await reach('shop.test', '/p/deep/er')).toBe('ing-b');
    expect(await reach('shop.test', '/px')).toBe('404');
    expect(await reach('other.test', '/p')).toBe('404');
  });

  it('class filtering: our IngressClass and --ingress-class names are served, another controller\'s class is not', async () => {
    expect(await reach('shop.test', '/named')).toBe('ing-b');
    expect(await reach('shop.test', '/theirs')).toBe('404');
  });

  it('a class changed to ours is served within a second; changed away, it stops', async () => {
    const flip = (cls: string) => ingress('flip', { ingressClassName: cls, rules: [{ host: 'shop.test', http: { paths: [prefix('/flip', 'svc-a')] } }] });
    await env.apply(flip('nginx'));
    await new Promise((r) => setTimeout(r, 300));
    expect(await reach('shop.test', '/flip')).toBe('404');
    await env.apply(flip('portcullis'));
    await eventually(async () => (await reach('shop.test', '/flip')) === 'ing-a', 2_000, '/flip served');
    await env.apply(flip('nginx'));
    await eventually(async () => (await reach('shop.test', '/flip')) === '404', 2_000, '/flip dropped');
  });
});

describe('the default IngressClass', () => {
  it('an Ingress without a class is served once our IngressClass is the default', async () => {
    await env.apply(
      doc({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'IngressClass',
        metadata: { name: 'portcullis', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
        spec: { controller: 'portcullis.dev/ingress-controller' },
      }),
    );
    await env.apply(ingress('classless', { rules: [{ host: 'shop.test', http: { paths: [prefix('/classless', 'svc-b')] } }] }));
    await eventually(async () => (await reach('shop.test', '/classless')) === 'ing-b', 5_000, '/classless served');
  });
});

describe('JWT from the portcullis.dev/jwt annotation', () => {
  it('enforced: 401 without a token, proxied with one; the upstream sees the consumer', async () => {
    expect(await reach('shop.test', '/secure/x')).toBe('401');
    const res = await rawRequest(proxyPort, `GET /secure/x HTTP/1.1\nHost: shop.test\nAuthorization: ${bearer().authorization}`);
    expect(res.status).toBe(200);
    const seen = JSON.parse(res.body) as { headers: Record<string, string>; url: string };
    expect(seen.headers['x-consumer-username']).toBe('alice');
    expect(seen.headers['host']).toBe('shop.test');
    expect(seen.url).toBe('/secure/x');
  });

  it('an invalid annotation fails closed (500, even with a token) and is a Warning Event on the Ingress', async () => {
    expect(await reach('shop.test', '/broken')).toBe('500');
    expect(await reach('shop.test', '/broken', bearer())).toBe('500');
    const events = await eventually(async () => {
      const list = await eventsAbout(env, ns, 'Ingress', 'broken');
      return list.some((e) => e.reason === 'InvalidPluginConfig') ? list : undefined;
    }, 10_000, 'an InvalidPluginConfig Event');
    const e = events.find((x) => x.reason === 'InvalidPluginConfig')!;
    expect(e.type).toBe('Warning');
    expect(e.regarding).toMatchObject({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'broken' });
    expect(e.note).toContain('metadata.annotations[portcullis.dev/jwt]: claimsToVerify.0');
  });
});

describe('TLS from a kubernetes.io/tls Secret', () => {
  it('served by SNI on the TLS listener, proxied over it', async () => {
    const tlsPort = portOf(gw.proxyTls);
    await eventually(async () => (await handshake(tlsPort, 'secure.test')).cn === 'ingress-tls', 10_000, 'the Ingress certificate');
    expect((await handshake(tlsPort, 'unknown.test')).cn).toBe('localhost');
    const res = await httpsRequest(tlsPort, '/hello', { servername: 'secure.test' });
    expect(res.status).toBe(200);
    expect(res.cn).toBe('ingress-tls');
    expect(res.headers['x-upstream-name']).toBe('ing-b');
  });
});

describe('status and diagnostics', () => {
  it('status.loadBalancer: the published Service\'s address on served Ingresses only, following the Service', async () => {
    const clusterIP = (await env.core.readNamespacedService({ name: 'gateway', namespace: ns })).spec!.clusterIP!;
    for (const name of ['paths', 'secure', 'named', 'tls']) {
      await eventually(async () => (await getIngress(name)).status?.loadBalancer?.ingress?.[0]?.ip === clusterIP, 10_000, `${name} status`);
    }
    expect((await getIngress('theirs')).status?.loadBalancer?.ingress ?? []).toEqual([]);
    await env.core.patchNamespacedService(
      { name: 'gateway', namespace: ns, body: [{ op: 'add', path: '/spec/externalIPs', value: ['192.0.2.44'] }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    await eventually(async () => {
      const list = (await getIngress('paths')).status?.loadBalancer?.ingress ?? [];
      return list.length === 1 && list[0]!.ip === '192.0.2.44';
    }, 10_000, 'status following the Service');
  });

  it('a missing TLS Secret and a backend Service that does not exist: Events naming the fields, the rest keeps serving', async () => {
    await env.apply(
      ingress('faulty', {
        ingressClassName: 'portcullis',
        tls: [{ hosts: ['faulty.test'], secretName: 'nope' }],
        rules: [{ host: 'faulty.test', http: { paths: [prefix('/', 'missing-svc')] } }],
      }),
    );
    const events = await eventually(async () => {
      const list = await eventsAbout(env, ns, 'Ingress', 'faulty');
      return list.some((e) => e.reason === 'SecretNotFound') && list.some((e) => e.reason === 'ServiceNotFound') ? list : undefined;
    }, 10_000, 'SecretNotFound and ServiceNotFound Events');
    expect(events.find((e) => e.reason === 'SecretNotFound')!.note).toContain('spec.tls[0].secretName');
    expect(events.find((e) => e.reason === 'ServiceNotFound')!.note).toContain('spec.rules[0].http.paths[0].backend.service.name');
    expect(await reach('faulty.test', '/')).toBe('503');
    expect(await reach('shop.test', '/p')).toBe('ing-b');
    expect(gw.output()).not.toContain(SECRET);
  });
});
