/**
 * Hand-built snapshots (a linear prefix router, a fake JWT authenticator) for tests of what reads a
 * snapshot without proxying through it (admin API, store, pools). Tests that proxy build a real
 * snapshot with real-snapshot.ts.
 */
import { DEFAULT_JWT_PLUGIN_CONFIG, type JwtPluginConfig } from '../../src/model/jwt-config.js';
import type {
  Authenticator, AuthOutcome, AuthRequest, CompiledRoute, Consumer, Credential, MatchInput, RouteMatch, Router, Snapshot, Upstream,
} from '../../src/snapshot/types.js';
import type { RouteSpec, ServiceInfo } from '../../src/model/resources.js';
import type { Diagnostic } from '../../src/model/diagnostics.js';

/** Linear prefix router: first route (in order) whose path prefix matches. */
export function prefixRouter(routes: readonly CompiledRoute[]): Router {
  return {
    size: routes.length,
    match(input: MatchInput): RouteMatch | undefined {
      for (const route of routes) {
        if (route.spec.methods.length && !route.spec.methods.includes(input.method)) continue;
        for (const p of route.spec.paths) {
          if (input.path.startsWith(p)) {
            return { route, strippedPath: route.spec.stripPath ? input.path.slice(p.length) : input.path };
          }
        }
      }
      return undefined;
    },
  };
}

export function makeConsumer(username: string, id = `id-${username}`, customId?: string): Consumer {
  const upstreamHeaders: Record<string, string> = { 'x-consumer-id': id, 'x-consumer-username': username };
  if (customId) upstreamHeaders['x-consumer-custom-id'] = customId;
  return { id, username, customId, tags: [], scope: '', ref: { kind: 'consumers', name: username }, upstreamHeaders };
}

export function makeCredential(consumer: Consumer, key: string, secret = 'hmac-secret-value'): Credential {
  return {
    id: `cred-${key}`,
    key,
    algorithm: 'HS256',
    consumer,
    spec: {
      ref: { kind: 'jwt_secrets', name: key }, scope: '', consumerRef: consumer.username ?? consumer.id,
      consumerRefKind: 'username-or-id', key, algorithm: 'HS256', secret, tags: ['t1'],
    },
  };
}

/**
 * Fake authenticator: "Bearer good" → authenticated as `credential`; "Bearer expired" → 401 {"exp":"token expired"};
 * no token → 401 Unauthorized (or the anonymous consumer when given); OPTIONS with runOnPreflight=false → skipped.
 */
export function fakeAuthenticator(credential: Credential, opts: { anonymous?: Consumer; config?: Partial<JwtPluginConfig> } = {}): Authenticator {
  const config: JwtPluginConfig = { ...DEFAULT_JWT_PLUGIN_CONFIG, ...opts.config };
  return {
    pluginId: 'plugin-jwt-1',
    config,
    authenticate(req: AuthRequest): AuthOutcome {
      if (!config.runOnPreflight && req.method === 'OPTIONS') return { kind: 'skipped' };
      let auth: string | undefined;
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        if (req.rawHeaders[i]!.toLowerCase() === 'authorization') {
          auth = req.rawHeaders[i + 1];
          break;
        }
      }
      for (const part of req.rawQuery.split('&')) {
        const [k, v] = part.split('=');
        if (k && config.uriParamNames.includes(k) && v) auth = `Bearer ${v}`;
      }
      if (auth === 'Bearer good') return { kind: 'authenticated', consumer: credential.consumer, credential };
      const fail = (status: 401, body: string, reason: string, www: string): AuthOutcome =>
        opts.anonymous ? { kind: 'anonymous', consumer: opts.anonymous } : { kind: 'rejected', status, body, reason, wwwAuthenticate: www };
      if (auth === undefined) return fail(401, '{"message":"Unauthorized"}', 'no_token', 'Bearer');
      if (auth === 'Bearer expired') return fail(401, '{"exp":"token expired"}', 'expired', 'Bearer error="invalid_token"');
      return fail(401, '{"message":"Invalid signature"}', 'bad_signature', 'Bearer error="invalid_token"');
    },
  };
}

export const DEFAULT_SERVICE: ServiceInfo = {
  id: 'svc-1', name: 'echo', connectTimeoutMs: 2000, readTimeoutMs: 5000, writeTimeoutMs: 5000, retries: 5, tags: [],
};

export function makeUpstream(targets: Array<{ host: string; port: number }>, over: Partial<Upstream> = {}): Upstream {
  const first = targets[0];
  return {
    id: 'service:svc-1', protocol: 'http', basePath: '',
    hostHeader: first ? `${first.host}:${first.port}` : 'nowhere',
    targets: targets.map((t) => ({ ...t, origin: `http://${t.host}:${t.port}` })),
    connectTimeoutMs: 2000, readTimeoutMs: 5000, writeTimeoutMs: 5000, retries: 5,
    ...over,
  };
}

export function makeRoute(name: string, paths: string[], upstream: Upstream, over: Omit<Partial<CompiledRoute>, 'spec'> & { spec?: Partial<RouteSpec> } = {}): CompiledRoute {
  const { spec: specOver, ...rest } = over;
  const spec: RouteSpec = {
    ref: { kind: 'routes', name }, scope: '', id: `route-${name}`, name, protocols: ['http', 'https'], hosts: [], paths,
    methods: [], headers: [], stripPath: true, preserveHost: false, regexPriority: 0,
    backend: { kind: 'url', protocol: 'http', host: upstream.targets[0]?.host ?? 'nowhere', port: upstream.targets[0]?.port ?? 80, path: upstream.basePath },
    service: DEFAULT_SERVICE, tags: [],
    ...specOver,
  };
  return { id: `route-${name}`, name, spec, upstream, label: name, ...rest };
}

let version = 0;
export function makeSnapshot(routes: CompiledRoute[], consumers: Consumer[] = [], credentials: Credential[] = [], diagnostics: Diagnostic[] = []): Snapshot {
  return {
    version: ++version,
    hash: `hash-${version}`,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    router: prefixRouter(routes),
    routes,
    consumers,
    credentials: { byKey: new Map(credentials.map((c) => [c.key, c])), all: credentials },
    diagnostics,
  };
}
