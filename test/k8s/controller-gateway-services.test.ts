import { randomBytes, randomInt } from 'node:crypto';
import http from 'node:http';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../support/gateway-process.js';
import { eventually, startController, startKubeEnv, startNetnsUpstream, type KubeEnv, type NetnsUpstream } from '../support/controller-env.js';
import { endpointSlice, join, service } from '../support/crs.js';
import { gatewayApiCrds } from '../support/gateway-api.js';
import { portOf } from '../support/standalone.js';

/**
 * One Service and pod ports per Gateway (docs/gateway-api.md#one-address-per-gateway), against the
 * real API server: the leader creates a Service per Gateway in the pods' namespace, each Gateway's
 * routes answer only on its own pod ports, ports stay put when another Gateway comes or goes, a
 * deleted Gateway's Service is garbage-collected, and status.addresses is the Service's address.
 */
let env: KubeEnv;
let gw: GatewayProcess;
let web: NetnsUpstream;
let api: NetnsUpstream;
let ns: string;
let podNs: string;
let className: string;
const GROUP = 'gateway.networking.k8s.io';
// A range of our own, away from the ports neighbouring tests take.
const FROM = 40_000 + randomInt(0, 200) * 100;
const TO = FROM + 9;
const LABEL = 'gateway.portcullis.dev/name';

const doc = (o: unknown) => `${JSON.stringify(o)}\n`;
const gateway = (name: string, listeners: Array<Record<string, unknown>>) =>
  doc({ apiVersion: `${GROUP}/v1`, kind: 'Gateway', metadata: { name, namespace: ns }, spec: { gatewayClassName: className, listeners } });
const route = (name: string, parent: string, backend: string) =>
  doc({
    apiVersion: `${GROUP}/v1`,
    kind: 'HTTPRoute',
    metadata: { name, namespace: ns },
    spec: { parentRefs: [{ name: parent }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: backend, port: 80 }] }] },
  });
const http80 = { name: 'http', protocol: 'HTTP', port: 80 };

/** Which upstream answers on this local port ('' when the gateway answers itself, with the status). */
function upstreamAt(port: number): Promise<{ status: number; upstream: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/', headers: { host: 'app.test' }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, upstream: String(res.headers['x-upstream-name'] ?? '') }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function servicesByGateway(): Promise<Map<string, { name: string; clusterIP: string; ports: Map<number, number> }>> {
  const list = await env.core.listNamespacedService({ namespace: podNs, labelSelector: 'app.kubernetes.io/managed-by=portcullis-gateway-controller' });
  return new Map(
    list.items.map((s) => [
      s.metadata!.labels![LABEL]!,
      { name: s.metadata!.name!, clusterIP: s.spec!.clusterIP!, ports: new Map(s.spec!.ports!.map((p) => [p.port, Number(p.targetPort)])) },
    ]),
  );
}

async function gatewayObject(name: string): Promise<any> {
  return env.custom.getNamespacedCustomObject({ group: GROUP, version: 'v1', plural: 'gateways', namespace: ns, name });
}

beforeAll(async () => {
  env = await startKubeEnv();
  await env.apply(await gatewayApiCrds());
  [web, api] = await Promise.all([startNetnsUpstream('gws-web'), startNetnsUpstream('gws-api')]);
  ns = await env.namespace('gws');
  podNs = await env.namespace('gwspods');
  className = `portcullis-${randomBytes(3).toString('hex')}`;
  await env.apply(
    join(
      service(ns, 'web'),
      endpointSlice(ns, 'web-1', 'web', [{ ip: web.host.ip }]),
      service(ns, 'api'),
      endpointSlice(ns, 'api-1', 'api', [{ ip: api.host.ip }]),
    ),
  );
  gw = await startController(env, {
    args: ['--lease-name', 'gws', '--gateway-api', '--gateway-service-per-gateway', '--gateway-pod-ports', `${FROM}-${TO}`, '--gateway-pod-selector', 'app=portcullis'],
    env: { POD_NAMESPACE: podNs },
  });
  await env.apply(doc({ apiVersion: `${GROUP}/v1`, kind: 'GatewayClass', metadata: { name: className }, spec: { controllerName: 'portcullis.dev/gateway-controller' } }));
  await env.apply(join(gateway('one', [http80]), route('to-web', 'one', 'web')));
  // Created after "one", so it is the younger Gateway.
  await eventually(async () => (await servicesByGateway()).has('one'), 20_000, "Gateway one's Service");
  await env.apply(
    join(gateway('two', [http80, { name: 'alt', protocol: 'HTTP', port: 8080 }, { name: 'tls', protocol: 'HTTPS', port: 443, tls: { certificateRefs: [{ name: 'none' }] } }]), route('to-api', 'two', 'api')),
  );
  await eventually(async () => (await servicesByGateway()).has('two'), 20_000, "Gateway two's Service");
}, 180_000);

