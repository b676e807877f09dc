import type { RouteSpec } from '../../../../src/model/resources.js';
import type { CompiledRoute, MatchInput, Upstream } from '../../../../src/snapshot/types.js';
import { parseRouteHost, type RouteEntry } from '../../../../src/snapshot/router/entries.js';

export const upstreamStub: Upstream = {
  id: 'service:stub',
  protocol: 'http',
  basePath: '',
  hostHeader: 'upstream.local',
  targets: [{ host: '127.0.0.1', port: 9, origin: 'http://127.0.0.1:9' }],
  connectTimeoutMs: 60000,
  readTimeoutMs: 60000,
  writeTimeoutMs: 60000,
  retries: 5,
};

/** A CompiledRoute with Kong's defaults; `name` doubles as id and label. */
export function route(name: string, spec: Partial<RouteSpec> = {}): CompiledRoute {
  const full: RouteSpec = {
    ref: { kind: 'routes', name },
    scope: '',
    name,
    protocols: ['http', 'https'],
    hosts: [],
    paths: [],
    methods: [],
    headers: [],
    stripPath: true,
    preserveHost: false,
    regexPriority: 0,
    backend: { kind: 'url', protocol: 'http', host: '127.0.0.1', port: 9, path: '' },
    service: { id: 'svc', connectTimeoutMs: 60000, readTimeoutMs: 60000, writeTimeoutMs: 60000, retries: 5, tags: [] },
    tags: [],
    ...spec,
  };
  return { id: name, name, spec: full, upstream: upstreamStub, label: name };
}

/** A MatchInput; headers given with lower-case names. */
export function req(
  path: string,
  opts: { method?: string; host?: string; port?: number; headers?: Record<string, string> } = {},
): MatchInput {
  const headers = opts.headers ?? {};
  return {
    method: opts.method ?? 'GET',
    host: opts.host ?? '',
    port: opts.port,
    path,
    header: (name) => headers[name],
  };
}

/**
 * The obvious router: the first matcher, in priority order, whose hosts / methods / headers / path
 * all accept the request. The indexed router must agree with it (differential and property tests).
 */
export function linearMatch(entries: readonly RouteEntry[], input: MatchInput): { name: string; stripped: string } | undefined {
  for (const e of entries) {
    const spec = e.route.spec;
    if (spec.hosts.length > 0) {
      const hostOk = spec.hosts.some((raw) => {
        const h = parseRouteHost(raw);
        if (h.port !== undefined && h.port !== input.port) return false;
        if (h.kind === 'exact') return input.host === h.key;
        if (h.kind === 'suffix') return input.host.length > h.key.length && input.host.endsWith(h.key);
        return input.host.length > h.key.length && input.host.startsWith(h.key);
      });
      if (!hostOk) continue;
    }
    if (e.methods !== null && !e.methods.has(input.method)) continue;
    if (e.headers !== null) {
      const ok = e.headers.every((h) => {
        const v = input.header(h.name)?.toLowerCase();
        return v !== undefined && (h.exact.includes(v) || h.regexes.some((r) => r.test(v)));
      });
      if (!ok) continue;
    }
    if (e.regex !== null) {
      const end = e.regex.matchLength(input.path);
      if (end < 0) continue;
      return { name: e.route.name, stripped: input.path.slice(end) };
    }
    if (e.prefix !== null) {
      if (!input.path.startsWith(e.prefix)) continue;
      return { name: e.route.name, stripped: input.path.slice(e.prefix.length) };
    }
    return { name: e.route.name, stripped: input.path };
  }
  return undefined;
}
