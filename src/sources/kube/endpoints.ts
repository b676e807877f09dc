import type { EndpointSliceObject, ServiceObject, ServicePort } from './types.js';

export interface EndpointAddress {
  host: string;
  port: number;
}

export interface EndpointResolution {
  /** Sorted, de-duplicated. Empty means "no healthy upstream" (the proxy answers 503). */
  endpoints: EndpointAddress[];
  /** The Service port the route's backend points at, when found. */
  servicePort?: ServicePort;
  /** Why nothing could be resolved (for a warning diagnostic); message follows "Service 'ns/name' ". */
  problem?: { reason: 'ServiceNotFound' | 'ServicePortNotFound'; message: string };
}

/**
 * Endpoints of one Service port, chosen the way kube-proxy does:
 * - EndpointSlice ports carry the Service port's *name* (and the resolved targetPort number), so a
 *   backend port given by number is first mapped to its Service port, then matched by name;
 * - an endpoint is used when `ready` (unset = ready); only when the Service has no ready endpoint
 *   at all are `serving && terminating` ones used, so connections drain during a rollout;
 * - only the first address of an endpoint counts, and duplicates across slices collapse.
 */
export function resolveServiceEndpoints(
  service: ServiceObject | undefined,
  slices: readonly EndpointSliceObject[],
  port: number | string,
): EndpointResolution {
  if (!service) return { endpoints: [], problem: { reason: 'ServiceNotFound', message: 'not found' } };
  const ports = service.spec?.ports ?? [];
  const servicePort = typeof port === 'number' ? ports.find((p) => p.port === port) : ports.find((p) => p.name === port);
  if (!servicePort) {
    return {
      endpoints: [],
      problem: { reason: 'ServicePortNotFound', message: `has no port ${typeof port === 'number' ? port : `named '${port}'`}` },
    };
  }
  const portName = servicePort.name ?? '';
  const protocol = servicePort.protocol ?? 'TCP';
  const ready: EndpointAddress[] = [];
  const servingTerminating: EndpointAddress[] = [];
  for (const slice of slices) {
    if (slice.addressType !== undefined && slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
    const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === protocol);
    if (!slicePort || typeof slicePort.port !== 'number') continue;
    for (const ep of slice.endpoints ?? []) {
      const host = ep.addresses[0];
      if (host === undefined) continue;
      const c = ep.conditions ?? {};
      const isReady = c.ready ?? true;
      const isServing = c.serving ?? isReady;
      const isTerminating = c.terminating ?? false;
      if (isReady) ready.push({ host, port: slicePort.port });
      else if (isServing && isTerminating) servingTerminating.push({ host, port: slicePort.port });
    }
  }
  return { endpoints: dedupeSorted(ready.length > 0 ? ready : servingTerminating), servicePort };
}

function dedupeSorted(xs: EndpointAddress[]): EndpointAddress[] {
  const byKey = new Map<string, EndpointAddress>();
  for (const x of xs) byKey.set(`${x.host}|${x.port}`, x);
  return [...byKey.values()].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : a.port - b.port));
}