afterAll(async () => {
  await gw?.stop();
  await Promise.all([web?.stop(), api?.stop()]);
  await env?.stop();
});

describe('one Service per Gateway', () => {
  it('the leader creates a Service per Gateway in the pods\' namespace: one port per listener port, pod ports from the range, the pods selected', async () => {
    const svcs = await servicesByGateway();
    const one = svcs.get('one')!;
    const two = svcs.get('two')!;
    expect([...one.ports.keys()]).toEqual([80]);
    expect(one.ports.get(80)).toBe(FROM);
    expect([...two.ports.keys()].sort((a, b) => a - b)).toEqual([80, 443, 8080]);
    expect(new Set([two.ports.get(80), two.ports.get(8080)])).toEqual(new Set([FROM + 1, FROM + 2]));
    // HTTPS listeners stay on the pods' TLS listener.
    expect(two.ports.get(443)).toBe(portOf(gw.proxyTls));
    const raw = await env.core.readNamespacedService({ namespace: podNs, name: one.name });
    expect(raw.spec!.selector).toEqual({ app: 'portcullis' });
    expect(raw.metadata!.labels).toMatchObject({ 'gateway.portcullis.dev/namespace': ns, [LABEL]: 'one' });
  });

  it("each Gateway's routes answer only on its own pod ports; the shared listener serves neither", async () => {
    const two = (await servicesByGateway()).get('two')!;
    await eventually(async () => (await upstreamAt(FROM)).upstream === 'gws-web' && (await upstreamAt(two.ports.get(80)!)).upstream === 'gws-api', 20_000, 'both Gateways to serve');
    expect((await upstreamAt(FROM)).upstream).toBe('gws-web');
    expect((await upstreamAt(two.ports.get(80)!)).upstream).toBe('gws-api');
    // The route has no sectionName: it attaches to both HTTP listeners of "two".
    expect((await upstreamAt(two.ports.get(8080)!)).upstream).toBe('gws-api');
    expect((await upstreamAt(portOf(gw.proxy))).status).toBe(404);
  });

  it('status.addresses is the Gateway\'s own Service address; Programmed', async () => {
    const svcs = await servicesByGateway();
    for (const name of ['one', 'two']) {
      const g = await eventually(async () => {
        const o = await gatewayObject(name);
        return o.status?.addresses?.length > 0 ? o : undefined;
      }, 20_000, `Gateway ${name} addresses`);
      expect(g.status.addresses).toEqual([{ type: 'IPAddress', value: svcs.get(name)!.clusterIP }]);
      expect(g.status.conditions.find((c: any) => c.type === 'Programmed')).toMatchObject({ status: 'True', reason: 'Programmed' });
    }
    expect(svcs.get('one')!.clusterIP).not.toBe(svcs.get('two')!.clusterIP);
  });

  it("a deleted Gateway's Service is garbage-collected; the others keep their pod ports, and its ports are reused", async () => {
    const before = (await servicesByGateway()).get('two')!;
    await env.custom.deleteNamespacedCustomObject({ group: GROUP, version: 'v1', plural: 'gateways', namespace: ns, name: 'one' });
    await eventually(async () => !(await servicesByGateway()).has('one'), 20_000, "Gateway one's Service to go");
    await eventually(async () => (await upstreamAt(FROM).catch(() => ({ upstream: 'closed' }))).upstream !== 'gws-web', 20_000, "Gateway one's pod port to stop serving it");
    await env.apply(join(gateway('three', [http80]), route('three-web', 'three', 'web')));
    await eventually(async () => (await servicesByGateway()).has('three'), 20_000, "Gateway three's Service");
    const after = await servicesByGateway();
    expect(after.get('two')!.ports).toEqual(before.ports);
    expect(after.get('two')!.name).toBe(before.name);
    expect(after.get('three')!.ports.get(80)).toBe(FROM);
    await eventually(async () => (await upstreamAt(FROM)).upstream === 'gws-web', 20_000, 'Gateway three to serve');
    expect((await upstreamAt(before.ports.get(80)!)).upstream).toBe('gws-api');
  });

  it('a hand-edited selector is put back by the leader', async () => {
    const three = (await servicesByGateway()).get('three')!;
    await env.core.patchNamespacedService(
      { namespace: podNs, name: three.name, body: { spec: { selector: { app: 'someone-else' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await eventually(async () => {
      const s = await env.core.readNamespacedService({ namespace: podNs, name: three.name });
      return s.spec?.selector?.['app'] === 'portcullis';
    }, 20_000, 'the Service to be restored');
  });
});
