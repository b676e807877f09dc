import type { ObjectRef } from '../../model/diagnostics.js';
import type { JwtClaimsConfig } from '../../model/jwt-claims-config.js';
import type { JwtPluginConfig } from '../../model/jwt-config.js';
import { mapJwtClaimsConfig } from './jwt-claims-config.js';
import { mapJwtConfig } from './jwt-config.js';
import { mapAclConfig, mapCorrelationIdConfig, mapCorsConfig, mapIpRestrictionConfig, mapRateLimitingConfig, type ConfigResult } from './kong-plugin-configs.js';
import type { AclConfig } from '../../model/acl-config.js';
import type { CorsConfig } from '../../model/cors-config.js';
import type { RateLimitingConfig } from '../../model/rate-limiting-config.js';
import type { CorrelationIdConfig } from '../../model/correlation-id-config.js';
import type { IpRestrictionConfig } from '../../model/ip-restriction-config.js';
import { Fields, isMapping, readId, readReference } from './fields.js';
import type { Reporter } from './report.js';
import { OPENTELEMETRY_PLUGIN, TracingPluginSlot } from './opentelemetry-plugin.js';

const PLUGIN_FIELDS = new Set(['id', 'name', 'instance_name', 'config', 'enabled', 'protocols', 'tags', 'route', 'service', 'consumer']);
const PLUGIN_IGNORED = new Set(['created_at', 'updated_at']);
const PLUGIN_PROTOCOLS = new Set(['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'tls_passthrough', 'udp', 'ws', 'wss']);

/**
 * Plugins that only observe traffic (metrics, logs, tracing, request ids). Leaving them out cannot
 * let a request through that Kong would have refused, so they get a warning and are ignored.
 * EVERY other plugin Portcullis does not implement (key-auth, response-ratelimiting,
 * request-transformer, ...) fails the routes it applies to closed (500): we cannot tell
 * whether it protects something (key-auth does; transformers
 * change what the upstream or browser sees), and serving the route as if the plugin were there
 * would silently weaken it. The diagnostic tells the operator to remove the plugin on purpose.
 */
export const OBSERVABILITY_ONLY_PLUGINS: ReadonlySet<string> = new Set([
  'prometheus', 'file-log', 'http-log', 'tcp-log', 'udp-log', 'syslog', 'loggly', 'statsd', 'datadog', 'zipkin', 'opentelemetry',
]);

export interface PluginCore {
  ref: ObjectRef;
  path: string;
  ok: boolean;
  name?: string;
  explicitId?: string;
  instanceName?: string;
  enabled: boolean;
  config: unknown;
  protocols: string[];
  /** top-level plugins only: references as written */
  routeRef?: string;
  serviceRef?: string;
  consumerRef?: string;
  /** nested in a consumer, or `consumer:` set */
  consumerScoped: boolean;
}

export function parsePlugin(raw: unknown, path: string, topLevel: boolean, nestedInConsumer: boolean, rep: Reporter): PluginCore {
  const name = isMapping(raw) && typeof raw.name === 'string' && raw.name !== '' ? raw.name : undefined;
  const ref = rep.ref('plugins', name ?? path, path);
  if (!isMapping(raw)) {
    rep.error(ref, 'InvalidValue', 'expected a record');
    return { ref, path, ok: false, enabled: true, config: undefined, protocols: [], consumerScoped: nestedInConsumer };
  }
  const f = new Fields(raw, ref, rep);
  f.checkKnown(PLUGIN_FIELDS, PLUGIN_IGNORED);
  f.string('name', true);
  const explicitId = readId(f);
  const instanceName = f.string('instance_name');
  const enabled = f.bool('enabled', true);
  const protocols = f.strings('protocols', ['grpc', 'grpcs', 'http', 'https']);
  protocols.forEach((p, i) => {
    if (!PLUGIN_PROTOCOLS.has(p)) f.fail(`protocols[${i}]`, `unknown protocol '${p}'`);
  });
  f.strings('tags');
  let routeRef: string | undefined;
  let serviceRef: string | undefined;
  let consumerRef: string | undefined;
  if (topLevel) {
    routeRef = readReference(f, 'route');
    serviceRef = readReference(f, 'service');
    consumerRef = readReference(f, 'consumer');
  } else {
    for (const k of ['route', 'service', 'consumer']) if (f.has(k)) f.fail(k, 'must not be set on a nested plugin');
  }
  if (raw.config !== undefined && raw.config !== null && !isMapping(raw.config)) f.fail('config', 'expected a record');
  return {
    ref, path, ok: f.ok,
    ...(name !== undefined ? { name } : {}),
    ...(explicitId !== undefined ? { explicitId } : {}),
    ...(instanceName !== undefined ? { instanceName } : {}),
    enabled, config: raw.config, protocols,
    ...(routeRef !== undefined ? { routeRef } : {}),
    ...(serviceRef !== undefined ? { serviceRef } : {}),
    ...(consumerRef !== undefined ? { consumerRef } : {}),
    consumerScoped: nestedInConsumer || consumerRef !== undefined,
  };
}

/** "global", "service:<id>" or "route:<id>". */
export type ScopeKey = string;

type JwtSlot = { ok: true; id: string; config: JwtPluginConfig; protocols: string[] } | { ok: false; reason: string };
type ClaimsSlot = { ok: true; id: string; config: JwtClaimsConfig; path: string } | { ok: false; reason: string };

/** What applies to one route after Kong's precedence. */
export interface ResolvedPlugins {
  jwt?: { id: string; config: JwtPluginConfig; protocols: string[] };
  /** jwt-claims (docs/claims.md); `path` is where it is configured, for diagnostics. */
  claims?: { id: string; config: JwtClaimsConfig; path: string };
  ipRestriction?: { id: string; config: IpRestrictionConfig };
  correlationId?: { id: string; config: CorrelationIdConfig };
  acl?: { id: string; config: AclConfig };
  cors?: { id: string; config: CorsConfig };
  /** `counterScope`: the scope it is configured on (Kong's route_id / service_id in its counter keys). */
  rateLimiting?: { id: string; config: RateLimitingConfig; counterScope: { routeId?: string; serviceId?: string } };
  /** Consumer-scoped rate-limiting instances that win over `rateLimiting` for that consumer, by consumer id (docs/rate-limiting.md#consumers). */
  rateLimitingByConsumer?: Array<{ consumerId: string; id: string; config: RateLimitingConfig; counterScope: { routeId?: string; serviceId?: string } }>;
  pluginError?: string;
}

/** Portcullis' own plugins, beside Kong's jwt. */
export const JWT_CLAIMS_PLUGIN = 'jwt-claims';
/** Kong's plugins implemented beside jwt (docs/ip-restriction.md, docs/correlation-id.md). */
export const IP_RESTRICTION_PLUGIN = 'ip-restriction';
export const CORRELATION_ID_PLUGIN = 'correlation-id';
/** docs/acl.md, docs/cors.md. */
export const ACL_PLUGIN = 'acl';
export const CORS_PLUGIN = 'cors';
export const RATE_LIMITING_PLUGIN = 'rate-limiting';
const SUPPORTED = "only 'jwt', 'jwt-claims', 'ip-restriction', 'correlation-id', 'acl', 'cors' and 'rate-limiting'";

type Slot<T> = { ok: true; id: string; config: T; scope: ScopeKey } | { ok: false; reason: string };

/** One plugin kind's instances by scope: only enabled ones count, one per scope, an invalid one fails its routes closed. */
class SlotTable<T> {
  readonly slots = new Map<ScopeKey, Slot<T>>();
  constructor(
    private readonly name: string,
    private readonly map: (raw: unknown) => ConfigResult<T>,
    private readonly rep: Reporter,
  ) {}

  add(p: PluginCore, scope: ScopeKey, id: string): void {
    const mapped = this.map(p.config);
    if (!mapped.ok) for (const issue of mapped.issues) this.rep.error(p.ref, 'InvalidPluginConfig', issue.message, issue.field);
    if (!p.enabled) return;
    if (this.slots.has(scope)) {
      this.rep.error(p.ref, 'PluginConflict', `more than one enabled '${this.name}' plugin for the same scope; routes it applies to answer 500`);
      this.slots.set(scope, { ok: false, reason: `${this.name} plugin configured more than once for the same scope (${p.path})` });
      return;
    }
    if (!p.ok || !mapped.ok) {
      this.slots.set(scope, { ok: false, reason: `${this.name} plugin ${p.path} is invalid` });
      return;
    }
    this.slots.set(scope, { ok: true, id, config: mapped.config, scope });
  }

  /** Route > service > global: the first scope with an instance wins (Kong's precedence, no merging). */
  resolve(scopes: readonly ScopeKey[], errors: string[]): { id: string; config: T } | undefined {
    const slot = this.resolveScoped(scopes, errors);
    return slot === undefined ? undefined : { id: slot.id, config: slot.config };
  }

  /** As resolve, with the scope the winning instance is configured on. */
  resolveScoped(scopes: readonly ScopeKey[], errors: string[]): { id: string; config: T; scope: ScopeKey } | undefined {
    const slot = scopes.map((s) => this.slots.get(s)).find((s) => s !== undefined);
    if (slot === undefined) return undefined;
    if (!slot.ok) {
      errors.push(slot.reason);
      return undefined;
    }
    return slot;
  }
}

/**
 * Plugin instances by scope, then Kong's precedence per route: exactly ONE jwt instance applies
 * (route > service > global, no merging); any unsupported plugin on any applying scope fails the
 * route closed.
 */
export class PluginTable {
  private readonly jwt = new Map<ScopeKey, JwtSlot>();
  private readonly claims = new Map<ScopeKey, ClaimsSlot>();
  private readonly failures = new Map<ScopeKey, string[]>();
  private readonly ipRestriction: SlotTable<IpRestrictionConfig>;
  private readonly correlationId: SlotTable<CorrelationIdConfig>;
  private readonly acl: SlotTable<AclConfig>;
  private readonly cors: SlotTable<CorsConfig>;
  /** Kong's opentelemetry plugin: one global instance sets the gateway's tracing (docs/tracing.md#kongyml). */
  readonly tracing: TracingPluginSlot;
  private readonly rateLimiting: SlotTable<RateLimitingConfig>;
  /** Consumer-scoped rate-limiting: scopes "consumer:<id>", "consumer:<id>|route:<id>", "consumer:<id>|service:<id>". */
  private readonly rateByConsumer: SlotTable<RateLimitingConfig>;
  private readonly rateConsumers = new Set<string>();
  /** Route scopes whose rate-limiting names both route and service: Kong ranks that pair above a consumer-only instance. */
  private readonly ratePairs = new Set<ScopeKey>();

  constructor(private readonly rep: Reporter) {
    this.tracing = new TracingPluginSlot(rep);
    this.ipRestriction = new SlotTable(IP_RESTRICTION_PLUGIN, mapIpRestrictionConfig, rep);
    this.correlationId = new SlotTable(CORRELATION_ID_PLUGIN, mapCorrelationIdConfig, rep);
    this.acl = new SlotTable(ACL_PLUGIN, mapAclConfig, rep);
    this.cors = new SlotTable(CORS_PLUGIN, mapCorsConfig, rep);
    this.rateLimiting = new SlotTable(RATE_LIMITING_PLUGIN, mapRateLimitingConfig, rep);
    this.rateByConsumer = new SlotTable(RATE_LIMITING_PLUGIN, mapRateLimitingConfig, rep);
  }

  /**
   * A rate-limiting instance scoped to a consumer (alone, or with a route or service): `scope` is
   * the route / service / global scope it would have without the consumer.
   */
  addForConsumer(p: PluginCore, consumerId: string, scope: ScopeKey, id: string): void {
    this.rateConsumers.add(consumerId);
    this.rateByConsumer.add(p, consumerScope(consumerId, scope), id);
  }

  /** A rate-limiting instance naming both a route and a service (kept on the route's scope). */
  markRatePair(scope: ScopeKey): void {
    this.ratePairs.add(scope);
  }

  /** Records one enabled-or-not, already scope-resolved plugin instance. */
  add(p: PluginCore, scope: ScopeKey, id: string): void {
    if (p.name === undefined) {
      if (p.enabled) this.fail(scope, `plugin ${p.path} is invalid`);
      return;
    }
    if (p.name === 'jwt') return this.addJwt(p, scope, id);
    if (p.name === JWT_CLAIMS_PLUGIN) return this.addClaims(p, scope, id);
    if (p.name === IP_RESTRICTION_PLUGIN) return this.ipRestriction.add(p, scope, id);
    if (p.name === CORRELATION_ID_PLUGIN) return this.correlationId.add(p, scope, id);
    if (p.name === ACL_PLUGIN) return this.acl.add(p, scope, id);
    if (p.name === CORS_PLUGIN) return this.cors.add(p, scope, id);
    if (p.name === OPENTELEMETRY_PLUGIN) return this.tracing.add(p, scope);
    if (p.name === RATE_LIMITING_PLUGIN) return this.rateLimiting.add(p, scope, id);
    if (OBSERVABILITY_ONLY_PLUGINS.has(p.name)) {
      this.rep.warn(p.ref, 'UnsupportedPlugin', `plugin '${p.name}' is not implemented by Portcullis; it only observes traffic, so it is ignored`);
      return;
    }
    if (!p.enabled) {
      this.rep.warn(p.ref, 'UnknownPlugin', `plugin '${p.name}' is not supported by Portcullis (${SUPPORTED}); it is disabled, so it is ignored`, 'name');
      return;
    }
    this.rep.error(p.ref, 'UnknownPlugin', `plugin '${p.name}' is not supported by Portcullis (${SUPPORTED}); the routes it applies to answer 500 until it is removed`, 'name');
    this.fail(scope, `plugin '${p.name}' (${p.path}) is not supported`);
  }

  private addJwt(p: PluginCore, scope: ScopeKey, id: string): void {
    const mapped = mapJwtConfig(p.config);
    if (!mapped.ok) {
      for (const issue of mapped.issues) this.rep.error(p.ref, 'InvalidPluginConfig', issue.message, issue.field);
    }
    if (!p.enabled) return; // Kong loads only enabled instances; a disabled one never shadows another.
    const previous = this.jwt.get(scope);
    if (previous !== undefined) {
      this.rep.error(p.ref, 'PluginConflict', "more than one enabled 'jwt' plugin for the same scope; routes it applies to answer 500");
      this.jwt.set(scope, { ok: false, reason: `jwt plugin configured more than once for the same scope (${p.path})` });
      return;
    }
    if (!p.ok || !mapped.ok) {
      this.jwt.set(scope, { ok: false, reason: `jwt plugin ${p.path} is invalid` });
      return;
    }
    this.jwt.set(scope, { ok: true, id, config: mapped.config, protocols: p.protocols });
  }

  /** Same rules as jwt: only enabled instances count, one per scope, an invalid one fails its routes closed. */
  private addClaims(p: PluginCore, scope: ScopeKey, id: string): void {
    const mapped = mapJwtClaimsConfig(p.config);
    if (!mapped.ok) {
      for (const issue of mapped.issues) this.rep.error(p.ref, 'InvalidPluginConfig', issue.message, issue.field);
    }
    if (!p.enabled) return;
    if (this.claims.has(scope)) {
      this.rep.error(p.ref, 'PluginConflict', `more than one enabled '${JWT_CLAIMS_PLUGIN}' plugin for the same scope; routes it applies to answer 500`);
      this.claims.set(scope, { ok: false, reason: `jwt-claims plugin configured more than once for the same scope (${p.path})` });
      return;
    }
    if (!p.ok || !mapped.ok) {
      this.claims.set(scope, { ok: false, reason: `jwt-claims plugin ${p.path} is invalid` });
      return;
    }
    this.claims.set(scope, { ok: true, id, config: mapped.config, path: p.path });
  }

  private fail(scope: ScopeKey, reason: string): void {
    const list = this.failures.get(scope) ?? [];
    list.push(reason);
    this.failures.set(scope, list);
  }

  resolve(routeId: string, serviceId: string): ResolvedPlugins {
    const scopes = [`route:${routeId}`, `service:${serviceId}`, 'global'];
    const errors: string[] = [];
    const winner = scopes.map((s) => this.jwt.get(s)).find((s) => s !== undefined);
    if (winner && !winner.ok) errors.push(winner.reason);
    const claims = scopes.map((s) => this.claims.get(s)).find((s) => s !== undefined);
    if (claims && !claims.ok) errors.push(claims.reason);
    for (const s of scopes) errors.push(...(this.failures.get(s) ?? []));
    const out: ResolvedPlugins = {};
    if (winner?.ok) out.jwt = { id: winner.id, config: winner.config, protocols: winner.protocols };
    if (claims?.ok) out.claims = { id: claims.id, config: claims.config, path: claims.path };
    const ip = this.ipRestriction.resolve(scopes, errors);
    if (ip !== undefined) out.ipRestriction = ip;
    const correlation = this.correlationId.resolve(scopes, errors);
    if (correlation !== undefined) out.correlationId = correlation;
    const acl = this.acl.resolve(scopes, errors);
    if (acl !== undefined) out.acl = acl;
    const cors = this.cors.resolve(scopes, errors);
    if (cors !== undefined) out.cors = cors;
    const rate = this.rateLimiting.resolveScoped(scopes, errors);
    if (rate !== undefined) out.rateLimiting = { id: rate.id, config: rate.config, counterScope: counterScope(rate.scope) };
    const byConsumer = this.resolveRateByConsumer(routeId, serviceId, errors);
    if (byConsumer.length > 0) out.rateLimitingByConsumer = byConsumer;
    if (errors.length > 0) out.pluginError = errors.join('; ');
    return out;
  }

  /**
   * Kong's precedence for one consumer (docs/rate-limiting.md#consumers): consumer + route >
   * consumer + service > route + service > consumer > route > service > global. Resolved here,
   * once per snapshot, so a request only looks its consumer up in the route's map.
   */
  private resolveRateByConsumer(routeId: string, serviceId: string, errors: string[]): NonNullable<ResolvedPlugins['rateLimitingByConsumer']> {
    const out: NonNullable<ResolvedPlugins['rateLimitingByConsumer']> = [];
    if (this.rateConsumers.size === 0) return out;
    const route = `route:${routeId}`;
    const pair = this.ratePairs.has(route) && this.rateLimiting.slots.has(route);
    for (const consumerId of this.rateConsumers) {
      const scopes = [consumerScope(consumerId, route), consumerScope(consumerId, `service:${serviceId}`)];
      if (!pair) scopes.push(consumerScope(consumerId, 'global'));
      const rate = this.rateByConsumer.resolveScoped(scopes, errors);
      if (rate !== undefined) out.push({ consumerId, id: rate.id, config: rate.config, counterScope: counterScope(rate.scope) });
    }
    return out;
  }
}

/** "consumer:<id>" for the global scope, else "consumer:<id>|<scope>". */
function consumerScope(consumerId: string, scope: ScopeKey): ScopeKey {
  return scope === 'global' ? `consumer:${consumerId}` : `consumer:${consumerId}|${scope}`;
}

/** Kong's conf.route_id / conf.service_id of an instance on this scope. */
function counterScope(scope: ScopeKey): { routeId?: string; serviceId?: string } {
  const bar = scope.indexOf('|');
  if (bar !== -1) scope = scope.slice(bar + 1);
  if (scope.startsWith('route:')) return { routeId: scope.slice(6) };
  if (scope.startsWith('service:')) return { serviceId: scope.slice(8) };
  return {};
}
