import { describe, expect, it } from 'vitest';
import { parseHostPolicy } from '../../../../src/model/host-policy.js';
import { toResourceSet } from '../../../../src/sources/kube/to-resource-set.js';
import type { IngressClassObject, IngressObject } from '../../../../src/sources/kube/ingress-types.js';
import type { SecretObject, ServiceObject, ToResourceSetInput } from '../../../../src/sources/kube/types.js';
import { translate } from '../../../../src/translate/translate.js';
import type { Snapshot } from '../../../../src/snapshot/types.js';
import { makeCert } from '../../../support/tls.js';

/** Ingresses through the real pipeline: toResourceSet → translate → the real router. */
const ours: IngressClassObject = { metadata: { name: 'portcullis' }, spec: { controller: 'portcullis.dev/ingress-controller' } };
const nginx: IngressClassObject = { metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } };

let seq = 0;
function ingress(name: string, spec: Record<string, unknown>, meta: Partial<IngressObject['metadata']> = {}): IngressObject {
  seq++;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, creationTimestamp: new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString().replace('.000Z', 'Z'), ...meta },
    spec: { ingressClassName: 'portcullis', ...spec },
  };
}
const backend = (name: string, port: Record<string, unknown> = { number: 80 }) => ({ service: { name, port } });
const svc = (name: string, ports: Array<{ name?: string; port: number }> = [{ name: 'http', port: 80 }]): [string, ServiceObject] => [`ns/${name}`, { metadata: { name, namespace: 'ns' }, spec: { ports } }];

function input(ingresses: IngressObject[], over: Partial<ToResourceSetInput> = {}): ToResourceSetInput {
  return {
    consumers: [], credentials: [], routes: [], secrets: new Map(), endpointSlices: new Map(),
    services: new Map([svc('a'), svc('b'), svc('c'), svc('d')]),
    ingresses, ingressClasses: [ours, nginx], ...over,
  };
}
function snapshot(ingresses: IngressObject[], over: Partial<ToResourceSetInput> = {}, classNames: string[] = []): Snapshot {
  return translate(toResourceSet(input(ingresses, over), { ingress: { classNames } }), 1);
}
/** Which backend Service a request reaches ('-' for none). */
function reach(s: Snapshot, path: string, host = 'x.test'): string {
  const m = s.router.match({ method: 'GET', host, path, header: () => undefined });
  if (!m) return '-';
  const b = m.route.spec.backend;
  return b.kind === 'service' ? b.name : b.host;
}

