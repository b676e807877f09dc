import { describe, expect, it } from 'vitest';
import { publishedAddresses } from '../../../../../src/sources/kube/gateway-api/addresses.js';

describe('publishedAddresses (--publish-service)', () => {
  it('load balancer IPs and hostnames first, else the cluster IPs; a headless Service has none', () => {
    expect(publishedAddresses({ spec: { clusterIP: '10.96.0.5' }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }, { hostname: 'lb.example.com' }] } } })).toEqual([
      { type: 'IPAddress', value: '203.0.113.7' },
      { type: 'Hostname', value: 'lb.example.com' },
    ]);
    expect(publishedAddresses({ spec: { clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5', 'fd00::5'] } })).toEqual([
      { type: 'IPAddress', value: '10.96.0.5' },
      { type: 'IPAddress', value: 'fd00::5' },
    ]);
    expect(publishedAddresses({ spec: { clusterIP: 'None' } })).toEqual([]);
    expect(publishedAddresses(undefined)).toEqual([]);
  });
});
