import { isIP } from 'node:net';
import type { LoadBalancerIngress } from '../sources/kube/ingress-types.js';

/** Where the addresses written into served Ingresses' status.loadBalancer come from (docs/ingress.md#status). */
export interface IngressPublishing {
  /** --publish-service NAMESPACE/NAME: the gateway's own Service. */
  service?: { namespace: string; name: string };
  /** --publish-address: fixed IPs or host names; win over the Service. */
  addresses?: readonly string[];
}

/** The Service fields read (client-node's V1Service fits). */
export interface PublishedService {
  spec?: { type?: string; clusterIP?: string; externalIPs?: string[]; externalName?: string };
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } };
}

/** "10.0.0.1" → {ip}, "lb.example" → {hostname}. */
export function toLoadBalancerIngress(address: string): LoadBalancerIngress {
  return isIP(address) !== 0 ? { ip: address } : { hostname: address };
}

/**
 * PURE: the addresses a client uses, from the published Service, as ingress-nginx reads them:
 * ExternalName → its name; LoadBalancer → the load balancer's addresses (none while pending) and
 * externalIPs; ClusterIP and NodePort → externalIPs, else the cluster IP. Sorted and de-duplicated,
 * so the status does not flap with the order the cloud lists them in.
 */
export function serviceAddresses(svc: PublishedService | undefined): LoadBalancerIngress[] {
  if (!svc) return [];
  const spec = svc.spec ?? {};
  const out: LoadBalancerIngress[] = [];
  if (spec.type === 'ExternalName') {
    if (spec.externalName) out.push({ hostname: spec.externalName });
  } else if (spec.type === 'LoadBalancer') {
    for (const i of svc.status?.loadBalancer?.ingress ?? []) {
      if (i.ip) out.push({ ip: i.ip });
      else if (i.hostname) out.push({ hostname: i.hostname });
    }
    for (const ip of spec.externalIPs ?? []) out.push({ ip });
  } else if ((spec.externalIPs ?? []).length > 0) {
    for (const ip of spec.externalIPs!) out.push({ ip });
  } else if (spec.clusterIP && spec.clusterIP !== 'None') {
    out.push({ ip: spec.clusterIP });
  }
  return sortAddresses(out);
}

export function sortAddresses(list: readonly LoadBalancerIngress[]): LoadBalancerIngress[] {
  const byKey = new Map<string, LoadBalancerIngress>();
  for (const a of list) byKey.set(a.ip !== undefined ? `ip:${a.ip}` : `host:${a.hostname}`, a.ip !== undefined ? { ip: a.ip } : { hostname: a.hostname! });
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

/** Same addresses, whatever the order (ports and other fields another writer set are not compared). */
export function sameAddresses(a: readonly LoadBalancerIngress[] | undefined, b: readonly LoadBalancerIngress[]): boolean {
  const x = sortAddresses(a ?? []);
  const y = sortAddresses(b);
  return x.length === y.length && x.every((v, i) => v.ip === y[i]!.ip && v.hostname === y[i]!.hostname);
}

/** "ns/name" → the Service reference; undefined when malformed. */
export function parsePublishService(value: string): { namespace: string; name: string } | undefined {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)$/.exec(value);
  return m ? { namespace: m[1]!, name: m[3]! } : undefined;
}
