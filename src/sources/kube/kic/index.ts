import { diagnostic, type Diagnostic, type ObjectRef } from '../../../model/diagnostics.js';
import { KIC_CONSUMER_KIND, KIC_PLUGINS_ANNOTATION } from '../../../model/kic.js';
import type { RateLimitingForConsumer, ResourceSet, RouteSpec } from '../../../model/resources.js';
import { Reporter } from '../../declarative/report.js';
import type { ResolvedPlugins } from '../../declarative/plugins.js';
import type { IngressObject } from '../ingress-types.js';
import type { SecretObject, ServiceObject } from '../types.js';
import { kicConsumers } from './consumers.js';
import { hasKicClass, kicRef, pluginNames } from './objects.js';
import { consumerScoped, KicPluginResolver } from './plugins.js';
import { RATE_LIMITING_PLUGIN } from '../../declarative/plugins.js';
import { mapRateLimitingConfig } from '../../declarative/kong-plugin-configs.js';
import type { AnnotatedMeta, KicObjects, KicSettings } from './types.js';

export type { KicObjects, KicSettings } from './types.js';

export interface KicInput {
  kic: KicObjects;
  secrets: ReadonlyMap<string, SecretObject>;
  services: ReadonlyMap<string, ServiceObject>;
  ingresses?: readonly IngressObject[];
}

const ANNOTATION_FIELD = `metadata.annotations[${KIC_PLUGINS_ANNOTATION}]`;

/**
 * PURE: adds what KIC's resources say to the ResourceSet the Route CRs and Ingresses made
 * (docs/kong-ingress-controller.md): KIC KongConsumers with their jwt credentials and acl groups,
 * and the KongPlugins / KongClusterPlugins that konghq.com/plugins attaches to the Ingresses'
 * routes (on the Ingress, on its backend Service, or global). Other routes are left as they are.
 */
export function withKicResources(resources: ResourceSet, input: KicInput, settings: KicSettings): ResourceSet {
  const diagnostics: Diagnostic[] = [];
  const taken = new Set(resources.consumers.filter((c) => c.ref.kind === 'KongConsumer').map((c) => `${c.scope}/${c.ref.name}`));
  const found = kicConsumers(input.kic, settings, taken, diagnostics);
  const secrets = new Map<string, SecretObject>([...input.secrets, ...input.kic.credentialSecrets]);
  const resolver = new KicPluginResolver(input.kic, settings, secrets);

  // konghq.com/plugins on a KongConsumer: a consumer whose plugin cannot be honoured is refused
  // (its tokens answer 401), which fails closed for that consumer only.
  const refused = consumerPlugins(input.kic, settings, resolver, diagnostics);
  const consumers = found.consumers.filter((c) => !refused.has(`${c.scope}/${c.ref.name}`));
  const credentials = found.credentials.filter((c) => !refused.has(`${c.scope}/${c.consumerRef}`));

  const ingresses = new Map((input.ingresses ?? []).map((i) => [`${i.metadata.namespace ?? 'default'}/${i.metadata.name ?? ''}`, i]));
  const missing = new Map<string, string>();
  const routes = resources.routes.map((route) => {
    if (route.ref.kind !== 'Ingress') return route;
    const ns = route.scope;
    const ingress = ingresses.get(`${ns}/${route.ref.name}`);
    const routeScope = `route:${route.id}`;
    const errors: string[] = [];
    const attachAll = (meta: AnnotatedMeta | undefined, ref: ObjectRef, scope: string) => {
      for (const name of pluginNames(meta?.annotations, KIC_PLUGINS_ANNOTATION)) {
        const plugin = resolver.find(ns, name);
        if (plugin !== undefined) {
          resolver.attach(plugin, scope, scope);
          continue;
        }
        const key = `${ref.kind}/${ns}/${ref.name}/${name}`;
        if (!missing.has(key)) {
          missing.set(key, name);
          diagnostics.push(diagnostic('error', ref, 'PluginNotFound', `KongPlugin '${ns}/${name}' not found (nor a KongClusterPlugin '${name}' of class '${settings.className}'); the routes it applies to answer 500`, ANNOTATION_FIELD));
        }
        errors.push(`plugin '${name}' named by ${ref.kind} ${ns}/${ref.name} does not exist`);
      }
    };
    attachAll(ingress?.metadata, route.ref, routeScope);
    let serviceScope = 'service:-';
    if (route.backend.kind === 'service') {
      const svc = input.services.get(`${ns}/${route.backend.name}`);
      serviceScope = `service:${ns}/${route.backend.name}`;
      attachAll(svc?.metadata as AnnotatedMeta | undefined, { kind: 'Service', namespace: ns, name: route.backend.name }, serviceScope);
    }
    const merged = merge(route, resolver.resolve(routeScope.slice('route:'.length), serviceScope.slice('service:'.length)), errors, diagnostics);
    return withRouteAnnotations(merged, ingress?.metadata.annotations);
  });

  resolver.checkAll();
  const out: ResourceSet = {
    ...resources,
    consumers: [...resources.consumers, ...consumers],
    credentials: [...resources.credentials, ...credentials],
    routes,
    diagnostics: [...resources.diagnostics, ...unique([...diagnostics, ...resolver.diagnostics()])],
  };
  return out;
}

