import { describe, expect, it } from 'vitest';
import { parsePublishService, sameAddresses, serviceAddresses, toLoadBalancerIngress } from '../../../src/status/ingress-addresses.js';

describe('serviceAddresses (as ingress-nginx reads the published Service)', () => {
  it.each([
    ['LoadBalancer: its load-balancer addresses and external IPs, sorted', { spec: { type: 'LoadBalancer', clusterIP: '10.0.0.1', externalIPs: ['192.0.2.9'] }, status: { loadBalancer: { ingress: [{ hostname: 'lb.example' }, { ip: '198.51.100.7' }] } } }, [{ hostname: 'lb.example' }, { ip: '192.0.2.9' }, { ip: '198.51.100.7' }]],
    ['LoadBalancer pending: none (not the cluster IP)', { spec: { type: 'LoadBalancer', clusterIP: '10.0.0.1' } }, []],
    ['ClusterIP: the cluster IP', { spec: { type: 'ClusterIP', clusterIP: '10.0.0.1' } }, [{ ip: '10.0.0.1' }]],
    ['headless: none', { spec: { type: 'ClusterIP', clusterIP: 'None' } }, []],
    ['NodePort with external IPs: those', { spec: { type: 'NodePort', clusterIP: '10.0.0.1', externalIPs: ['203.0.113.5'] } }, [{ ip: '203.0.113.5' }]],
    ['ExternalName: its name', { spec: { type: 'ExternalName', externalName: 'gw.example' } }, [{ hostname: 'gw.example' }]],
    ['no Service: none', undefined, []],
  ])('%s', (_n, svc, expected) => {
    expect(serviceAddresses(svc)).toEqual(expected);
  });
});

describe('helpers', () => {
  it('toLoadBalancerIngress: IPs (v4 and v6) as ip, the rest as hostname', () => {
    expect(['192.0.2.1', '2001:db8::1', 'gw.example'].map(toLoadBalancerIngress)).toEqual([{ ip: '192.0.2.1' }, { ip: '2001:db8::1' }, { hostname: 'gw.example' }]);
  });

  it('sameAddresses ignores order and other writers\' extra fields', () => {
    expect(sameAddresses([{ ip: '2.2.2.2' }, { ip: '1.1.1.1' }], [{ ip: '1.1.1.1' }, { ip: '2.2.2.2' }])).toBe(true);
    expect(sameAddresses(undefined, [])).toBe(true);
    expect(sameAddresses([{ ip: '1.1.1.1' }], [{ hostname: '1.1.1.1' }])).toBe(false);
  });

  it('parsePublishService', () => {
    expect(parsePublishService('portcullis/gw')).toEqual({ namespace: 'portcullis', name: 'gw' });
    for (const bad of ['gw', 'a/b/c', 'A/b', '/b', 'a/']) expect(parsePublishService(bad), bad).toBeUndefined();
  });
});
