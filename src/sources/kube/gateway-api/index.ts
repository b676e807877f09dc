import type { Diagnostic } from '../../../model/diagnostics.js';
import { GATEWAY_API_GROUP, GATEWAY_CONTROLLER_NAME, gatewayClassSpecSchema } from '../../../model/gateway-api.js';
import type { GatewayResourceSet, GatewayRuleSpec } from '../../../model/gateway-routes.js';
import type { CertificateSpec, ResourceSet } from '../../../model/resources.js';
import type { CustomObject, EndpointSliceObject, SecretObject, ServiceObject, StatusCondition } from '../types.js';
import { resolveHttpRoute, type RouteOutcome } from './http-routes.js';
import { indexJwtPolicies, reportMissingTargets, targetKey } from './jwt-policies.js';
import { planDataPlanes, type DataPlanePlan } from './data-plane.js';
import { resolveGateway, type ResolvedGateway } from './listeners.js';
import { indexGrants } from './reference-grants.js';
import { makeCondition, type GatewayApiObjects, type GatewayApiSettings, type GatewayApiStatus } from './types.js';

export type { GatewayApiObjects, GatewayApiSettings, GatewayApiStatus } from './types.js';

export interface GatewayApiInput {
  gatewayApi: GatewayApiObjects;
  secrets: ReadonlyMap<string, SecretObject>;
  services: ReadonlyMap<string, ServiceObject>;
  endpointSlices: ReadonlyMap<string, EndpointSliceObject[]>;
}

export interface GatewayApiResult {
  rules: GatewayRuleSpec[];
  certificates: CertificateSpec[];
  /** About JwtPolicies (portcullis.dev conditions, the status-reasons table). */
  diagnostics: Diagnostic[];
  statuses: GatewayApiStatus[];
  /** Per-Gateway Services and pod ports, with settings.dataPlane (docs/gateway-api.md#one-address-per-gateway). */
  dataPlane?: DataPlanePlan;
}

/**
 * PURE: the Gateway API objects of our GatewayClasses → HTTPRoute rules for the translator, the
 * HTTPS listeners' certificates, and the status every GatewayClass, Gateway and HTTPRoute parent
 * should carry (docs/gateway-api.md). Objects of other controllers' classes are left alone.
 */
export function translateGatewayApi(input: GatewayApiInput, settings: GatewayApiSettings): GatewayApiResult {
  const { gatewayApi: objs } = input;
  const diagnostics: Diagnostic[] = [];
  const certificates: CertificateSpec[] = [];
  const rules: GatewayRuleSpec[] = [];
  const statuses: GatewayApiStatus[] = [];
  const now = settings.now;

  const ourClasses = new Set<string>();
  for (const gc of objs.gatewayClasses) {
    const parsed = gatewayClassSpecSchema.safeParse(gc.spec);
    if (!parsed.success || parsed.data.controllerName !== GATEWAY_CONTROLLER_NAME || !gc.metadata.name) continue;
    ourClasses.add(gc.metadata.name);
    const gen = gc.metadata.generation;
    statuses.push({
      ...identity('GatewayClass', 'gatewayclasses', gc, false),
      desired: { conditions: [makeCondition('Accepted', true, 'Accepted', 'handled by Portcullis', gen, conditionsOf(gc), now)] },
    });
  }

  const grants = indexGrants(objs.referenceGrants);
  const listenerSecrets = objs.tlsSecrets === undefined ? input.secrets : new Map([...input.secrets, ...objs.tlsSecrets]);
  const gateways = new Map<string, ResolvedGateway>();
  for (const gw of sorted(objs.gateways)) {
    const className = (gw.spec as { gatewayClassName?: unknown } | undefined)?.gatewayClassName;
    if (typeof className !== 'string' || !ourClasses.has(className)) continue;
    const resolved = resolveGateway(gw, settings, listenerSecrets, grants, certificates);
    gateways.set(`${resolved.ref.namespace}/${resolved.ref.name}`, resolved);
  }

  const dataPlane = settings.dataPlane === undefined ? undefined : planDataPlanes([...gateways.values()], input.services, settings);
  const policies = indexJwtPolicies(sorted(objs.jwtPolicies), diagnostics);
  const routes: RouteOutcome[] = [];
  for (const r of sorted(objs.httpRoutes)) {
    routes.push(
      resolveHttpRoute(r, { gateways, services: input.services, endpointSlices: input.endpointSlices, namespaceLabels: objs.namespaceLabels, grants, policies }, rules),
    );
  }
  const served = new Set<string>();
  for (const g of gateways.values()) served.add(targetKey('Gateway', g.ref.namespace!, g.ref.name));
  for (const r of routes) if (r.parents.some((p) => p.accepted.ok)) served.add(targetKey('HTTPRoute', r.ref.namespace!, r.ref.name));
  reportMissingTargets(policies, (k) => served.has(k), diagnostics);

  for (const g of gateways.values()) statuses.push(gatewayStatus(g, settings));
  for (const r of routes) if (r.parents.length > 0) statuses.push(routeStatus(r, now));
  return { rules: mergeBindings(rules), certificates, diagnostics, statuses, ...(dataPlane !== undefined && { dataPlane }) };
}