/** Each diagnostic once: one Ingress makes a route per path, and each would report the same problem. */
function unique(list: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const k = JSON.stringify([d.severity, d.object.kind, d.object.namespace, d.object.name, d.reason, d.field, d.message]);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * KIC's route annotations on the Ingress that change how a route proxies: konghq.com/strip-path
 * (default false), konghq.com/preserve-host (default true) and konghq.com/methods, as KIC sets
 * Kong's strip_path, preserve_host and methods.
 */
function withRouteAnnotations(route: RouteSpec, annotations: Readonly<Record<string, string>> | undefined): RouteSpec {
  const strip = annotations?.['konghq.com/strip-path'];
  const preserve = annotations?.['konghq.com/preserve-host'];
  const methods = annotations?.['konghq.com/methods'];
  if (strip === undefined && preserve === undefined && methods === undefined) return route;
  return {
    ...route,
    stripPath: strip === 'true',
    preserveHost: preserve !== 'false',
    ...(methods !== undefined && { methods: methods.split(',').map((m) => m.trim().toUpperCase()).filter((m) => m !== '') }),
  };
}

/** The KIC consumers (ns/name) refused because of their konghq.com/plugins annotation. */
function consumerPlugins(kic: KicObjects, settings: KicSettings, resolver: KicPluginResolver, diagnostics: Diagnostic[]): Set<string> {
  const refused = new Set<string>();
  const rep = new Reporter('');
  for (const obj of kic.consumers) {
    if (!hasKicClass(obj, settings)) continue;
    const ref = kicRef(KIC_CONSUMER_KIND, obj);
    const ns = ref.namespace!;
    for (const name of pluginNames(obj.metadata.annotations, KIC_PLUGINS_ANNOTATION)) {
      const plugin = resolver.find(ns, name);
      if (plugin === undefined) {
        diagnostics.push(diagnostic('error', ref, 'PluginNotFound', `KongPlugin '${ns}/${name}' not found; the consumer is refused until it exists or the annotation drops it`, ANNOTATION_FIELD));
        refused.add(`${ns}/${ref.name}`);
        continue;
      }
      if (!plugin.core.enabled) continue;
      // rate-limiting applies to this consumer (docs/rate-limiting.md#consumers); the others cannot be honoured.
      if (plugin.core.name === RATE_LIMITING_PLUGIN) {
        // An invalid one refuses this consumer only (its config errors are the KongPlugin's diagnostics).
        if (plugin.core.ok && mapRateLimitingConfig(plugin.core.config).ok) resolver.attachToConsumer(plugin, ns, ref.name);
        else {
          diagnostics.push(diagnostic('error', ref, 'InvalidPluginConfig', `rate-limiting KongPlugin '${name}' is invalid; the consumer is refused (its tokens answer 401) until it is fixed`, ANNOTATION_FIELD));
          refused.add(`${ns}/${ref.name}`);
        }
        continue;
      }
      const kept = consumerScoped({ ...plugin.core, ref, consumerScoped: true }, rep);
      if (kept !== undefined) refused.add(`${ns}/${ref.name}`);
    }
  }
  // consumerScoped() names the field consumerRef; on a KongConsumer it is the annotation.
  for (const d of rep.diagnostics) {
    const refusedToo = d.message.includes('answer 500');
    diagnostics.push({
      ...d,
      field: ANNOTATION_FIELD,
      message: refusedToo ? d.message.replace(/the routes '([^']*)' applies to answer 500/, "'$1' cannot be honoured, so the consumer is refused (its tokens answer 401)") : d.message,
    });
  }
  return refused;
}

