import type { ObjectRef } from '../../../model/diagnostics.js';
import {
  GATEWAY_API_GROUP,
  httpRouteSpecSchema,
  parseGatewayDuration,
  type HeaderModifier,
  type HttpRouteFilter,
  type HttpRouteRule,
  type HttpRouteSpec,
  type LabelSelector,
  type ParentRef,
} from '../../../model/gateway-api.js';
import type { GatewayBackendSpec, GatewayFilters, GatewayHeaderModifier, GatewayRuleSpec } from '../../../model/gateway-routes.js';
import { compileGatewayRegex } from '../../../snapshot/gateway-router.js';
import { resolveServiceEndpoints } from '../endpoints.js';
import { kubeId } from '../ids.js';
import type { CustomObject, EndpointSliceObject, ServiceObject } from '../types.js';
import { objectRefOf } from '../validate-object.js';
import { intersectHostnames } from './hostnames.js';
import { targetKey, type AppliedPolicy, type PolicyIndex } from './jwt-policies.js';
import { creationTime, type ResolvedGateway, type ResolvedListener } from './listeners.js';
import { referenceAllowed, type Grants } from './reference-grants.js';

const SUPPORTED_FILTERS = new Set(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite']);
const DEFAULT_MS = 60_000;

/** One parentRef's outcome, for RouteParentStatus. */
export interface ParentOutcome {
  parentRef: ParentRef;
  accepted: { ok: boolean; reason: string; message: string };
  resolvedRefs: { ok: boolean; reason: string; message: string };
}

export interface RouteOutcome {
  obj: CustomObject;
  ref: ObjectRef;
  /** Only parents that are Gateways of our class. */
  parents: ParentOutcome[];
}

export interface RouteInputs {
  gateways: ReadonlyMap<string, ResolvedGateway>;
  services: ReadonlyMap<string, ServiceObject>;
  endpointSlices: ReadonlyMap<string, EndpointSliceObject[]>;
  namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;
  grants: Grants;
  policies: PolicyIndex;
}

/**
 * One HTTPRoute → its rules bound to the listeners it attaches to (GatewayRuleSpec, one per match
 * and side) and the status of each of our parents (docs/gateway-api.md#httproute). A route with a
 * filter we do not implement is not Accepted (UnsupportedValue) and not served, as the spec says.
 */
export function resolveHttpRoute(obj: CustomObject, inputs: RouteInputs, rules: GatewayRuleSpec[]): RouteOutcome {
  const ref = objectRefOf('HTTPRoute', obj);
  const ns = ref.namespace!;
  const out: RouteOutcome = { obj, ref, parents: [] };
  const parsed = httpRouteSpecSchema.safeParse(obj.spec);
  const parentRefs = parsed.success ? parsed.data.parentRefs : lenientParents(obj.spec);
  const unsupported = parsed.success ? unsupportedValue(parsed.data) : `spec: ${parsed.error.issues[0]?.message ?? 'invalid'}`;
  const backends = parsed.success ? resolveBackends(parsed.data, ns, inputs) : undefined;
  const createdAt = creationTime(obj);
  const policy = inputs.policies.byTarget.get(targetKey('HTTPRoute', ns, ref.name));

  for (const p of parentRefs) {
    if (p.group !== GATEWAY_API_GROUP || p.kind !== 'Gateway') continue;
    const gwNs = p.namespace ?? ns;
    const gw = inputs.gateways.get(`${gwNs}/${p.name}`);
    if (gw === undefined) continue; // not ours (or absent): another controller's business
    const outcome: ParentOutcome = {
      parentRef: p,
      accepted: { ok: true, reason: 'Accepted', message: 'attached' },
      resolvedRefs: backends?.problem === undefined ? { ok: true, reason: 'ResolvedRefs', message: 'all references resolved' } : { ok: false, ...backends.problem },
    };
    out.parents.push(outcome);
    if (unsupported !== undefined || backends === undefined || !parsed.success) {
      outcome.accepted = { ok: false, reason: 'UnsupportedValue', message: unsupported ?? 'invalid spec' };
      continue;
    }
    const candidates = gw.listeners.filter((l) => (p.sectionName === undefined || l.listener.name === p.sectionName) && (p.port === undefined || l.listener.port === p.port));
    if (candidates.length === 0) {
      outcome.accepted = { ok: false, reason: 'NoMatchingParent', message: 'no listener has this sectionName / port' };
      continue;
    }
    const allowed = candidates.filter((l) => l.usable && routeAllowed(l, ns, gw.ref.namespace!, inputs.namespaceLabels));
    if (allowed.length === 0) {
      outcome.accepted = { ok: false, reason: 'NotAllowedByListeners', message: 'no listener accepts HTTPRoutes from this namespace' };
      continue;
    }
    let attached = 0;
    for (const l of allowed) {
      const hostnames = intersectHostnames(l.listener.hostname, parsed.data.hostnames);
      if (hostnames === null) continue;
      attached++;
      l.attachedRoutes++;
      const gwPolicy = inputs.policies.byTarget.get(targetKey('Gateway', gw.ref.namespace!, gw.ref.name));
      emitRules(parsed.data, { ref, ns, createdAt, hostnames, tls: l.tls, listenerPort: l.podPort, listenerHostname: l.listener.hostname ?? '', gatewayPort: l.listener.port, backends: backends.list, policy: policy ?? gwPolicy }, rules);
    }
    if (attached === 0) outcome.accepted = { ok: false, reason: 'NoMatchingListenerHostname', message: 'no listener hostname intersects the route hostnames' };
  }
  return out;
}

function lenientParents(spec: unknown): ParentRef[] {
  const refs = (spec as { parentRefs?: unknown } | undefined)?.parentRefs;
  if (!Array.isArray(refs)) return [];
  return refs
    .filter((r): r is { name: string } => typeof r?.name === 'string')
    .map((r) => ({ group: GATEWAY_API_GROUP, kind: 'Gateway', ...r }) as ParentRef);
}

/** A filter, match type or regex we cannot serve: the route is not Accepted (UnsupportedValue). */
function unsupportedValue(spec: HttpRouteSpec): string | undefined {
  for (const [i, rule] of spec.rules.entries()) {
    for (const [j, f] of rule.filters.entries()) {
      if (!SUPPORTED_FILTERS.has(f.type)) return `spec.rules[${i}].filters[${j}]: filter type ${f.type} is not supported`;
      if (f.type === 'URLRewrite' || f.type === 'RequestRedirect') {
        const path = f.type === 'URLRewrite' ? f.urlRewrite?.path : f.requestRedirect?.path;
        if (path !== undefined && path.type === 'ReplacePrefixMatch' && !rule.matches.every((m) => m.path.type === 'PathPrefix')) {
          return `spec.rules[${i}].filters[${j}]: ReplacePrefixMatch needs PathPrefix matches`;
        }
      }
    }
    for (const [j, b] of rule.backendRefs.entries()) {
      if (b.filters.length > 0) return `spec.rules[${i}].backendRefs[${j}].filters: backendRef filters are not supported`;
    }
    for (const [j, m] of rule.matches.entries()) {
      const at = `spec.rules[${i}].matches[${j}]`;
      if (!['Exact', 'PathPrefix', 'RegularExpression'].includes(m.path.type)) return `${at}.path.type ${m.path.type} is not supported`;
      if (m.path.type === 'RegularExpression' && 'error' in compileGatewayRegex(m.path.value)) return `${at}.path.value: invalid regex`;
      for (const list of [m.headers, m.queryParams]) {
        for (const h of list) {
          if (h.type !== 'Exact' && h.type !== 'RegularExpression') return `${at}: match type ${h.type} is not supported`;
          if (h.type === 'RegularExpression' && 'error' in compileGatewayRegex(h.value)) return `${at}: invalid regex for ${h.name}`;
        }
      }
    }
  }
  return undefined;
}

function routeAllowed(l: ResolvedListener, routeNs: string, gatewayNs: string, labels: RouteInputs['namespaceLabels']): boolean {
  if (l.supportedKinds.length === 0) return false;
  const ns = l.listener.allowedRoutes.namespaces;
  if (ns.from === 'All') return true;
  if (ns.from === 'Same') return routeNs === gatewayNs;
  if (ns.from === 'Selector') return ns.selector !== undefined && selectorMatches(ns.selector, labels.get(routeNs) ?? {});
  return false;
}

export function selectorMatches(sel: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]!);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && inValues) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

