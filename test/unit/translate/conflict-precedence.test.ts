import { describe, expect, it } from 'vitest';
import type { ResourceSet } from '../../../src/model/resources.js';
import { parseDeclarative } from '../../../src/sources/declarative/parse.js';
import { toResourceSet } from '../../../src/sources/kube/to-resource-set.js';
import type { CustomObject, ToResourceSetInput } from '../../../src/sources/kube/types.js';
import { translate } from '../../../src/translate/translate.js';

/**
 * Which of two conflicting objects wins, seen from the router and the credential index: in
 * controller mode the established one (older creationTimestamp, then namespace/name), whatever
 * order the objects arrive in; in kong.yml the file's order, as Kong.
 */
const cr = (kind: string, ns: string, name: string, created: string, spec: unknown): CustomObject =>
  ({ apiVersion: 'portcullis.dev/v1alpha1', kind, metadata: { name, namespace: ns, creationTimestamp: created }, spec }) as CustomObject;
const OLD = '2026-01-01T00:00:00Z';
const NEW = '2026-06-01T00:00:00Z';

function kube(objs: { routes?: CustomObject[]; consumers?: CustomObject[]; credentials?: CustomObject[]; secrets?: Array<[string, string]> }): ResourceSet {
  const input: ToResourceSetInput = {
    consumers: objs.consumers ?? [],
    credentials: objs.credentials ?? [],
    routes: objs.routes ?? [],
    secrets: new Map((objs.secrets ?? []).map(([key, value]) => [key, { stringData: { secret: value } }])),
    endpointSlices: new Map(),
    services: new Map(),
  };
  return toResourceSet(input);
}

const route = (ns: string, name: string, created: string, spec: Record<string, unknown>) =>
  cr('Route', ns, name, created, { backend: { url: `http://127.0.0.1:3000/${ns}` }, ...spec });

function winner(resources: ResourceSet, path: string, method = 'GET', host = 'gw.example'): string | undefined {
  const m = translate(resources, 1).router.match({ method, host, path, header: () => undefined });
  return m?.route.label;
}

function conflicts(resources: ResourceSet) {
  return translate(resources, 1).diagnostics.map((d) => `${d.object.namespace}/${d.object.name} ${d.reason}: ${d.message}`);
}

describe('controller mode: the established Route keeps its requests', () => {
  const victim = route('demo', 'api', OLD, { paths: ['/api'], plugins: { jwt: {} } });
  const intruder = route('aaa-evil', 'api', NEW, { paths: ['/api'] });

  it('an exact duplicate from a namespace that sorts first is refused, in either input order', () => {
    for (const routes of [[victim, intruder], [intruder, victim]]) {
      const rs = kube({ routes });
      expect(winner(rs, '/api/x')).toBe('demo/demo.api');
      expect(conflicts(rs)).toEqual([
        'aaa-evil/api RouteConflict: matches exactly the same requests as Route demo/api, which takes precedence (the older Route wins: creationTimestamp, then namespace/name)',
      ]);
    }
  });

  it('age beats namespace/name; namespace/name breaks a same-second tie', () => {
    const older = route('zzz', 'api', '2025-12-31T23:59:59Z', { paths: ['/api'] });
    expect(winner(kube({ routes: [victim, older] }), '/api')).toBe('zzz/zzz.api');
    const sameSecond = route('aaa', 'api', OLD, { paths: ['/api'] });
    expect(winner(kube({ routes: [victim, sameSecond] }), '/api')).toBe('aaa/aaa.api');
  });

  it('a Route sharing one path at the same priority is refused whole; Kong priority still rules otherwise', () => {
    const wide = route('aaa-evil', 'wide', NEW, { paths: ['/own', '/api'] });
    const longer = route('aaa-evil', 'longer', NEW, { paths: ['/api/v2'] });
    const methods = route('aaa-evil', 'methods', NEW, { paths: ['/api'], methods: ['GET'] });
    const rs = kube({ routes: [wide, longer, methods, victim] });
    expect(winner(rs, '/api')).toBe('aaa-evil/aaa-evil.methods'); // more match fields: Kong's priority
    expect(winner(rs, '/api', 'POST')).toBe('demo/demo.api');
    expect(winner(rs, '/api/v2/x', 'POST')).toBe('aaa-evil/aaa-evil.longer');
    expect(winner(rs, '/own')).toBeUndefined();
    expect(conflicts(rs)).toEqual([expect.stringMatching(/^aaa-evil\/wide RouteConflict: matches some of the same requests as Route demo\/api/)]);
  });

  it('wildcard hosts and host-less method Routes tie when they can match one request', () => {
    const wildcard = route('team-b', 'shop', OLD, { hosts: ['*.example'], paths: ['/cart'] });
    const methodsOnly = route('team-a', 'shop', NEW, { paths: ['/cart'], methods: ['GET'] });
    const rs = kube({ routes: [methodsOnly, wildcard] });
    expect(winner(rs, '/cart', 'GET', 'a.example')).toBe('team-b/team-b.shop');
    expect(conflicts(rs)).toEqual([expect.stringMatching(/^team-a\/shop RouteConflict: .*Route team-b\/shop/)]);
  });

  it('deleting the established Route lets the newcomer take over', () => {
    expect(winner(kube({ routes: [intruder] }), '/api')).toBe('aaa-evil/aaa-evil.api');
  });
});

