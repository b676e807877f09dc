import { describe, expect, it } from 'vitest';
import type { GatewayRuleSpec } from '../../../../../src/model/gateway-routes.js';
import { withKicHttpRoutePlugins } from '../../../../../src/sources/kube/kic/http-routes.js';
import type { KicObject, KicObjects } from '../../../../../src/sources/kube/kic/types.js';
import type { CustomObject } from '../../../../../src/sources/kube/types.js';

/** konghq.com/plugins on HTTPRoutes (docs/kong-ingress-controller.md#plugins). */
const rule = (name: string, extra: Partial<GatewayRuleSpec> = {}): GatewayRuleSpec => ({
  ref: { kind: 'HTTPRoute', namespace: 'demo', name },
  scope: 'demo',
  ruleIndex: 0,
  matchIndex: 0,
  hostnames: [],
  tls: false,
  path: { type: 'PathPrefix', value: `/${name}` },
  headers: [],
  queryParams: [],
  backends: [],
  filters: {},
  ...extra,
});
const httpRoute = (name: string, plugins?: string): CustomObject =>
  ({ metadata: { name, namespace: 'demo', ...(plugins !== undefined && { annotations: { 'konghq.com/plugins': plugins } }) }, spec: {} }) as CustomObject;
const plugin = (name: string, body: Record<string, unknown>): KicObject => ({ apiVersion: 'configuration.konghq.com/v1', kind: 'KongPlugin', metadata: { name, namespace: 'demo' }, ...body });
const kic = (plugins: KicObject[], clusterPlugins: KicObject[] = []): KicObjects => ({ consumers: [], consumerGroups: [], plugins, clusterPlugins, credentialSecrets: new Map() });
const settings = { className: 'kong' };

describe('withKicHttpRoutePlugins', () => {
  const plugins = kic(
    [plugin('app-jwt', { plugin: 'jwt', config: { key_claim_name: 'kid' } }), plugin('ips', { plugin: 'ip-restriction', config: { deny: ['10.0.0.1'] } })],
    [{ apiVersion: 'configuration.konghq.com/v1', kind: 'KongClusterPlugin', metadata: { name: 'request-id', annotations: { 'kubernetes.io/ingress.class': 'kong' }, labels: { global: 'true' } }, plugin: 'correlation-id' }],
  );

  it('a jwt KongPlugin applies to the route\'s rules; routes without the annotation (and global plugins) are left alone', () => {
    const out = withKicHttpRoutePlugins([rule('a'), rule('plain')], [httpRoute('a', 'app-jwt'), httpRoute('plain')], plugins, new Map(), settings);
    expect(out.diagnostics).toEqual([]);
    expect(out.rules[0]!.jwt).toMatchObject({ scope: 'demo', config: { keyClaimName: 'kid' } });
    expect(out.rules[0]!.pluginError).toBeUndefined();
    expect(out.rules[1]).toEqual(rule('plain'));
  });

  it('other plugins, missing plugins and jwt both ways fail the rules closed, with a diagnostic on the HTTPRoute', () => {
    const out = withKicHttpRoutePlugins(
      [rule('ips'), rule('gone'), rule('both', { jwt: { id: 'p', config: {} as never, scope: 'demo' } })],
      [httpRoute('ips', 'ips'), httpRoute('gone', 'nowhere'), httpRoute('both', 'app-jwt')],
      plugins,
      new Map(),
      settings,
    );
    expect(out.rules.map((r) => r.pluginError)).toEqual([
      'ipRestriction plugin is not supported on HTTPRoute rules',
      "plugin 'nowhere' does not exist",
      'jwt configured by a JwtPolicy and a KongPlugin',
    ]);
    expect(out.diagnostics.map((d) => `${d.object.name} ${d.reason} ${d.field}`)).toEqual([
      'ips Unsupported metadata.annotations[konghq.com/plugins]',
      'gone PluginNotFound metadata.annotations[konghq.com/plugins]',
      'both PluginConflict metadata.annotations[konghq.com/plugins]',
    ]);
  });
});