type Problem = { reason: string; message: string };

/** backendRefs of every rule → backends (undefined backend = invalid ref, 500 for its share) and the first problem. */
function resolveBackends(spec: HttpRouteSpec, ns: string, inputs: RouteInputs): { list: GatewayBackendSpec[][]; problem?: Problem } {
  // The first problem, found inside the callbacks below.
  const first: { problem?: Problem } = {};
  const list = spec.rules.map((rule, i) =>
    rule.backendRefs.map((b, j): GatewayBackendSpec => {
      const field = `spec.rules[${i}].backendRefs[${j}]`;
      const bns = b.namespace ?? ns;
      const invalid = (reason: string, message: string): GatewayBackendSpec => {
        first.problem ??= { reason, message: `${field}: ${message}` };
        return { weight: b.weight, namespace: bns };
      };
      if (b.group !== '' || b.kind !== 'Service') return invalid('InvalidKind', `kind ${b.group === '' ? '' : `${b.group}/`}${b.kind} is not supported (core Service is)`);
      if (bns !== ns && !referenceAllowed(inputs.grants, { group: GATEWAY_API_GROUP, kind: 'HTTPRoute', namespace: ns }, { group: '', kind: 'Service', namespace: bns, name: b.name })) {
        return invalid('RefNotPermitted', `no ReferenceGrant in ${bns} allows a reference to Service ${b.name}`);
      }
      if (b.port === undefined) return invalid('BackendNotFound', 'port is required for a Service');
      const key = `${bns}/${b.name}`;
      const resolved = resolveServiceEndpoints(inputs.services.get(key), inputs.endpointSlices.get(key) ?? [], b.port);
      if (resolved.problem?.reason === 'ServiceNotFound') return invalid('BackendNotFound', `Service ${key} not found`);
      if (resolved.problem !== undefined) return invalid('BackendNotFound', `Service ${key} ${resolved.problem.message}`);
      const h2c = resolved.servicePort?.appProtocol === 'kubernetes.io/h2c';
      return {
        weight: b.weight,
        namespace: bns,
        backend: {
          kind: 'service',
          name: b.name,
          port: b.port,
          endpoints: resolved.endpoints,
          hostHeader: `${b.name}.${bns}.svc${b.port === 80 ? '' : `:${b.port}`}`,
          protocol: h2c ? 'grpc' : 'http',
        },
        service: {
          id: kubeId('service', bns, b.name, String(b.port)),
          name: `${bns}.${b.name}.${b.port}`,
          connectTimeoutMs: DEFAULT_MS,
          readTimeoutMs: DEFAULT_MS,
          writeTimeoutMs: DEFAULT_MS,
          retries: 5,
          tags: [],
        },
      };
    }),
  );
  return first.problem === undefined ? { list } : { list, problem: first.problem };
}

