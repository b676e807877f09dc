import type { RouteSpec } from '../../../src/model/resources.js';
import type { CompiledRoute, MatchInput, Upstream } from '../../../src/snapshot/types.js';

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
