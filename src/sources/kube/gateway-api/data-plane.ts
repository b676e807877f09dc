import { createHash } from 'node:crypto';
import type { ServiceObject } from '../types.js';
import { publishedAddresses } from './addresses.js';
import { creationTime, type ResolvedGateway } from './listeners.js';
import type { GatewayApiSettings, GatewayDataPlaneSettings } from './types.js';

/** Labels on the Services the leader manages, one per Gateway (docs/gateway-api.md#one-address-per-gateway). */
export const GATEWAY_NAMESPACE_LABEL = 'gateway.portcullis.dev/namespace';
export const GATEWAY_NAME_LABEL = 'gateway.portcullis.dev/name';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'portcullis-gateway-controller';

export interface DesiredServicePort {
  name: string;
  port: number;
  targetPort: number;
}

/** The Service one Gateway should have (the leader creates or updates it: status/gateway-services.ts). */
export interface DesiredGatewayService {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  selector: Record<string, string>;
  type: GatewayDataPlaneSettings['serviceType'];
  ports: DesiredServicePort[];
}

export interface DataPlanePlan {
  services: DesiredGatewayService[];
  /** Every pod port a replica must listen on (plaintext). */
  listenerPorts: number[];
}

/** Service name: readable prefix + hash of namespace/name (unique, ≤ 63 chars, DNS-1035). */
export function gatewayServiceName(namespace: string, name: string): string {
  const hash = createHash('sha256').update(`${namespace}/${name}`).digest('hex').slice(0, 8);
  const readable = name.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^[^a-z]+/, '').slice(0, 40).replace(/-+$/, '');
  return `gw-${readable === '' ? '' : `${readable}-`}${hash}`;
}

function labelsOf(s: ServiceObject): Record<string, string> | undefined {
  return (s.metadata as { labels?: Record<string, string> } | undefined)?.labels;
}

function isManaged(s: ServiceObject, podNamespace: string): boolean {
  const labels = labelsOf(s);
  return s.metadata?.namespace === podNamespace && labels?.[MANAGED_BY_LABEL] === MANAGED_BY && labels[GATEWAY_NAME_LABEL] !== undefined;
}

/** Managed Services by "gateway-namespace/gateway-name". */
export function managedServices(services: ReadonlyMap<string, ServiceObject>, podNamespace: string): Map<string, ServiceObject> {
  const out = new Map<string, ServiceObject>();
  for (const s of services.values()) {
    if (!isManaged(s, podNamespace)) continue;
    const labels = labelsOf(s)!;
    out.set(`${labels[GATEWAY_NAMESPACE_LABEL] ?? ''}/${labels[GATEWAY_NAME_LABEL]}`, s);
  }
  return out;
}

/**
 * PURE: per Gateway of ours, a Service in the pods' namespace with one port per distinct HTTP
 * listener port (targetPort: a pod port from the range, read back from the existing Service so it
 * never moves) and the HTTPS port (targetPort: the pods' TLS listener). Sets each HTTP listener's
 * podPort; a listener no port is left for gets PortUnavailable. Gateways are visited oldest first,
 * so a new Gateway never takes a port an older one already holds.
 */
export function planDataPlanes(gateways: readonly ResolvedGateway[], services: ReadonlyMap<string, ServiceObject>, settings: GatewayApiSettings): DataPlanePlan {
  const dp = settings.dataPlane!;
  const existing = managedServices(services, dp.podNamespace);
  const used = new Set<number>();
  for (const s of existing.values()) for (const p of s.spec?.ports ?? []) if (typeof p.targetPort === 'number') used.add(p.targetPort);
  const order = [...gateways].sort((a, b) => compareAge(a, b));
  const out: DataPlanePlan = { services: [], listenerPorts: [] };
  let next = dp.portRange.from;
  const allocate = (): number | undefined => {
    while (next <= dp.portRange.to && used.has(next)) next++;
    if (next > dp.portRange.to) return undefined;
    used.add(next);
    return next;
  };
  for (const g of order) {
    if (g.spec === undefined) continue;
    const key = `${g.ref.namespace}/${g.ref.name}`;
    const current = existing.get(key);
    const kept = new Map<number, number>();
    for (const p of current?.spec?.ports ?? []) {
      const t = p.targetPort;
      if (typeof t === 'number' && t >= dp.portRange.from && t <= dp.portRange.to && p.port !== undefined) kept.set(p.port, t);
    }
    const ports: DesiredServicePort[] = [];
    const podPorts = new Map<number, number | undefined>();
    for (const l of g.listeners) {
      if (!l.usable) continue;
      const port = l.listener.port;
      if (l.tls) {
        if (!ports.some((p) => p.port === port)) ports.push({ name: `https-${port}`, port, targetPort: dp.tlsPodPort });
        continue;
      }
      if (!podPorts.has(port)) podPorts.set(port, kept.get(port) ?? allocate());
      const podPort = podPorts.get(port);
      if (podPort === undefined) {
        l.usable = false;
        l.problems.push({ condition: 'Accepted', reason: 'PortUnavailable', message: `no free pod port left in ${dp.portRange.from}-${dp.portRange.to} (--gateway-pod-ports)` });
        continue;
      }
      l.podPort = podPort;
      if (!ports.some((p) => p.port === port)) ports.push({ name: `http-${port}`, port, targetPort: podPort });
    }
    if (ports.length === 0) continue;
    ports.sort((a, b) => a.port - b.port);
    for (const p of ports) if (p.targetPort !== dp.tlsPodPort) out.listenerPorts.push(p.targetPort);
    g.address = current === undefined ? [] : publishedAddresses(current as Parameters<typeof publishedAddresses>[0]);
    out.services.push({
      namespace: dp.podNamespace,
      name: current?.metadata?.name ?? gatewayServiceName(g.ref.namespace!, g.ref.name),
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [GATEWAY_NAMESPACE_LABEL]: g.ref.namespace!, [GATEWAY_NAME_LABEL]: g.ref.name },
      selector: dp.podSelector,
      type: dp.serviceType,
      ports,
    });
  }
  out.listenerPorts.sort((a, b) => a - b);
  return out;
}

function compareAge(a: ResolvedGateway, b: ResolvedGateway): number {
  const ca = creationTime(a.obj) ?? '';
  const cb = creationTime(b.obj) ?? '';
  if (ca !== cb) return ca === '' ? 1 : cb === '' ? -1 : ca < cb ? -1 : 1;
  const ka = `${a.ref.namespace}/${a.ref.name}`;
  const kb = `${b.ref.namespace}/${b.ref.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