interface Binding {
  ref: ObjectRef;
  ns: string;
  createdAt: string | undefined;
  hostnames: string[];
  tls: boolean;
  listenerPort: number | undefined;
  listenerHostname: string;
  /** The Gateway listener's port (not the pod port). */
  gatewayPort: number;
  backends: GatewayBackendSpec[][];
  policy: AppliedPolicy | undefined;
}

function emitRules(spec: HttpRouteSpec, b: Binding, rules: GatewayRuleSpec[]): void {
  spec.rules.forEach((rule, i) => {
    const own = filtersOf(rule);
    // No port and no scheme: the redirect keeps the listener's port (HTTPRouteRedirectPortAndScheme).
    const filters = own.redirect === undefined ? own : { ...own, redirect: { ...own.redirect, listenerPort: b.gatewayPort } };
    const timeout = requestTimeout(rule);
    rule.matches.forEach((m, j) => {
      const r: GatewayRuleSpec = {
        ref: b.ref,
        scope: b.ns,
        ruleIndex: i,
        matchIndex: j,
        hostnames: b.hostnames,
        tls: b.tls,
        ...(b.listenerPort !== undefined && { listenerPort: b.listenerPort, listenerHostname: b.listenerHostname.toLowerCase() }),
        path: { type: m.path.type as GatewayRuleSpec['path']['type'], value: m.path.value },
        headers: m.headers.map((h) => ({ name: h.name.toLowerCase(), type: h.type as 'Exact' | 'RegularExpression', value: h.value })),
        queryParams: m.queryParams.map((q) => ({ name: q.name, type: q.type as 'Exact' | 'RegularExpression', value: q.value })),
        backends: b.backends[i]!,
        filters,
      };
      if (b.createdAt !== undefined) r.createdAt = b.createdAt;
      if (m.method !== undefined) r.method = m.method.toUpperCase();
      if (timeout !== undefined) r.requestTimeoutMs = timeout;
      if (b.policy !== undefined) {
        if (b.policy.error !== undefined) r.pluginError = b.policy.error;
        else r.jwt = { id: b.policy.id, config: b.policy.config!, scope: b.policy.ref.namespace! };
      }
      rules.push(r);
    });
  });
}

