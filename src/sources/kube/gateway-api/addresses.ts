import type { GatewayApiSettings } from './types.js';

interface PublishedService {
  spec?: { clusterIP?: string; clusterIPs?: string[] };
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } };
}

/**
 * Gateway status.addresses from the Service in front of the pods (--publish-service, as
 * ingress-nginx's flag): its load balancer ingress IPs and hostnames, else its cluster IPs
 * (docs/gateway-api.md#listeners). No Service configured or found: no addresses.
 */
export function publishedAddresses(service: PublishedService | undefined): GatewayApiSettings['addresses'] {
  if (service === undefined) return [];
  const out: GatewayApiSettings['addresses'] = [];
  for (const i of service.status?.loadBalancer?.ingress ?? []) {
    if (i.ip) out.push({ type: 'IPAddress', value: i.ip });
    else if (i.hostname) out.push({ type: 'Hostname', value: i.hostname });
  }
  if (out.length > 0) return out;
  const ips = service.spec?.clusterIPs ?? (service.spec?.clusterIP ? [service.spec.clusterIP] : []);
  return ips.filter((ip) => ip !== '' && ip !== 'None').map((value) => ({ type: 'IPAddress' as const, value }));
}