/**
 * One rule per HTTPRoute match and side: a route bound to several listeners of that side (or to
 * several Gateways) serves the union of their hostnames ([] = any host wins).
 */
function mergeBindings(rules: GatewayRuleSpec[]): GatewayRuleSpec[] {
  const byKey = new Map<string, GatewayRuleSpec>();
  for (const r of rules) {
    const key = `${r.scope}/${r.ref.name}/${r.ruleIndex}/${r.matchIndex}/${r.tls}/${r.listenerPort ?? ''}/${r.listenerHostname ?? ''}`;
    const first = byKey.get(key);
    if (first === undefined) byKey.set(key, { ...r, hostnames: [...r.hostnames] });
    else if (first.hostnames.length > 0) first.hostnames = r.hostnames.length === 0 ? [] : [...new Set([...first.hostnames, ...r.hostnames])];
  }
  return [...byKey.values()];
}

/** Adds the Gateway API result to the Route CRs' ResourceSet (HTTPRoute rules, listener certificates, JwtPolicy diagnostics). */
export function withGatewayApi(resources: ResourceSet, result: GatewayApiResult): GatewayResourceSet {
  const certificates = [...(resources.certificates ?? []), ...result.certificates];
  return {
    ...resources,
    diagnostics: [...resources.diagnostics, ...result.diagnostics],
    gatewayRules: result.rules,
    ...(result.dataPlane !== undefined && { gatewayListenerPorts: result.dataPlane.listenerPorts }),
    ...(certificates.length > 0 && { certificates }),
  };
}

