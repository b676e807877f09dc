import { diagnostic, type Diagnostic } from '../model/diagnostics.js';
import type { GatewayRuleSpec } from '../model/gateway-routes.js';
import type { RouteSpec } from '../model/resources.js';
import { compileGatewayRegex, type FullMatchRegex, type GatewayRouteEntry } from '../snapshot/gateway-router.js';
import type { Authenticator, CompiledRoute, CredentialIndex, GatewayRouteRuntime, Upstream } from '../snapshot/types.js';
import type { ConsumerTable } from './consumers.js';
import { jwtAuthenticator } from './routes.js';
import type { UpstreamTable } from './upstreams.js';

/** Kong's service defaults, as Route CRs get them (sources/kube/to-resource-set.ts). */
const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * HTTPRoute matches (GatewayRuleSpec) → compiled routes and router entries (docs/gateway-api.md).
 * A regex the linear-time engine refuses drops that match with an InvalidRegex diagnostic on the
 * HTTPRoute; the rest of the route serves. A rule whose jwt policy could not be built fails closed.
 */
export function buildGatewayRules(
  specs: readonly GatewayRuleSpec[],
  consumers: ConsumerTable,
  credentials: CredentialIndex,
  upstreams: UpstreamTable,
  diagnostics: Diagnostic[],
): { routes: CompiledRoute[]; entries: GatewayRouteEntry[] } {
  const routes: CompiledRoute[] = [];
  const entries: GatewayRouteEntry[] = [];
  const authenticators = new Map<string, Authenticator>();
  for (const spec of specs) {
    const field = `spec.rules[${spec.ruleIndex}].matches[${spec.matchIndex}]`;
    let pathRegex: FullMatchRegex | undefined;
    if (spec.path.type === 'RegularExpression') {
      const r = compileGatewayRegex(spec.path.value);
      if ('error' in r) {
        diagnostics.push(diagnostic('error', spec.ref, 'InvalidRegex', `invalid regex: ${r.error}`, `${field}.path.value`));
        continue;
      }
      pathRegex = r;
    }
    const headers = valueMatches(spec.headers, `${field}.headers`, spec, diagnostics);
    const queryParams = valueMatches(spec.queryParams, `${field}.queryParams`, spec, diagnostics);
    if (headers === undefined || queryParams === undefined) continue;

    const routeSpec = routeSpecOf(spec);
    const backends = spec.backends.map((b) => ({
      weight: b.weight,
      upstream: b.backend === undefined || b.service === undefined ? undefined : withTimeout(upstreams.forRoute({ ...routeSpec, scope: b.namespace, backend: b.backend, service: b.service }), spec.requestTimeoutMs),
    }));
    const gateway: GatewayRouteRuntime = { backends, totalWeight: backends.reduce((n, b) => n + b.weight, 0), ...spec.filters };
    if (spec.path.type === 'PathPrefix') gateway.prefix = trimSlash(spec.path.value);
    const route: CompiledRoute = {
      id: routeSpec.id!,
      name: routeSpec.name,
      spec: routeSpec,
      // The first usable backend stands in where one upstream is expected (admin API, upgrades).
      upstream: backends.find((b) => b.upstream !== undefined)?.upstream ?? noUpstream(routeSpec),
      label: `${spec.scope}/${spec.ref.name}`,
      gateway,
    };
    if (spec.pluginError !== undefined) route.pluginError = spec.pluginError;
    else if (spec.jwt !== undefined) route.auth = authenticatorFor(spec, authenticators, consumers, credentials);
    routes.push(route);
    entries.push({
      route,
      hostnames: spec.hostnames,
      tls: spec.tls,
      ...(spec.listenerPort !== undefined && { listenerPort: spec.listenerPort, listenerHostname: spec.listenerHostname ?? '' }),
      pathType: spec.path.type,
      pathValue: spec.path.type === 'PathPrefix' ? trimSlash(spec.path.value) : spec.path.value,
      ...(pathRegex !== undefined && { pathRegex }),
      ...(spec.method !== undefined && { method: spec.method }),
      headers,
      queryParams,
      createdAt: spec.createdAt ?? '',
      objectKey: `${spec.scope}/${spec.ref.name}`,
      ruleIndex: spec.ruleIndex,
      matchIndex: spec.matchIndex,
    });
  }
  return { routes, entries };
}

