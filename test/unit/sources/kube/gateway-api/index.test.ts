import { describe, expect, it } from 'vitest';
import { translateGatewayApi, type GatewayApiObjects } from '../../../../../src/sources/kube/gateway-api/index.js';
import type { CustomObject, EndpointSliceObject, ServiceObject } from '../../../../../src/sources/kube/types.js';

const GROUP = 'gateway.networking.k8s.io';
const NOW = new Date('2026-12-03T09:00:00Z');
const settings = { httpPort: 80, httpsPort: 443, addresses: [{ type: 'IPAddress' as const, value: '10.0.0.1' }], now: NOW };

const obj = (name: string, namespace: string | undefined, spec: unknown, created = '2026-01-01T00:00:00Z'): CustomObject => ({
  metadata: { name, ...(namespace !== undefined && { namespace }), generation: 2, uid: `uid-${name}`, creationTimestamp: created },
  spec,
});

const svc = (): ServiceObject => ({ metadata: { name: 'web', namespace: 'app' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
const slice: EndpointSliceObject = {
  metadata: { name: 'web-1', namespace: 'app', labels: { 'kubernetes.io/service-name': 'web' } },
  endpoints: [{ addresses: ['10.1.0.5'], conditions: { ready: true } }],
  ports: [{ name: 'http', port: 8080 }],
};

function input(o: Partial<GatewayApiObjects>, services = new Map([['app/web', svc()], ['other/web', { ...svc(), metadata: { name: 'web', namespace: 'other' } }]])) {
  return {
    gatewayApi: {
      gatewayClasses: [obj('pc', undefined, { controllerName: 'portcullis.dev/gateway-controller' }), obj('theirs', undefined, { controllerName: 'example.com/other' })],
      gateways: [],
      httpRoutes: [],
      referenceGrants: [],
      jwtPolicies: [],
      namespaceLabels: new Map<string, Record<string, string>>([['app', { team: 'a' }], ['edge', { team: 'edge' }], ['other', {}]]),
      ...o,
    },
    secrets: new Map(),
    services,
    endpointSlices: new Map([['app/web', [slice]], ['other/web', [{ ...slice, metadata: { ...slice.metadata, namespace: 'other' } }]]]),
  };
}

const gateway = (listeners: unknown[], name = 'gw', cls = 'pc') => obj(name, 'edge', { gatewayClassName: cls, listeners });
const route = (name: string, spec: Record<string, unknown>, ns = 'app') =>
  obj(name, ns, { parentRefs: [{ name: 'gw', namespace: 'edge' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }], ...spec });
const parent = (r: ReturnType<typeof translateGatewayApi>, name: string) => (r.statuses.find((s) => s.kind === 'HTTPRoute' && s.name === name)?.desired['parents'] as any[])[0];
const cond = (conds: any[], type: string) => conds.find((c) => c.type === type);

describe('translateGatewayApi', () => {
  it('only our GatewayClass: Accepted; other classes and their Gateways are left alone', () => {
    const r = translateGatewayApi(input({ gateways: [gateway([{ name: 'h', protocol: 'HTTP', port: 80 }], 'mine'), gateway([{ name: 'h', protocol: 'HTTP', port: 80 }], 'foreign', 'theirs')] }), settings);
    expect(r.statuses.map((s) => `${s.kind}/${s.name}`)).toEqual(['GatewayClass/pc', 'Gateway/mine']);
    expect(cond(r.statuses[0]!.desired['conditions'] as any[], 'Accepted')).toMatchObject({ status: 'True', observedGeneration: 2, lastTransitionTime: '2026-12-03T09:00:00Z' });
  });

  it('listeners: HTTP on 80 and HTTPS on 443 are served; other ports PortUnavailable, other protocols UnsupportedProtocol; same port+hostname HostnameConflict', () => {
    const r = translateGatewayApi(
      input({
        gateways: [
          gateway([
            { name: 'ok', protocol: 'HTTP', port: 80 },
            { name: 'port', protocol: 'HTTP', port: 8080 },
            { name: 'tcp', protocol: 'TCP', port: 80 },
            { name: 'dup', protocol: 'HTTP', port: 80 },
            { name: 'nocert', protocol: 'HTTPS', port: 443, tls: { certificateRefs: [{ name: 'missing' }] } },
          ]),
        ],
      }),
      settings,
    );
    const status = r.statuses.find((s) => s.kind === 'Gateway')!.desired as any;
    const l = Object.fromEntries(status.listeners.map((x: any) => [x.name, x]));
    expect(cond(l.ok.conditions, 'Programmed').status).toBe('True');
    expect(cond(l.port.conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'PortUnavailable' });
    expect(cond(l.tcp.conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'UnsupportedProtocol' });
    expect(cond(l.dup.conditions, 'Conflicted')).toMatchObject({ status: 'True', reason: 'HostnameConflict' });
    expect(cond(l.nocert.conditions, 'ResolvedRefs')).toMatchObject({ status: 'False', reason: 'InvalidCertificateRef' });
    expect(cond(status.conditions, 'Accepted')).toMatchObject({ status: 'True', reason: 'ListenersNotValid' });
    expect(status.addresses).toEqual(settings.addresses);
  });

  it('allowedRoutes: Same refuses other namespaces (NotAllowedByListeners); Selector by namespace labels', () => {
    const same = translateGatewayApi(input({ gateways: [gateway([{ name: 'h', protocol: 'HTTP', port: 80 }])], httpRoutes: [route('r', {})] }), settings);
    expect(cond(parent(same, 'r').conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'NotAllowedByListeners' });
    expect(same.rules).toEqual([]);
    const selector = { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'a' } } } };
    const sel = translateGatewayApi(input({ gateways: [gateway([{ name: 'h', protocol: 'HTTP', port: 80, allowedRoutes: selector }])], httpRoutes: [route('r', {}), route('o', {}, 'other')] }), settings);
    expect(cond(parent(sel, 'r').conditions, 'Accepted').status).toBe('True');
    expect(cond(parent(sel, 'o').conditions, 'Accepted').reason).toBe('NotAllowedByListeners');
    expect(sel.rules.map((x) => x.ref.name)).toEqual(['r']);
  });

  it('hostnames intersect with the listener; none: NoMatchingListenerHostname; sectionName that does not exist: NoMatchingParent', () => {
    const all = { namespaces: { from: 'All' } };
    const r = translateGatewayApi(
      input({
        gateways: [gateway([{ name: 'h', protocol: 'HTTP', port: 80, hostname: '*.example.com', allowedRoutes: all }])],
        httpRoutes: [
          route('match', { hostnames: ['a.example.com', 'other.io'] }),
          route('nomatch', { hostnames: ['other.io'] }),
          route('nosection', { parentRefs: [{ name: 'gw', namespace: 'edge', sectionName: 'nope' }] }),
        ],
      }),
      settings,
    );
    expect(r.rules.find((x) => x.ref.name === 'match')!.hostnames).toEqual(['a.example.com']);
    expect(cond(parent(r, 'nomatch').conditions, 'Accepted').reason).toBe('NoMatchingListenerHostname');
    expect(cond(parent(r, 'nosection').conditions, 'Accepted').reason).toBe('NoMatchingParent');
  });

  it('backendRefs: cross-namespace needs a ReferenceGrant (RefNotPermitted), a missing Service is BackendNotFound; the route stays Accepted', () => {
    const all = { namespaces: { from: 'All' } };
    const gw = gateway([{ name: 'h', protocol: 'HTTP', port: 80, allowedRoutes: all }]);
    const cross = route('cross', { rules: [{ backendRefs: [{ name: 'web', namespace: 'other', port: 80 }] }] });
    const missing = route('missing', { rules: [{ backendRefs: [{ name: 'nope', port: 80 }] }] });
    const refused = translateGatewayApi(input({ gateways: [gw], httpRoutes: [cross, missing] }), settings);
    expect(cond(parent(refused, 'cross').conditions, 'ResolvedRefs')).toMatchObject({ status: 'False', reason: 'RefNotPermitted' });
    expect(cond(parent(refused, 'cross').conditions, 'Accepted').status).toBe('True');
    expect(cond(parent(refused, 'missing').conditions, 'ResolvedRefs').reason).toBe('BackendNotFound');
    expect(refused.rules.find((x) => x.ref.name === 'cross')!.backends[0]!.backend).toBeUndefined();
    const grant = obj('g', 'other', { from: [{ group: GROUP, kind: 'HTTPRoute', namespace: 'app' }], to: [{ group: '', kind: 'Service' }] });
    const granted = translateGatewayApi(input({ gateways: [gw], httpRoutes: [cross], referenceGrants: [grant] }), settings);
    expect(cond(parent(granted, 'cross').conditions, 'ResolvedRefs').status).toBe('True');
    expect(granted.rules[0]!.backends[0]!.backend).toMatchObject({ kind: 'service', endpoints: [{ host: '10.1.0.5', port: 8080 }] });
  });

  it('an unsupported filter: UnsupportedValue and no rules', () => {
    const all = { namespaces: { from: 'All' } };
    const r = translateGatewayApi(
      input({
        gateways: [gateway([{ name: 'h', protocol: 'HTTP', port: 80, allowedRoutes: all }])],
        httpRoutes: [route('m', { rules: [{ filters: [{ type: 'ExtensionRef', extensionRef: { group: 'x', kind: 'Y', name: 'z' } }], backendRefs: [{ name: 'web', port: 80 }] }] })],
      }),
      settings,
    );
    expect(cond(parent(r, 'm').conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'UnsupportedValue' });
    expect(r.rules).toEqual([]);
  });

  it('JwtPolicy: the route policy wins over the Gateway one; two on one target: the older applies, the newer is a PolicyConflict; a missing target is reported', () => {
    const all = { namespaces: { from: 'All' } };
    const ref = (kind: string, name: string) => ({ group: GROUP, kind, name });
    const r = translateGatewayApi(
      input({
        gateways: [gateway([{ name: 'h', protocol: 'HTTP', port: 80, allowedRoutes: all }])],
        httpRoutes: [route('a', {}), route('b', {})],
        jwtPolicies: [
          obj('on-gw', 'edge', { targetRefs: [ref('Gateway', 'gw')], jwt: { keyClaimName: 'kid' } }),
          obj('on-a-old', 'app', { targetRefs: [ref('HTTPRoute', 'a')], jwt: {} }, '2026-01-01T00:00:00Z'),
          obj('on-a-new', 'app', { targetRefs: [ref('HTTPRoute', 'a')], jwt: {} }, '2026-02-01T00:00:00Z'),
          obj('on-ghost', 'app', { targetRefs: [ref('HTTPRoute', 'ghost')], jwt: {} }),
        ],
      }),
      settings,
    );
    const a = r.rules.find((x) => x.ref.name === 'a')!;
    const b = r.rules.find((x) => x.ref.name === 'b')!;
    expect(a.jwt?.scope).toBe('app');
    expect(b.jwt).toMatchObject({ scope: 'edge', config: { keyClaimName: 'kid' } });
    expect(r.diagnostics.map((d) => `${d.object.name}:${d.reason}:${d.field}`).sort()).toEqual(['on-a-new:PolicyConflict:spec.targetRefs[0]', 'on-ghost:PolicyTargetNotFound:spec.targetRefs[0]']);
  });

  it('an invalid JwtPolicy fails its targets closed instead of leaving them public', () => {
    const all = { namespaces: { from: 'All' } };
    const r = translateGatewayApi(
      input({
        gateways: [gateway([{ name: 'h', protocol: 'HTTP', port: 80, allowedRoutes: all }])],
        httpRoutes: [route('a', {})],
        jwtPolicies: [obj('broken', 'app', { targetRefs: [{ group: GROUP, kind: 'HTTPRoute', name: 'a' }], jwt: { keyClaimName: 7 } })],
      }),
      settings,
    );
    expect(r.rules[0]!.pluginError).toContain('broken');
    expect(r.diagnostics[0]).toMatchObject({ reason: 'InvalidSpec', object: { name: 'broken' } });
  });

  it('listener certificateRefs read unlabelled kubernetes.io/tls Secrets (tlsSecrets); Route CR secrets stay label-only', () => {
    const tlsSecret = { metadata: { name: 'cert', namespace: 'edge' }, type: 'kubernetes.io/tls', data: { 'tls.crt': Buffer.from('CERT').toString('base64'), 'tls.key': Buffer.from('KEY').toString('base64') } };
    const listeners = [{ name: 's', protocol: 'HTTPS', port: 443, tls: { certificateRefs: [{ name: 'cert' }] } }];
    const without = translateGatewayApi(input({ gateways: [gateway(listeners)] }), settings);
    const l0 = (without.statuses.find((s) => s.kind === 'Gateway')!.desired as any).listeners[0];
    expect(cond(l0.conditions, 'ResolvedRefs')).toMatchObject({ status: 'False', reason: 'InvalidCertificateRef' });
    const withTls = translateGatewayApi(input({ gateways: [gateway(listeners)], tlsSecrets: new Map([['edge/cert', tlsSecret]]) }), settings);
    const l1 = (withTls.statuses.find((s) => s.kind === 'Gateway')!.desired as any).listeners[0];
    expect(cond(l1.conditions, 'ResolvedRefs')).toMatchObject({ status: 'True' });
    expect(withTls.certificates.map((c) => [c.cert, c.key, c.source])).toEqual([['CERT', 'KEY', 'Secret edge/cert']]);
  });
});