function sorted(objs: readonly CustomObject[]): CustomObject[] {
  const key = (o: CustomObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
  return [...objs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function conditionsOf(o: CustomObject | { conditions?: StatusCondition[] } | undefined): StatusCondition[] | undefined {
  if (o === undefined) return undefined;
  if ('metadata' in o) return o.status?.conditions;
  return o.conditions;
}

function identity(kind: GatewayApiStatus['kind'], plural: GatewayApiStatus['plural'], o: CustomObject, namespaced = true) {
  const m = o.metadata;
  return {
    kind,
    plural,
    ...(namespaced && { namespace: m.namespace ?? 'default' }),
    name: m.name ?? '',
    ...(m.uid !== undefined && { uid: m.uid }),
    ...(m.resourceVersion !== undefined && { resourceVersion: m.resourceVersion }),
    current: o.status as Record<string, unknown> | undefined,
  };
}

function gatewayStatus(g: ResolvedGateway, settings: GatewayApiSettings): GatewayApiStatus {
  const now = settings.now;
  const gen = g.obj.metadata.generation;
  const prev = g.obj.status as { conditions?: StatusCondition[]; listeners?: Array<{ name: string; conditions?: StatusCondition[] }> } | undefined;
  if (g.spec === undefined) {
    return {
      ...identity('Gateway', 'gateways', g.obj),
      desired: {
        conditions: [
          makeCondition('Accepted', false, 'Invalid', g.specError ?? 'invalid spec', gen, prev?.conditions, now),
          makeCondition('Programmed', false, 'Invalid', g.specError ?? 'invalid spec', gen, prev?.conditions, now),
        ],
      },
    };
  }
  const listeners = g.listeners.map((l) => {
    const before = prev?.listeners?.find((x) => x.name === l.listener.name)?.conditions;
    const first = (c: string) => l.problems.find((p) => p.condition === c);
    const acc = first('Accepted');
    const refs = first('ResolvedRefs');
    const conflict = first('Conflicted');
    const programmed = l.usable && refs === undefined;
    return {
      name: l.listener.name,
      supportedKinds: l.supportedKinds,
      attachedRoutes: l.attachedRoutes,
      conditions: [
        makeCondition('Accepted', acc === undefined, acc?.reason ?? 'Accepted', acc?.message ?? 'served', gen, before, now),
        makeCondition('ResolvedRefs', refs === undefined, refs?.reason ?? 'ResolvedRefs', refs?.message ?? 'all references resolved', gen, before, now),
        makeCondition('Conflicted', conflict !== undefined, conflict?.reason ?? 'NoConflicts', conflict?.message ?? 'no conflicts', gen, before, now),
        makeCondition('Programmed', programmed, programmed ? 'Programmed' : 'Invalid', programmed ? 'served' : (acc ?? conflict ?? refs)!.message, gen, before, now),
      ],
    };
  });
  const anyInvalid = g.listeners.some((l) => l.problems.length > 0);
  const anyServed = g.listeners.some((l) => l.usable);
  // Per-Gateway data plane: Programmed once its Service has an address (the leader creates it).
  const addresses = g.address ?? settings.addresses;
  const waiting = anyServed && settings.dataPlane !== undefined && addresses.length === 0;
  const programmed = anyServed && !waiting;
  return {
    ...identity('Gateway', 'gateways', g.obj),
    desired: {
      addresses,
      conditions: [
        makeCondition('Accepted', anyServed, anyInvalid ? 'ListenersNotValid' : 'Accepted', anyInvalid ? 'some listeners are not valid (see status.listeners)' : 'accepted', gen, prev?.conditions, now),
        makeCondition(
          'Programmed',
          programmed,
          programmed ? 'Programmed' : waiting ? 'AddressNotAssigned' : 'Invalid',
          programmed ? 'served by the Portcullis pods' : waiting ? "waiting for the Gateway's Service to get an address" : 'no listener can be served',
          gen,
          prev?.conditions,
          now,
        ),
      ],
      listeners,
    },
  };
}

function routeStatus(r: RouteOutcome, now: Date): GatewayApiStatus {
  const gen = r.obj.metadata.generation;
  const prevParents = (r.obj.status as { parents?: Array<{ parentRef: Record<string, unknown>; controllerName: string; conditions?: StatusCondition[] }> } | undefined)?.parents ?? [];
  const parents = r.parents.map((p) => {
    const parentRef = {
      group: GATEWAY_API_GROUP,
      kind: 'Gateway',
      namespace: p.parentRef.namespace ?? r.ref.namespace!,
      name: p.parentRef.name,
      ...(p.parentRef.sectionName !== undefined && { sectionName: p.parentRef.sectionName }),
      ...(p.parentRef.port !== undefined && { port: p.parentRef.port }),
    };
    const before = prevParents.find((x) => x.controllerName === GATEWAY_CONTROLLER_NAME && sameParent(x.parentRef, parentRef))?.conditions;
    return {
      parentRef,
      controllerName: GATEWAY_CONTROLLER_NAME,
      conditions: [
        makeCondition('Accepted', p.accepted.ok, p.accepted.reason, p.accepted.message, gen, before, now),
        makeCondition('ResolvedRefs', p.resolvedRefs.ok, p.resolvedRefs.reason, p.resolvedRefs.message, gen, before, now),
      ],
    };
  });
  return { ...identity('HTTPRoute', 'httproutes', r.obj), desired: { parents } };
}

export function sameParent(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return (
    (a['name'] ?? '') === (b['name'] ?? '') &&
    (a['namespace'] ?? '') === (b['namespace'] ?? '') &&
    (a['sectionName'] ?? '') === (b['sectionName'] ?? '') &&
    (a['port'] ?? '') === (b['port'] ?? '')
  );
}