function trimSlash(prefix: string): string {
  return prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
}

function valueMatches(
  list: GatewayRuleSpec['headers'],
  field: string,
  spec: GatewayRuleSpec,
  diagnostics: Diagnostic[],
): Array<{ name: string; exact?: string; regex?: FullMatchRegex }> | undefined {
  const out: Array<{ name: string; exact?: string; regex?: FullMatchRegex }> = [];
  for (const [i, m] of list.entries()) {
    if (m.type === 'Exact') {
      out.push({ name: m.name, exact: m.value });
      continue;
    }
    const r = compileGatewayRegex(m.value);
    if ('error' in r) {
      diagnostics.push(diagnostic('error', spec.ref, 'InvalidRegex', `invalid regex: ${r.error}`, `${field}[${i}].value`));
      return undefined;
    }
    out.push({ name: m.name, regex: r });
  }
  return out;
}

/** The RouteSpec view of a rule: what metrics, the access log and the admin API read. */
function routeSpecOf(spec: GatewayRuleSpec): RouteSpec {
  const id = `httproute:${spec.scope}/${spec.ref.name}:${spec.ruleIndex}:${spec.matchIndex}:${spec.tls ? 'https' : 'http'}${spec.listenerPort === undefined ? '' : `:${spec.listenerPort}:${spec.listenerHostname ?? ''}`}`;
  const route: RouteSpec = {
    ref: spec.ref,
    scope: spec.scope,
    id,
    name: `${spec.scope}.${spec.ref.name}.${spec.ruleIndex}.${spec.matchIndex}`,
    protocols: [spec.tls ? 'https' : 'http'],
    hosts: spec.hostnames,
    paths: [],
    methods: spec.method === undefined ? [] : [spec.method],
    headers: [],
    stripPath: false,
    // Gateway API forwards the client's Host (a URLRewrite hostname replaces it: proxy/gateway-rule.ts).
    preserveHost: true,
    regexPriority: 0,
    backend: { kind: 'url', protocol: 'http', host: '', port: 80, path: '' },
    service: { id, connectTimeoutMs: DEFAULT_TIMEOUT_MS, readTimeoutMs: DEFAULT_TIMEOUT_MS, writeTimeoutMs: DEFAULT_TIMEOUT_MS, retries: 5, tags: [] },
    tags: [],
  };
  if (spec.createdAt !== undefined) route.createdAt = spec.createdAt;
  if (spec.jwt !== undefined) route.jwt = { id: spec.jwt.id, config: spec.jwt.config, anonymousRefKind: 'object-name' };
  return route;
}

/** timeouts.request bounds the wait for the upstream (its read timeout); 0 = none. */
function withTimeout(u: Upstream, ms: number | undefined): Upstream {
  if (ms === undefined || ms === u.readTimeoutMs) return u;
  return { ...u, readTimeoutMs: ms === 0 ? 0 : ms };
}

function noUpstream(spec: RouteSpec): Upstream {
  return {
    id: `none:${spec.id}`,
    protocol: 'http',
    basePath: '',
    hostHeader: '',
    targets: [],
    connectTimeoutMs: DEFAULT_TIMEOUT_MS,
    readTimeoutMs: DEFAULT_TIMEOUT_MS,
    writeTimeoutMs: DEFAULT_TIMEOUT_MS,
    retries: 0,
  };
}

/** One authenticator per policy and scope (the policy's namespace names its anonymous consumer). */
function authenticatorFor(spec: GatewayRuleSpec, cache: Map<string, Authenticator>, consumers: ConsumerTable, credentials: CredentialIndex): Authenticator {
  const jwt = spec.jwt!;
  return jwtAuthenticator(cache, jwt.scope, { ...jwt, anonymousRefKind: 'object-name' }, false, consumers, credentials);
}
