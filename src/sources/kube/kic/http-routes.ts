import { diagnostic, type Diagnostic } from '../../../model/diagnostics.js';
import type { GatewayRuleSpec } from '../../../model/gateway-routes.js';
import { KIC_PLUGINS_ANNOTATION } from '../../../model/kic.js';
import type { CustomObject, SecretObject } from '../types.js';
import { kicRef, pluginNames } from './objects.js';
import { KicPluginResolver } from './plugins.js';
import type { KicObject, KicObjects, KicSettings } from './types.js';

const ANNOTATION_FIELD = `metadata.annotations[${KIC_PLUGINS_ANNOTATION}]`;

/**
 * PURE: konghq.com/plugins on HTTPRoutes (docs/kong-ingress-controller.md#plugins) onto their
 * Gateway API rules. HTTPRoute rules carry jwt only (docs/gateway-api.md#jwt): a jwt KongPlugin
 * applies as a JwtPolicy would; any other plugin, a missing one, or a jwt both ways (KongPlugin and
 * JwtPolicy) fails the route's rules closed (500) with a diagnostic on the HTTPRoute. Global
 * KongClusterPlugins apply to Ingress routes only. KongPlugins' own problems are reported once, by
 * withKicResources.
 */
export function withKicHttpRoutePlugins(
  rules: readonly GatewayRuleSpec[],
  httpRoutes: readonly CustomObject[],
  kic: KicObjects,
  secrets: ReadonlyMap<string, SecretObject>,
  settings: KicSettings,
): { rules: GatewayRuleSpec[]; diagnostics: Diagnostic[] } {
  const annotated = new Map<string, { names: string[]; obj: CustomObject }>();
  for (const r of httpRoutes) {
    const names = pluginNames((r.metadata as KicObject['metadata']).annotations, KIC_PLUGINS_ANNOTATION);
    if (names.length > 0) annotated.set(`${r.metadata.namespace ?? 'default'}/${r.metadata.name ?? ''}`, { names, obj: r });
  }
  if (annotated.size === 0) return { rules: [...rules], diagnostics: [] };
  const resolver = new KicPluginResolver(kic, settings, new Map([...secrets, ...kic.credentialSecrets]), false);
  const diagnostics: Diagnostic[] = [];
  const outcome = new Map<string, { jwt?: GatewayRuleSpec['jwt']; error?: string }>();
  for (const [key, { names, obj }] of annotated) {
    const ref = kicRef('HTTPRoute', obj as KicObject);
    const ns = ref.namespace!;
    const problems: string[] = [];
    for (const name of names) {
      const plugin = resolver.find(ns, name);
      if (plugin === undefined) {
        diagnostics.push(diagnostic('error', ref, 'PluginNotFound', `KongPlugin '${ns}/${name}' not found (nor a KongClusterPlugin '${name}' of class '${settings.className}'); the routes it applies to answer 500`, ANNOTATION_FIELD));
        problems.push(`plugin '${name}' does not exist`);
        continue;
      }
      resolver.attach(plugin, `route:${key}`, `httproute:${key}`);
    }
    const { jwt, pluginError, ...rest } = resolver.resolve(key, '-');
    if (pluginError !== undefined) problems.push(pluginError);
    for (const [field, value] of Object.entries(rest)) {
      if (value === undefined) continue;
      diagnostics.push(diagnostic('error', ref, 'Unsupported', `HTTPRoute rules carry the jwt plugin only; '${field}' from konghq.com/plugins is not supported there (use an Ingress); the route answers 500`, ANNOTATION_FIELD));
      problems.push(`${field} plugin is not supported on HTTPRoute rules`);
    }
    outcome.set(key, {
      ...(jwt !== undefined && { jwt: { id: jwt.id, config: jwt.config, scope: ns } }),
      ...(problems.length > 0 && { error: problems.join('; ') }),
    });
  }
  const out = rules.map((rule) => {
    const o = outcome.get(`${rule.scope}/${rule.ref.name}`);
    if (o === undefined) return rule;
    const next: GatewayRuleSpec = { ...rule };
    let error = o.error;
    if (o.jwt !== undefined) {
      if (next.jwt !== undefined) error = [error, 'jwt configured by a JwtPolicy and a KongPlugin'].filter((e) => e !== undefined).join('; ');
      else next.jwt = o.jwt;
    }
    if (error !== undefined) next.pluginError = [rule.pluginError, error].filter((e) => e !== undefined).join('; ');
    return next;
  });
  for (const [key, o] of outcome) {
    if (o.jwt === undefined) continue;
    const both = rules.some((r) => `${r.scope}/${r.ref.name}` === key && r.jwt !== undefined);
    if (both) {
      const r = annotated.get(key)!;
      diagnostics.push(diagnostic('error', kicRef('HTTPRoute', r.obj as KicObject), 'PluginConflict', "more than one enabled 'jwt' plugin for the same scope (a KongPlugin and a JwtPolicy); routes it applies to answer 500", ANNOTATION_FIELD));
    }
  }
  return { rules: out, diagnostics };
}
