import { describe, expect, it } from 'vitest';
import { toResourceSet } from '../../../../src/sources/kube/to-resource-set.js';
import type { CustomObject, SecretObject, ToResourceSetInput } from '../../../../src/sources/kube/types.js';

const cr = (kind: string, name: string, spec: unknown, meta: Partial<CustomObject['metadata']> = {}): CustomObject => ({
  apiVersion: 'portcullis.dev/v1alpha1',
  kind,
  metadata: { name, namespace: 'ns', ...meta },
  spec,
});
const input = (over: Partial<ToResourceSetInput>): ToResourceSetInput => ({
  consumers: [], credentials: [], routes: [], secrets: new Map(), endpointSlices: new Map(), services: new Map(), ...over,
});
const credential = (secret: SecretObject) =>
  toResourceSet(
    input({
      credentials: [cr('JwtCredential', 'c', { consumerRef: { name: 'x' }, key: 'k', secretRef: { name: 's', key: 'secret' } })],
      secrets: new Map([['ns/s', secret]]),
    }),
  );

describe('toResourceSet', () => {
  it.each<[string, SecretObject, string]>([
    ['base64 data of UTF-8 text', { data: { secret: Buffer.from('sécret✓', 'utf8').toString('base64') } }, 'sécret✓'],
    ['trailing newline kept as written', { data: { secret: Buffer.from('abc\n').toString('base64') } }, 'abc\n'],
    ['stringData wins over data', { data: { secret: 'b2xk' }, stringData: { secret: 'new' } }, 'new'],
  ])('%s', (_n, secret, expected) => {
    const rs = credential(secret);
    expect(rs.diagnostics).toEqual([]);
    // HMAC secrets are the Secret's bytes; text stands for its UTF-8 bytes.
    expect(rs.credentials[0]?.secret).toEqual(Buffer.from(expected, 'utf8'));
  });

  it('ObjectRef carries kind, namespace, name, generation and uid', () => {
    const rs = toResourceSet(input({ consumers: [cr('KongConsumer', 'a', { username: 'u' }, { generation: 7, uid: 'u-1' })] }));
    expect(rs.consumers[0]!.ref).toEqual({ kind: 'KongConsumer', namespace: 'ns', name: 'a', generation: 7, uid: 'u-1' });
    expect(rs.consumers[0]!.scope).toBe('ns');
  });

  it('a route with a broken jwt config AND another error is left out', () => {
    const rs = toResourceSet(input({ routes: [cr('Route', 'r', { paths: ['x'], backend: { url: 'http://a' }, plugins: { jwt: { realm: '' } } })] }));
    expect(rs.routes).toEqual([]);
    expect(rs.diagnostics.map((d) => d.field).sort()).toEqual(['spec.paths.0', 'spec.plugins.jwt.realm']);
  });

  it('a route with only a broken jwt config fails closed', () => {
    const rs = toResourceSet(input({ routes: [cr('Route', 'r', { paths: ['/x'], backend: { url: 'http://a' }, plugins: { jwt: { realm: '' } } })] }));
    expect(rs.routes[0]?.pluginError).toMatch(/jwt plugin configuration/);
    expect(rs.routes[0]?.jwt).toBeUndefined();
  });

  it('a missing spec is reported, not thrown', () => {
    const rs = toResourceSet(input({ consumers: [{ metadata: { name: 'a', namespace: 'ns' } }] }));
    expect(rs.consumers).toEqual([]);
    expect(rs.diagnostics[0]).toMatchObject({ reason: 'InvalidSpec', field: 'spec' });
  });

  it('is pure: the input objects are not modified', () => {
    const route = cr('Route', 'r', { paths: ['/x'], backend: { url: 'http://a' }, plugins: { jwt: { anonymous: 'g' } } });
    const consumer = cr('KongConsumer', 'g', { username: 'guest' });
    const before = JSON.stringify([route, consumer]);
    const rs = toResourceSet(input({ routes: [route], consumers: [consumer] }));
    // `anonymous` names the KongConsumer object; the translator resolves it by name in the namespace.
    expect(rs.routes[0]?.jwt).toMatchObject({ config: { anonymous: 'g' }, anonymousRefKind: 'object-name' });
    expect(JSON.stringify([route, consumer])).toBe(before);
  });
});

describe('toResourceSet: spec.plugins.jwtClaims (docs/claims.md)', () => {
  const route = (plugins: unknown) => toResourceSet(input({ routes: [cr('Route', 'r', { paths: ['/r'], backend: { url: 'http://x' }, plugins })] }));

  it('a valid config rides along with jwt, with its own plugin id', () => {
    const rs = route({ jwt: {}, jwtClaims: { audiences: ['api'], headers: [{ claim: 'sub', header: 'X-Sub' }] } });
    expect(rs.diagnostics).toEqual([]);
    const r = rs.routes[0]!;
    expect(r.claims?.config).toEqual({ audiences: ['api'], headers: [{ claim: 'sub', header: 'X-Sub', arrays: 'join', separator: ', ' }] });
    expect(r.claims?.id).not.toBe(r.jwt?.id);
    expect(r.pluginError).toBeUndefined();
  });

  it.each<[string, unknown, string, RegExp]>([
    ['without jwt', { jwtClaims: { issuers: ['x'] } }, 'spec.plugins.jwtClaims', /requires plugins\.jwt/],
    ['a reserved header', { jwt: {}, jwtClaims: { headers: [{ claim: 'sub', header: 'Cookie' }] } }, 'spec.plugins.jwtClaims.headers.0.header', /'cookie' is set or removed/],
    ['a matcher without an operator', { jwt: {}, jwtClaims: { claims: [{ path: 'a' }] } }, 'spec.plugins.jwtClaims.claims.0', /exactly one of/],
  ])('%s: InvalidSpec naming the field; the route is kept and fails closed', (_n, plugins, field, message) => {
    const rs = route(plugins);
    expect(rs.diagnostics).toHaveLength(1);
    expect(rs.diagnostics[0]).toMatchObject({ reason: 'InvalidSpec', field });
    expect(rs.diagnostics[0]!.message).toMatch(message);
    expect(rs.routes[0]!.pluginError).toBe('jwtClaims plugin configuration of Route ns/r is invalid');
    expect(rs.routes[0]!.jwt).toBeUndefined();
    expect(rs.routes[0]!.claims).toBeUndefined();
  });
});
