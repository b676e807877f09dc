import { describe, expect, it } from 'vitest';
import { gatewayServiceName, planDataPlanes } from '../../../../../src/sources/kube/gateway-api/data-plane.js';
import { resolveGateway } from '../../../../../src/sources/kube/gateway-api/listeners.js';
import type { GatewayApiSettings } from '../../../../../src/sources/kube/gateway-api/types.js';
import type { CustomObject, ServiceObject } from '../../../../../src/sources/kube/types.js';

/** One Service and pod ports per Gateway (docs/gateway-api.md#one-address-per-gateway): the pure plan. */
const settings: GatewayApiSettings = {
  httpPort: 80,
  httpsPort: 443,
  addresses: [],
  now: new Date(0),
  dataPlane: { podNamespace: 'pods', podSelector: { app: 'p' }, serviceType: 'ClusterIP', portRange: { from: 100, to: 102 }, tlsPodPort: 8443 },
};

function gateway(name: string, created: string, ports: number[]): CustomObject {
  return {
    metadata: { name, namespace: 'apps', creationTimestamp: created, generation: 1 },
    spec: { gatewayClassName: 'c', listeners: ports.map((port, i) => ({ name: `l${i}`, protocol: 'HTTP', port })) },
  } as unknown as CustomObject;
}
const resolve = (objs: CustomObject[]) => objs.map((o) => resolveGateway(o, settings, new Map(), new Map(), []));

function existing(gw: string, ports: Array<[number, number]>, ip = '10.0.0.1'): [string, ServiceObject] {
  return [
    `pods/${gatewayServiceName('apps', gw)}`,
    {
      metadata: { name: gatewayServiceName('apps', gw), namespace: 'pods', labels: { 'app.kubernetes.io/managed-by': 'portcullis-gateway-controller', 'gateway.portcullis.dev/namespace': 'apps', 'gateway.portcullis.dev/name': gw } },
      spec: { ports: ports.map(([port, targetPort]) => ({ port, targetPort })), clusterIP: ip },
    } as unknown as ServiceObject,
  ];
}

describe('planDataPlanes', () => {
  it('allocates pod ports oldest Gateway first, one per distinct listener port', () => {
    const [a, b] = resolve([gateway('b', '2026-01-02T00:00:00Z', [80, 8080, 80]), gateway('a', '2026-01-01T00:00:00Z', [80])]);
    const plan = planDataPlanes([a!, b!], new Map(), settings);
    expect(plan.services.map((s) => [s.labels['gateway.portcullis.dev/name'], s.ports.map((p) => `${p.port}->${p.targetPort}`)])).toEqual([
      ['a', ['80->100']],
      ['b', ['80->101', '8080->102']],
    ]);
    expect(plan.listenerPorts).toEqual([100, 101, 102]);
    expect(a!.address).toEqual([]);
  });

  it('keeps the pod ports read back from the existing Services, whoever comes or goes; reports their address', () => {
    const [b, c] = resolve([gateway('b', '2026-01-02T00:00:00Z', [80]), gateway('c', '2026-01-03T00:00:00Z', [80])]);
    // "a" (which held 100) is gone; "b" keeps 102, the new "c" takes the lowest free port.
    const plan = planDataPlanes([b!, c!], new Map([existing('b', [[80, 102]], '10.0.0.2')]), settings);
    expect(plan.services.map((s) => s.ports[0]!.targetPort)).toEqual([102, 100]);
    expect(b!.address).toEqual([{ type: 'IPAddress', value: '10.0.0.2' }]);
  });

  it('a listener no pod port is left for is not Accepted (PortUnavailable)', () => {
    const [g] = resolve([gateway('big', '2026-01-01T00:00:00Z', [1, 2, 3, 4])]);
    planDataPlanes([g!], new Map(), settings);
    expect(g!.listeners.map((l) => l.podPort)).toEqual([100, 101, 102, undefined]);
    expect(g!.listeners[3]!.problems[0]).toMatchObject({ condition: 'Accepted', reason: 'PortUnavailable' });
  });

  it('Service names are DNS labels, unique per Gateway', () => {
    expect(gatewayServiceName('apps', 'Edge.Main')).toMatch(/^gw-edge-main-[0-9a-f]{8}$/);
    expect(gatewayServiceName('apps', 'x')).not.toBe(gatewayServiceName('other', 'x'));
    expect(gatewayServiceName('apps', 'a'.repeat(200)).length).toBeLessThanOrEqual(63);
  });
});