function requestTimeout(rule: HttpRouteRule): number | undefined {
  const t = rule.timeouts;
  if (t === undefined) return undefined;
  const values = [t.request, t.backendRequest].filter((v): v is string => v !== undefined).map(parseGatewayDuration);
  const set = values.filter((v): v is number => v !== undefined && v > 0);
  if (set.length > 0) return Math.min(...set);
  return values.includes(0) ? 0 : undefined;
}

function modifier(m: HeaderModifier | undefined): GatewayHeaderModifier | undefined {
  if (m === undefined) return undefined;
  return {
    set: m.set.map((h) => [h.name.toLowerCase(), h.value]),
    add: m.add.map((h) => [h.name.toLowerCase(), h.value]),
    remove: m.remove.map((h) => h.toLowerCase()),
  };
}

function pathOf(p: { type: string; replaceFullPath?: string | undefined; replacePrefixMatch?: string | undefined } | undefined) {
  if (p === undefined) return undefined;
  return p.type === 'ReplaceFullPath'
    ? { type: 'ReplaceFullPath' as const, value: p.replaceFullPath ?? '/' }
    : { type: 'ReplacePrefixMatch' as const, value: p.replacePrefixMatch ?? '/' };
}

function filtersOf(rule: HttpRouteRule): GatewayFilters {
  const out: GatewayFilters = {};
  for (const f of rule.filters as HttpRouteFilter[]) {
    if (f.type === 'RequestHeaderModifier') {
      const m = modifier(f.requestHeaderModifier);
      if (m !== undefined) out.requestHeaders = m;
    } else if (f.type === 'ResponseHeaderModifier') {
      const m = modifier(f.responseHeaderModifier);
      if (m !== undefined) out.responseHeaders = m;
    } else if (f.type === 'RequestRedirect' && f.requestRedirect !== undefined) {
      const r = f.requestRedirect;
      const path = pathOf(r.path);
      out.redirect = {
        statusCode: r.statusCode,
        ...(r.scheme !== undefined && { scheme: r.scheme }),
        ...(r.hostname !== undefined && { hostname: r.hostname }),
        ...(r.port !== undefined && { port: r.port }),
        ...(path !== undefined && { path }),
      };
    } else if (f.type === 'URLRewrite' && f.urlRewrite !== undefined) {
      const path = pathOf(f.urlRewrite.path);
      out.rewrite = { ...(f.urlRewrite.hostname !== undefined && { hostname: f.urlRewrite.hostname }), ...(path !== undefined && { path }) };
    }
  }
  return out;
}
