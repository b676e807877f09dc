import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../../src/model/diagnostics.js';
import { mapJwtClaimsConfig } from '../../../../src/sources/declarative/jwt-claims-config.js';
import { parseDeclarative } from '../../../../src/sources/declarative/parse.js';
import { translate } from '../../../../src/translate/translate.js';

/** The jwt-claims plugin in kong.yml (docs/claims.md#kongyml): config checks, precedence, fail-closed cases. */
describe('mapJwtClaimsConfig', () => {
  it('maps snake_case matchers onto the shared schema, drops nulls, applies defaults', () => {
    const r = mapJwtClaimsConfig({
      audiences: ['a', 'a', 'b'],
      issuers: null,
      claims: [{ path: 'tier', one_of: ['gold'], equals: null }, { path: 'groups', contains_any: ['ops'] }],
      headers: [{ claim: 'sub', header: 'X-Sub', separator: null }],
    });
    expect(r).toEqual({
      ok: true,
      config: {
        audiences: ['a', 'b'],
        claims: [{ path: 'tier', oneOf: ['gold'] }, { path: 'groups', containsAny: ['ops'] }],
        headers: [{ claim: 'sub', header: 'X-Sub', arrays: 'join', separator: ', ' }],
      },
    });
  });

  it.each<[string, unknown, Array<{ field: string; message: RegExp }>]>([
    ['not a record', ['x'], [{ field: 'config', message: /expected a record/ }]],
    ['unknown top-level field', { audience: ['x'] }, [{ field: 'config.audience', message: /unknown field/ }]],
    ['unknown matcher field', { claims: [{ path: 'a', equals: 'x', regex: 'y' }] }, [{ field: 'config.claims[0].regex', message: /unknown field/ }]],
    [
      'camelCase matcher is unknown in kong.yml',
      { claims: [{ path: 'a', oneOf: ['x'] }] },
      [
        { field: 'config.claims[0].oneOf', message: /unknown field/ },
        { field: 'config.claims[0]', message: /exactly one of equals, one_of/ },
      ],
    ],
    ['two operators', { claims: [{ path: 'a', equals: 'x', one_of: ['y'] }] }, [{ field: 'config.claims[0]', message: /exactly one of equals, one_of, contains, contains_any/ }]],
    ['no operator', { claims: [{ path: 'a' }] }, [{ field: 'config.claims[0]', message: /exactly one of/ }]],
    ['empty path segment', { claims: [{ path: 'a..b', equals: 'x' }] }, [{ field: 'config.claims[0].path', message: /member names separated by "\."/ }]],
    ['non-string value', { claims: [{ path: 'a', equals: true }] }, [{ field: 'config.claims[0].equals', message: /expected string/ }]],
    ['scope with a space', { scopes: ['a b'] }, [{ field: 'config.scopes[0]', message: /one scope/ }]],
    ['empty audiences', { audiences: [] }, [{ field: 'config.audiences', message: /must not be empty/ }]],
    ['header name with "_"', { headers: [{ claim: 'sub', header: 'X_Sub' }] }, [{ field: 'config.headers[0].header', message: /no "_"/ }]],
    ['header name with a space', { headers: [{ claim: 'sub', header: 'X Sub' }] }, [{ field: 'config.headers[0].header', message: /HTTP header name/ }]],
    ['reserved header', { headers: [{ claim: 'sub', header: 'X-Consumer-Username' }] }, [{ field: 'config.headers[0].header', message: /'x-consumer-username' is set or removed by the gateway/ }]],
    ['authorization is reserved', { headers: [{ claim: 'sub', header: 'Authorization' }] }, [{ field: 'config.headers[0].header', message: /set or removed by the gateway/ }]],
    ['grpc-* is reserved', { headers: [{ claim: 'sub', header: 'grpc-timeout' }] }, [{ field: 'config.headers[0].header', message: /set or removed by the gateway/ }]],
    ['same header twice, any case', { headers: [{ claim: 'a', header: 'X-A' }, { claim: 'b', header: 'x-a' }] }, [{ field: 'config.headers[1].header', message: /mapped more than once/ }]],
    ['unknown arrays mode', { headers: [{ claim: 'a', header: 'X-A', arrays: 'csv' }] }, [{ field: 'config.headers[0].arrays', message: /join|json/ }]],
    ['separator with a newline', { headers: [{ claim: 'a', header: 'X-A', separator: '\n' }] }, [{ field: 'config.headers[0].separator', message: /control characters/ }]],
  ])('%s', (_n, raw, want) => {
    const r = mapJwtClaimsConfig(raw);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toHaveLength(want.length);
    want.forEach((w, i) => {
      expect(r.issues[i]!.field).toBe(w.field);
      expect(r.issues[i]!.message).toMatch(w.message);
    });
  });
});

const head = `_format_version: "3.0"
consumers:
  - username: alice
    jwt_secrets: [{ key: k, secret: s3cr3t-0123456789abcdef }]
`;
const load = (body: string) => {
  const { resources } = parseDeclarative(head + body, 'kong.yml');
  const snap = translate(resources, 1);
  return { resources, snap, errors: snap.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic) };
};