describe('Ingress paths', () => {
  const s = snapshot([
    ingress('i', {
      rules: [{
        http: {
          paths: [
            { path: '/foo', pathType: 'Prefix', backend: backend('a') },
            { path: '/foo', pathType: 'Exact', backend: backend('b') },
            { path: '/foo/bar/', pathType: 'Prefix', backend: backend('c') },
            { path: '/x.y', pathType: 'Exact', backend: backend('d') },
          ],
        },
      }],
    }),
  ]);

  it.each([
    ['/foo', 'b'], // Exact wins over Prefix for the same path
    ['/foo/', 'a'], // Prefix matches the trailing slash, Exact does not
    ['/foo/baz', 'a'],
    ['/foobar', '-'], // element-wise: not a string prefix
    ['/foo/bar', 'c'], // the longest matching path wins ("/foo/bar/" is "/foo/bar")
    ['/foo/bar/x', 'c'],
    ['/foo/barx', 'a'],
    ['/x.y', 'd'],
    ['/xzy', '-'], // the dot is literal
    ['/x.y/', '-'],
  ])('%s → %s', (path, expected) => {
    expect(s.diagnostics).toEqual([]);
    expect(reach(s, path)).toBe(expected);
  });

  it('ImplementationSpecific is Prefix; Prefix / matches everything, below every longer path', () => {
    const t = snapshot([
      ingress('j', { rules: [{ http: { paths: [{ path: '/api', pathType: 'ImplementationSpecific', backend: backend('a') }, { path: '/', pathType: 'Prefix', backend: backend('b') }] } }] }),
    ]);
    expect([reach(t, '/api'), reach(t, '/api/v1'), reach(t, '/apix'), reach(t, '/'), reach(t, '/other')]).toEqual(['a', 'a', 'b', 'b', 'b']);
  });

  it('hosts: exact, wildcard, and a host rule above any host-less one; defaultBackend catches the rest', () => {
    const t = snapshot([
      ingress('h', {
        defaultBackend: backend('d'),
        rules: [
          { host: 'shop.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('a') }] } },
          { host: '*.wild.test', http: { paths: [{ path: '/w', pathType: 'Prefix', backend: backend('b') }] } },
          { http: { paths: [{ path: '/long/path', pathType: 'Prefix', backend: backend('c') }] } },
        ],
      }),
    ]);
    expect(t.diagnostics).toEqual([]);
    expect(reach(t, '/long/path', 'shop.test')).toBe('a');
    expect(reach(t, '/w', 'x.wild.test')).toBe('b');
    expect(reach(t, '/v', 'x.wild.test')).toBe('d');
    expect(reach(t, '/long/path/1', 'other.test')).toBe('c');
    expect(reach(t, '/', 'other.test')).toBe('d');
  });

  it('keeps path and Host header: no strip_path, preserve_host', () => {
    const rs = toResourceSet(input([ingress('k', { rules: [{ http: { paths: [{ path: '/p', pathType: 'Prefix', backend: backend('a', { name: 'http' }) }] } }] })]), { ingress: { classNames: [] } });
    expect(rs.routes[0]).toMatchObject({ stripPath: false, preserveHost: true, protocols: ['http', 'https'], backend: { kind: 'service', name: 'a', port: 'http', hostHeader: 'a.ns.svc' } });
  });
});

describe('which Ingresses', () => {
  const paths = { rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('a') }] } }] };
  const served = (ings: IngressObject[], classes: IngressClassObject[], classNames: string[] = []) =>
    toResourceSet(input(ings, { ingressClasses: classes }), { ingress: { classNames } }).routes.map((r) => r.ref.name);

  it('ingressClassName of our IngressClass, or a --ingress-class name; never another controller\'s', () => {
    const ings = [ingress('mine', paths), ingress('theirs', { ...paths, ingressClassName: 'nginx' }), ingress('extra', { ...paths, ingressClassName: 'extra' })];
    expect(served(ings, [ours, nginx])).toEqual(['mine']);
    expect(served(ings, [ours, nginx], ['extra'])).toEqual(['mine', 'extra']);
  });

  it('the legacy annotation when spec.ingressClassName is absent', () => {
    const legacy = ingress('legacy', paths, { annotations: { 'kubernetes.io/ingress.class': 'portcullis' } });
    delete (legacy.spec as Record<string, unknown>)['ingressClassName'];
    const other = ingress('other', paths, { annotations: { 'kubernetes.io/ingress.class': 'nginx' } });
    delete (other.spec as Record<string, unknown>)['ingressClassName'];
    expect(served([legacy, other], [ours, nginx])).toEqual(['legacy']);
  });

  it('no class: served only when the one default IngressClass is ours', () => {
    const classless = ingress('classless', paths);
    delete (classless.spec as Record<string, unknown>)['ingressClassName'];
    const def = (c: IngressClassObject): IngressClassObject => ({ ...c, metadata: { ...c.metadata, annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } });
    expect(served([classless], [ours, nginx])).toEqual([]);
    expect(served([classless], [def(ours), nginx])).toEqual(['classless']);
    expect(served([classless], [ours, def(nginx)])).toEqual([]);
    expect(served([classless], [def(ours), def(nginx)])).toEqual([]);
  });

  it('without --ingress (no settings) Ingresses are not looked at', () => {
    expect(toResourceSet(input([ingress('x', paths)])).routes).toEqual([]);
  });
});

