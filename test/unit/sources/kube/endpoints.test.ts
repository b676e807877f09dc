import { describe, expect, it } from 'vitest';
import { resolveServiceEndpoints } from '../../../../src/sources/kube/endpoints.js';
import type { EndpointConditions, EndpointSliceObject, ServiceObject } from '../../../../src/sources/kube/types.js';

const service = (ports: Array<{ name?: string; port: number; protocol?: string }>): ServiceObject => ({ spec: { ports } });
const slice = (
  ports: Array<{ name?: string; port: number; protocol?: string }>,
  endpoints: Array<[string, EndpointConditions?]>,
  addressType = 'IPv4',
): EndpointSliceObject => ({
  addressType,
  ports,
  endpoints: endpoints.map(([a, c]) => (c ? { addresses: [a], conditions: c } : { addresses: [a] })),
});
const hosts = (r: ReturnType<typeof resolveServiceEndpoints>) => r.endpoints.map((e) => `${e.host}:${e.port}`);

const svc = service([{ name: 'http', port: 80 }, { name: 'admin', port: 9000 }]);
const httpPorts = [{ name: 'http', port: 8080 }, { name: 'admin', port: 9001 }];

describe('resolveServiceEndpoints', () => {
  it.each<[string, ServiceObject, EndpointSliceObject[], number | string, string[]]>([
    ['ready endpoints by service port number', svc, [slice(httpPorts, [['10.0.0.2'], ['10.0.0.1', { ready: true }]])], 80, ['10.0.0.1:8080', '10.0.0.2:8080']],
    ['port by name', svc, [slice(httpPorts, [['10.0.0.1']])], 'admin', ['10.0.0.1:9001']],
    ['number of the second port', svc, [slice(httpPorts, [['10.0.0.1']])], 9000, ['10.0.0.1:9001']],
    ['not ready dropped', svc, [slice(httpPorts, [['10.0.0.1', { ready: false }], ['10.0.0.2', { ready: true }]])], 80, ['10.0.0.2:8080']],
    ['no ready: serving+terminating used', svc, [slice(httpPorts, [['10.0.0.1', { ready: false, serving: true, terminating: true }], ['10.0.0.2', { ready: false, serving: false, terminating: true }]])], 80, ['10.0.0.1:8080']],
    ['ready present: terminating ignored', svc, [slice(httpPorts, [['10.0.0.1', { ready: false, serving: true, terminating: true }], ['10.0.0.2', { ready: true }]])], 80, ['10.0.0.2:8080']],
    ['not ready, not terminating: nothing', svc, [slice(httpPorts, [['10.0.0.1', { ready: false, serving: true, terminating: false }]])], 80, []],
    ['duplicates across slices collapse', svc, [slice(httpPorts, [['10.0.0.1']]), slice(httpPorts, [['10.0.0.1'], ['10.0.0.3']])], 80, ['10.0.0.1:8080', '10.0.0.3:8080']],
    ['slice without the port name skipped', svc, [slice([{ name: 'other', port: 1 }], [['10.0.0.1']])], 80, []],
    ['unnamed single port', service([{ port: 80 }]), [slice([{ name: '', port: 8080 }], [['10.0.0.1']])], 80, ['10.0.0.1:8080']],
    ['UDP slice port ignored', service([{ name: 'dns', port: 53 }]), [slice([{ name: 'dns', port: 53, protocol: 'UDP' }], [['10.0.0.1']])], 53, []],
    ['FQDN slices ignored', svc, [slice(httpPorts, [['db.example']], 'FQDN')], 80, []],
    ['IPv6', svc, [slice(httpPorts, [['fd00::1']], 'IPv6')], 80, ['fd00::1:8080']],
    ['no slices yet', svc, [], 80, []],
  ])('%s', (_n, s, slices, port, expected) => {
    const r = resolveServiceEndpoints(s, slices, port);
    expect(r.problem).toBeUndefined();
    expect(hosts(r)).toEqual(expected);
  });

  it('scale up and down changes the endpoint set', () => {
    const pods = (n: number) => Array.from({ length: n }, (_, i) => [`10.0.1.${i + 1}`] as [string]);
    expect(hosts(resolveServiceEndpoints(svc, [slice(httpPorts, pods(1))], 80))).toHaveLength(1);
    expect(hosts(resolveServiceEndpoints(svc, [slice(httpPorts, pods(3))], 80))).toEqual(['10.0.1.1:8080', '10.0.1.2:8080', '10.0.1.3:8080']);
    // Scale down: the leaving pod is terminating (not ready), the others stay.
    const down = slice(httpPorts, [['10.0.1.1'], ['10.0.1.2'], ['10.0.1.3', { ready: false, serving: true, terminating: true }]]);
    expect(hosts(resolveServiceEndpoints(svc, [down], 80))).toEqual(['10.0.1.1:8080', '10.0.1.2:8080']);
    expect(hosts(resolveServiceEndpoints(svc, [slice(httpPorts, [])], 80))).toEqual([]);
  });

  it.each<[string, ServiceObject | undefined, number | string, string]>([
    ['missing Service', undefined, 80, 'ServiceNotFound'],
    ['unknown port number', svc, 81, 'ServicePortNotFound'],
    ['unknown port name', svc, 'grpc', 'ServicePortNotFound'],
  ])('%s is reported', (_n, s, port, reason) => {
    const r = resolveServiceEndpoints(s, [slice(httpPorts, [['10.0.0.1']])], port);
    expect(r.endpoints).toEqual([]);
    expect(r.problem?.reason).toBe(reason);
  });
});