describe('kong.yml: precedence and fail-closed cases', () => {
  it('route > service > global, one instance; the global one applies where nothing narrower does', () => {
    const { snap, errors } = load(`
plugins:
  - name: jwt
  - name: jwt-claims
    config: { audiences: [global] }
services:
  - name: s
    url: http://127.0.0.1:9
    plugins:
      - name: jwt-claims
        config: { audiences: [service] }
    routes:
      - name: by-service
        paths: [/s]
      - name: by-route
        paths: [/r]
        plugins:
          - name: jwt-claims
            config: { audiences: [route], headers: [{ claim: sub, header: X-Sub }] }
  - name: t
    url: http://127.0.0.1:9
    routes:
      - name: by-global
        paths: [/g]
`);
    expect(errors).toEqual([]);
    const aud = (name: string) => snap.routes.find((r) => r.name === name)!.claims?.config.audiences;
    expect(aud('by-route')).toEqual(['route']);
    expect(aud('by-service')).toEqual(['service']);
    expect(aud('by-global')).toEqual(['global']);
    expect(snap.claimHeaders?.names).toEqual(['x-sub']);
  });

  it('jwt-claims without jwt: a diagnostic on the route, which answers 500; other routes keep serving', () => {
    const { snap, errors } = load(`
services:
  - name: s
    url: http://127.0.0.1:9
    routes:
      - name: alone
        paths: [/a]
        plugins:
          - name: jwt-claims
            config: { headers: [{ claim: sub, header: X-Sub }] }
      - name: fine
        paths: [/b]
        plugins: [{ name: jwt }, { name: jwt-claims, config: { issuers: [x] } }]
`);
    expect(errors).toEqual([
      "kong.yml: services[0].routes[0] (routes 'alone'): plugins: the jwt-claims plugin services[0].routes[0].plugins[0] applies to this route but no jwt plugin does; the route answers 500 until one does",
    ]);
    const alone = snap.routes.find((r) => r.name === 'alone')!;
    expect(alone.pluginError).toMatch(/without a jwt plugin/);
    expect(alone.claims).toBeUndefined();
    expect(snap.diagnostics.find((d) => d.reason === 'ClaimsWithoutJwt')?.object.name).toBe('alone');
    const fine = snap.routes.find((r) => r.name === 'fine')!;
    expect(fine.pluginError).toBeUndefined();
    expect(fine.claims?.config.issuers).toEqual(['x']);
    // A configured name is stripped everywhere, even from the failing route's config.
    expect(snap.claimHeaders?.has('X-SUB')).toBe(true);
  });

  it('an invalid config fails its routes closed and names the field; a disabled one is ignored; two in one scope conflict', () => {
    const { snap, errors } = load(`
services:
  - name: s
    url: http://127.0.0.1:9
    routes:
      - name: bad
        paths: [/bad]
        plugins: [{ name: jwt }, { name: jwt-claims, config: { claims: [{ path: a }] } }]
      - name: off
        paths: [/off]
        plugins: [{ name: jwt }, { name: jwt-claims, enabled: false, config: { issuers: [x] } }]
      - name: twice
        paths: [/twice]
        plugins: [{ name: jwt }, { name: jwt-claims }, { name: jwt-claims }]
`);
    expect(errors).toEqual([
      "kong.yml: services[0].routes[0].plugins[1] (plugins 'jwt-claims'): config.claims[0]: exactly one of equals, one_of, contains, contains_any is required",
      "kong.yml: services[0].routes[2].plugins[2] (plugins 'jwt-claims'): more than one enabled 'jwt-claims' plugin for the same scope; routes it applies to answer 500",
    ]);
    const route = (n: string) => snap.routes.find((r) => r.name === n)!;
    expect(route('bad').pluginError).toMatch(/jwt-claims plugin .* is invalid/);
    expect(route('off').pluginError).toBeUndefined();
    expect(route('off').claims).toBeUndefined();
    expect(route('twice').pluginError).toMatch(/more than once/);
  });

  it('scoped to a consumer: refused, and the routes it would apply to fail closed', () => {
    const { snap, errors } = load(`
services:
  - name: s
    url: http://127.0.0.1:9
    routes: [{ name: r, paths: [/r], plugins: [{ name: jwt }] }]
plugins:
  - name: jwt-claims
    consumer: alice
    config: { issuers: [x] }
`);
    expect(errors).toEqual(["kong.yml: plugins[0] (plugins 'jwt-claims'): consumer: the jwt-claims plugin cannot be scoped to a consumer; the routes it applies to answer 500"]);
    expect(snap.routes[0]!.pluginError).toMatch(/jwt-claims plugin plugins\[0\] is invalid/);
  });

  it('jwt instances a jwt-claims plugin follows keep claims; the others do not', () => {
    const { snap } = load(`
services:
  - name: s
    url: http://127.0.0.1:9
    plugins: [{ name: jwt }]
    routes:
      - { name: plain, paths: [/p] }
      - name: claims
        paths: [/c]
        plugins: [{ name: jwt-claims, config: { issuers: [k] } }]
`);
    const plain = snap.routes.find((r) => r.name === 'plain')!;
    const claims = snap.routes.find((r) => r.name === 'claims')!;
    expect(plain.claims).toBeUndefined();
    expect(snap.claimHeaders).toBeUndefined();
    // Same jwt plugin instance, two authenticators: only the one jwt-claims runs after keeps payloads.
    expect(plain.auth).not.toBe(claims.auth);
    expect(plain.auth!.pluginId).toBe(claims.auth!.pluginId);
  });
});
