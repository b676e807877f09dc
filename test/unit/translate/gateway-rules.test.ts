import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../src/model/diagnostics.js';
import type { GatewayRuleSpec } from '../../../src/model/gateway-routes.js';
import { buildConsumers } from '../../../src/translate/consumers.js';
import { buildCredentials } from '../../../src/translate/credentials.js';
import { buildGatewayRules } from '../../../src/translate/gateway-rules.js';
import { UpstreamTable } from '../../../src/translate/upstreams.js';

const service = (id: string) => ({ id, connectTimeoutMs: 60_000, readTimeoutMs: 60_000, writeTimeoutMs: 60_000, retries: 5, tags: [] });
const backend = (name: string, weight: number) => ({
  weight,
  namespace: 'app',
  backend: { kind: 'service' as const, name, port: 80, endpoints: [{ host: '10.0.0.1', port: 8080 }], hostHeader: `${name}.app.svc`, protocol: 'http' as const },
  service: service(`svc-${name}`),
});

function rule(o: Partial<GatewayRuleSpec> = {}): GatewayRuleSpec {
  return {
    ref: { kind: 'HTTPRoute', namespace: 'app', name: 'r' },
    scope: 'app',
    ruleIndex: 0,
    matchIndex: 0,
    hostnames: [],
    tls: false,
    path: { type: 'PathPrefix', value: '/api/' },
    headers: [],
    queryParams: [],
    backends: [backend('a', 1), backend('b', 3), { weight: 2, namespace: 'app' }],
    filters: {},
    ...o,
  };
}

function build(specs: GatewayRuleSpec[]) {
  const diagnostics: Diagnostic[] = [];
  const consumers = buildConsumers([], diagnostics);
  const credentials = buildCredentials([], consumers, diagnostics, { base64Keys: false });
  return { ...buildGatewayRules(specs, consumers, credentials, new UpstreamTable(), diagnostics), diagnostics };
}

describe('buildGatewayRules', () => {
  it('compiles weighted backends (an invalid one keeps its share as undefined), the prefix and the Host-preserving route view', () => {
    const { routes, entries } = build([rule({ requestTimeoutMs: 5000 })]);
    const gw = routes[0]!.gateway!;
    expect(gw.totalWeight).toBe(6);
    expect(gw.backends.map((b) => [b.upstream?.id, b.weight])).toEqual([['k8s:app/a:80', 1], ['k8s:app/b:80', 3], [undefined, 2]]);
    expect(gw.backends[0]!.upstream!.readTimeoutMs).toBe(5000);
    expect(gw.prefix).toBe('/api');
    expect(routes[0]!.spec).toMatchObject({ preserveHost: true, stripPath: false, protocols: ['http'] });
    expect(entries[0]).toMatchObject({ pathType: 'PathPrefix', pathValue: '/api', objectKey: 'app/r' });
  });

  it('an invalid regex drops that match with InvalidRegex on the HTTPRoute', () => {
    const { routes, diagnostics } = build([rule({ path: { type: 'RegularExpression', value: '/(a' } }), rule({ matchIndex: 1 })]);
    expect(routes).toHaveLength(1);
    expect(diagnostics).toMatchObject([{ reason: 'InvalidRegex', field: 'spec.rules[0].matches[0].path.value', object: { kind: 'HTTPRoute', name: 'r' } }]);
  });

  it('a policy attaches an authenticator; a broken policy fails closed', () => {
    const config = { uriParamNames: ['jwt'], cookieNames: [], headerNames: ['authorization'], keyClaimName: 'iss', secretIsBase64: false, claimsToVerify: [], runOnPreflight: true, maximumExpiration: 0 };
    const { routes } = build([rule({ jwt: { id: 'p1', config, scope: 'app' } }), rule({ matchIndex: 1, pluginError: 'JwtPolicy app/x is invalid' })]);
    expect(routes[0]!.auth?.pluginId).toBe('p1');
    expect(routes[1]!.auth).toBeUndefined();
    expect(routes[1]!.pluginError).toBe('JwtPolicy app/x is invalid');
  });
});
