import type { BackendSpec, RouteSpec, UpstreamProtocol } from '../model/resources.js';
import type { Upstream, UpstreamTarget } from '../snapshot/types.js';
import { upstreamTls } from './upstream-tls.js';

const DEFAULT_PORT = { http: 80, https: 443, grpc: 80, grpcs: 443 } as const;

/**
 * One Upstream per backend, shared by every route that points at it, so round-robin state and
 * metrics are per service rather than per route.
 */
export class UpstreamTable {
  private readonly upstreams = new Map<string, Upstream>();

  forRoute(route: RouteSpec): Upstream {
    const id = upstreamId(route);
    let upstream = this.upstreams.get(id);
    if (!upstream) {
      upstream = buildUpstream(id, route);
      this.upstreams.set(id, upstream);
    }
    return upstream;
  }
}

function upstreamId(route: RouteSpec): string {
  const b = route.backend;
  if (b.kind !== 'service') return `service:${route.scope === '' ? '' : `${route.scope}/`}${route.service.id}`;
  // Routes to one Service share its upstream only when their TLS settings (a Route's own) agree.
  const tls = upstreamTls(route.service.tls, b.protocol);
  return `k8s:${route.scope}/${b.name}:${b.port}${tls === undefined ? '' : `|tls:${tls.hash}`}`;
}

function buildUpstream(id: string, route: RouteSpec): Upstream {
  const b: BackendSpec = route.backend;
  const s = route.service;
  const common = {
    id,
    service: s.name ?? s.id,
    connectTimeoutMs: s.connectTimeoutMs,
    readTimeoutMs: s.readTimeoutMs,
    writeTimeoutMs: s.writeTimeoutMs,
    retries: s.retries,
  };
  const tls = upstreamTls(s.tls, b.protocol);
  if (tls !== undefined) (common as { tls?: typeof tls }).tls = tls;
  if (b.kind === 'service') {
    return {
      ...common,
      protocol: b.protocol,
      basePath: '',
      hostHeader: b.hostHeader,
      targets: dedupeTargets(b.endpoints.map((e) => target(b.protocol, e.host, e.port))),
    };
  }
  const defaultPort = b.port === DEFAULT_PORT[b.protocol];
  return {
    ...common,
    protocol: b.protocol,
    basePath: b.path,
    hostHeader: defaultPort ? b.host : `${hostForUrl(b.host)}:${b.port}`,
    targets: [target(b.protocol, b.host, b.port)],
  };
}

/** grpc/grpcs origins keep their scheme, so an h2 session pool never shares a key with an undici Pool. */
function target(protocol: UpstreamProtocol, host: string, port: number): UpstreamTarget {
  return { host, port, origin: `${protocol}://${hostForUrl(host)}:${port}` };
}

/** IPv6 literals need brackets in an origin and a Host header. */
function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function dedupeTargets(targets: UpstreamTarget[]): UpstreamTarget[] {
  const seen = new Set<string>();
  return targets
    .filter((t) => (seen.has(t.origin) ? false : (seen.add(t.origin), true)))
    .sort((a, b) => (a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : 0));
}