describe('jwt annotation', () => {
  const paths = { defaultBackend: backend('d'), rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('a') }] } }] };
  const rs = (annotation: string) =>
    toResourceSet(input([ingress('j', paths, { annotations: { 'portcullis.dev/jwt': annotation } })]), { ingress: { classNames: [] } });

  it('YAML or JSON with the Route spec.plugins.jwt fields, on every path and the defaultBackend', () => {
    for (const a of ['{"claimsToVerify": ["exp"], "keyClaimName": "kid"}', 'claimsToVerify: [exp]\nkeyClaimName: kid\n']) {
      const r = rs(a);
      expect(r.diagnostics).toEqual([]);
      expect(r.routes).toHaveLength(2);
      for (const route of r.routes) {
        expect(route.jwt?.config).toMatchObject({ claimsToVerify: ['exp'], keyClaimName: 'kid', uriParamNames: ['jwt'] });
        expect(route.jwt?.anonymousRefKind).toBe('object-name');
        expect(route.pluginError).toBeUndefined();
      }
    }
  });

  it('"" means the defaults', () => {
    expect(rs('').routes[0]!.jwt?.config.keyClaimName).toBe('iss');
  });

  it.each([
    ['{"claimsToVerify": ["iat"]}', 'claimsToVerify.0'],
    ['{"unknownField": 1}', 'unrecognized'],
    ['[1, 2]', 'mapping'],
    ['{ bad', 'YAML'],
  ])('%s: InvalidPluginConfig naming the annotation; every path fails closed', (a, text) => {
    const r = rs(a);
    expect(r.diagnostics.length).toBeGreaterThan(0);
    for (const d of r.diagnostics) expect(d).toMatchObject({ reason: 'InvalidPluginConfig', field: 'metadata.annotations[portcullis.dev/jwt]', object: { kind: 'Ingress', name: 'j' } });
    expect(r.diagnostics.map((d) => d.message).join(' ')).toMatch(new RegExp(text, 'i'));
    expect(r.routes).toHaveLength(2);
    for (const route of r.routes) expect(route.pluginError).toMatch(/jwt annotation of Ingress ns\/j is invalid/);
  });
});

describe('backends and TLS', () => {
  it('a missing Service or port is a warning naming the path; the path answers 503 meanwhile', () => {
    const r = toResourceSet(
      input([ingress('b', { rules: [{ http: { paths: [{ path: '/a', pathType: 'Prefix', backend: backend('nope') }, { path: '/b', pathType: 'Prefix', backend: backend('a', { name: 'grpc' }) }] } }] })]),
      { ingress: { classNames: [] } },
    );
    expect(r.diagnostics).toEqual([
      expect.objectContaining({ severity: 'warning', reason: 'ServiceNotFound', field: 'spec.rules[0].http.paths[0].backend.service.name' }),
      expect.objectContaining({ severity: 'warning', reason: 'ServicePortNotFound', field: 'spec.rules[0].http.paths[1].backend.service.port' }),
    ]);
    expect(r.routes).toHaveLength(2);
    expect(r.routes.every((x) => x.backend.kind === 'service' && x.backend.endpoints.length === 0)).toBe(true);
  });

  it('resource backends are Unsupported and left out', () => {
    const r = toResourceSet(
      input([ingress('r', { rules: [{ http: { paths: [{ path: '/a', pathType: 'Prefix', backend: { resource: { apiGroup: 'x.io', kind: 'Bucket', name: 'b' } } }] } }] })]),
      { ingress: { classNames: [] } },
    );
    expect(r.routes).toEqual([]);
    expect(r.diagnostics[0]).toMatchObject({ reason: 'Unsupported', field: 'spec.rules[0].http.paths[0].backend.resource' });
  });

  it('an invalid spec is InvalidSpec naming the field; other Ingresses keep serving', () => {
    const r = toResourceSet(
      input([
        ingress('bad', { rules: [{ http: { paths: [{ path: 'relative', pathType: 'Exact', backend: backend('a') }] } }] }),
        ingress('good', { rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('a') }] } }] }),
      ]),
      { ingress: { classNames: [] } },
    );
    expect(r.diagnostics).toEqual([expect.objectContaining({ reason: 'InvalidSpec', field: 'spec.rules.0.http.paths.0.path', object: expect.objectContaining({ name: 'bad' }) })]);
    expect(r.routes.map((x) => x.ref.name)).toEqual(['good']);
  });

  it('spec.tls: the Secret by SNI for the entry hosts, or the rules hosts; a missing Secret names the entry', () => {
    const pair = makeCert('shop');
    const tlsSecret: SecretObject = { data: { 'tls.crt': Buffer.from(pair.cert).toString('base64'), 'tls.key': Buffer.from(pair.key).toString('base64') } };
    const s = snapshot(
      [
        ingress('t', {
          tls: [{ secretName: 'shop' }, { hosts: ['*.wild.test'], secretName: 'shop' }, { hosts: ['m.test'], secretName: 'missing' }],
          rules: [{ host: 'shop.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('a') }] } }],
        }),
      ],
      { secrets: new Map([['ns/shop', tlsSecret]]) },
    );
    expect(s.diagnostics).toEqual([expect.objectContaining({ reason: 'SecretNotFound', field: 'spec.tls[2].secretName' })]);
    expect(s.tls?.exact.get('shop.test')?.source).toBe('Secret ns/shop');
    expect(s.tls?.leadingWildcard.get('.wild.test')?.source).toBe('Secret ns/shop');
  });
});