/**
 * Kong's resolution for one Ingress route onto its RouteSpec. A plugin configured both ways
 * (the portcullis.dev/jwt annotation and a jwt KongPlugin) is a conflict: the route fails closed.
 */
function merge(route: RouteSpec, resolved: ResolvedPlugins, errors: string[], diagnostics: Diagnostic[]): RouteSpec {
  const { jwt, claims, pluginError, rateLimitingByConsumer, ...rest } = resolved;
  // Consumers are "<ns>/<name>" here: a route resolves only its own namespace's consumers, by object name.
  const byConsumer: RateLimitingForConsumer[] = [];
  for (const { consumerId, ...rl } of rateLimitingByConsumer ?? []) {
    const slash = consumerId.indexOf('/');
    if (consumerId.slice(0, slash) === route.scope) byConsumer.push({ consumerRef: consumerId.slice(slash + 1), consumerRefKind: 'object-name', ...rl });
  }
  if (jwt === undefined && claims === undefined && pluginError === undefined && Object.keys(rest).length === 0 && errors.length === 0 && byConsumer.length === 0) return route;
  const out: RouteSpec = { ...route };
  if (byConsumer.length > 0) out.rateLimitingByConsumer = byConsumer;
  const problems = [...errors];
  if (pluginError !== undefined) problems.push(pluginError);
  const conflict = (name: string) => {
    diagnostics.push(diagnostic('error', route.ref, 'PluginConflict', `more than one enabled '${name}' plugin for the same scope (a KongPlugin and the portcullis.dev annotation); routes it applies to answer 500`, ANNOTATION_FIELD));
    problems.push(`${name} plugin configured twice`);
  };
  if (jwt !== undefined) {
    if (out.jwt !== undefined) conflict('jwt');
    // Kong's anonymous: a consumer id or username (KIC passes the config to Kong as written).
    else out.jwt = { id: jwt.id, config: jwt.config };
  }
  if (claims !== undefined) {
    if (out.claims !== undefined) conflict('jwt-claims');
    else out.claims = { id: claims.id, config: claims.config };
  }
  // Every other plugin the kong.yml path resolves lands on the RouteSpec field of the same name.
  const fields = out as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(rest)) {
    if (v === undefined) continue;
    if (fields[k] !== undefined) conflict(k);
    else fields[k] = v;
  }
  if (out.claims !== undefined && out.jwt === undefined) {
    diagnostics.push(diagnostic('error', route.ref, 'ClaimsWithoutJwt', 'the jwt-claims plugin applies to this route but no jwt plugin does; the route answers 500 until one does', ANNOTATION_FIELD));
    problems.push('jwt-claims plugin applies without a jwt plugin');
  }
  if (problems.length > 0) out.pluginError = [route.pluginError, ...problems].filter((p) => p !== undefined).join('; ');
  return out;
}