describe('controller mode: the established credential keeps its key', () => {
  const consumers = ['demo', 'aaa-evil'].map((ns) => cr('KongConsumer', ns, 'c', OLD, { username: `${ns}-user` }));
  const cred = (ns: string, created: string) =>
    cr('JwtCredential', ns, 'cred', created, { consumerRef: { name: 'c' }, key: 'public-key', algorithm: 'HS256', secretRef: { name: 's', key: 'secret' } });
  const secrets: Array<[string, string]> = [['demo/s', 'demo-secret'], ['aaa-evil/s', 'evil-secret']];

  it.each([
    ['demo older', cred('demo', OLD), cred('aaa-evil', NEW), 'demo', 'aaa-evil'],
    ['aaa-evil older', cred('demo', NEW), cred('aaa-evil', OLD), 'aaa-evil', 'demo'],
    ['same second: namespace/name', cred('demo', OLD), cred('aaa-evil', OLD), 'aaa-evil', 'demo'],
  ])('%s', (_n, a, b, keeper, refused) => {
    for (const credentials of [[a, b], [b, a]]) {
      const snapshot = translate(kube({ consumers, credentials, secrets }), 1);
      expect(snapshot.credentials.byKey.get('public-key')?.consumer.username).toBe(`${keeper}-user`);
      expect(snapshot.diagnostics.map((d) => [d.object.namespace, d.reason, d.field])).toEqual([[refused, 'KeyConflict', 'spec.key']]);
      expect(snapshot.diagnostics[0]!.message).toContain(`JwtCredential ${keeper}/cred, which keeps it`);
    }
  });
});

describe('kong.yml keeps Kong semantics', () => {
  const parse = (text: string) => parseDeclarative(text, 'kong.yml').resources;

  it('routes tying in priority are both loaded; the first in the file wins', () => {
    const yml = (first: string, second: string) => `_format_version: "3.0"
services:
  - { name: one, url: "http://127.0.0.1:3001", routes: [{ name: ${first}, paths: [/api] }] }
  - { name: two, url: "http://127.0.0.1:3002", routes: [{ name: ${second}, paths: [/other, /api] }] }
`;
    for (const [a, b] of [['aaa', 'zzz'], ['zzz', 'aaa']] as const) {
      const rs = parse(yml(a, b));
      expect(winner(rs, '/api')).toBe(a);
      expect(winner(rs, '/other')).toBe(b);
      expect(translate(rs, 1).diagnostics).toEqual([]);
    }
  });

  it('a key used twice refuses every credential with it (Kong rejects such a file)', () => {
    const rs = parse(`_format_version: "3.0"
consumers:
  - { username: a, jwt_secrets: [{ key: k, secret: s1 }] }
  - { username: b, jwt_secrets: [{ key: k, secret: s2 }] }
`);
    const snapshot = translate(rs, 1);
    expect(snapshot.credentials.byKey.size).toBe(0);
    expect(snapshot.diagnostics.map((d) => d.reason)).toEqual(['KeyConflict', 'KeyConflict']);
  });
});