describe('Ingresses with each other and with Route CRs', () => {
  it('the same host and path in two Ingresses: the older keeps it, the newer gets RouteConflict', () => {
    const paths = (b: string) => ({ rules: [{ host: 'h.test', http: { paths: [{ path: '/p', pathType: 'Prefix', backend: backend(b) }] } }] });
    const older = ingress('older', paths('a'));
    const newer = ingress('newer', paths('b'));
    const s = snapshot([newer, older]);
    expect(reach(s, '/p', 'h.test')).toBe('a');
    expect(s.diagnostics).toEqual([
      expect.objectContaining({ reason: 'RouteConflict', field: 'spec.rules[0].http.paths[0]', object: expect.objectContaining({ kind: 'Ingress', name: 'newer' }) }),
    ]);
  });

  it('the host policy applies to Ingress hosts: HostNotAllowed names the path', () => {
    const policy = parseHostPolicy('rules: [{ name: bank, hosts: ["*.bank.test"], namespaces: [bank] }]');
    if (!policy.ok) throw new Error(policy.message);
    const rs = toResourceSet(
      input([ingress('steal', { rules: [{ host: 'pay.bank.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('a') }] } }] })]),
      { ingress: { classNames: [] }, hostPolicy: policy.policy },
    );
    const s = translate(rs, 1);
    expect(s.routes).toEqual([]);
    expect(s.diagnostics).toEqual([expect.objectContaining({ reason: 'HostNotAllowed', field: 'spec.rules[0].http.paths[0]', object: expect.objectContaining({ kind: 'Ingress', name: 'steal' }) })]);
  });

  it('ranked with Route CRs by Kong priority: an Ingress path (a regex) above a Route prefix, a Route with methods above both', () => {
    const route = (name: string, spec: Record<string, unknown>) => ({
      apiVersion: 'portcullis.dev/v1alpha1', kind: 'Route', metadata: { name, namespace: 'ns' }, spec: { backend: { service: { name: 'c', port: 80 } }, ...spec },
    });
    const s = snapshot([ingress('i', { rules: [{ host: 'h.test', http: { paths: [{ path: '/api', pathType: 'Prefix', backend: backend('a') }] } }] })], {
      routes: [route('plain', { hosts: ['h.test'], paths: ['/api'] }), route('posts', { hosts: ['h.test'], paths: ['/api'], methods: ['POST'] })],
    });
    expect(s.diagnostics).toEqual([]);
    expect(reach(s, '/api', 'h.test')).toBe('a');
    expect(s.router.match({ method: 'POST', host: 'h.test', path: '/api/x', header: () => undefined })?.route.spec.ref.name).toBe('posts');
  });
});
