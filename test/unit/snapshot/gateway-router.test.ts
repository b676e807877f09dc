import { describe, expect, it } from 'vitest';
import { compileGatewayRegex, compileGatewayRouter, pathMatches, type GatewayPathType, type GatewayRouteEntry } from '../../../src/snapshot/gateway-router.js';
import type { CompiledRoute, MatchInput, Router } from '../../../src/snapshot/types.js';

/** HTTPRoute precedence as the Gateway API specifies it (docs/gateway-api.md#precedence). */

interface E {
  id: string;
  route?: string;
  created?: string;
  hosts?: string[];
  path?: [GatewayPathType, string];
  method?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  rule?: number;
  match?: number;
  tls?: boolean;
}

function entry(e: E): GatewayRouteEntry {
  const [type, value] = e.path ?? ['PathPrefix', '/'];
  const regex = type === 'RegularExpression' ? compileGatewayRegex(value) : undefined;
  return {
    route: { id: e.id } as CompiledRoute,
    hostnames: e.hosts ?? [],
    tls: e.tls ?? false,
    pathType: type,
    pathValue: type === 'PathPrefix' && value.endsWith('/') ? value.slice(0, -1) : value,
    ...(regex !== undefined && !('error' in regex) && { pathRegex: regex }),
    ...(e.method !== undefined && { method: e.method }),
    headers: Object.entries(e.headers ?? {}).map(([name, exact]) => ({ name, exact })),
    queryParams: Object.entries(e.query ?? {}).map(([name, exact]) => ({ name, exact })),
    createdAt: e.created ?? '2026-01-01T00:00:00.000Z',
    objectKey: `ns/${e.route ?? e.id}`,
    ruleIndex: e.rule ?? 0,
    matchIndex: e.match ?? 0,
  };
}

const kong: Router = { size: 1, match: (i) => (i.path.startsWith('/kong') ? { route: { id: 'kong' } as CompiledRoute, strippedPath: i.path } : undefined) };

function req(path: string, o: { host?: string; method?: string; headers?: Record<string, string>; tls?: boolean } = {}): MatchInput {
  const q = path.indexOf('?');
  return {
    method: o.method ?? 'GET',
    host: o.host ?? 'app.test',
    path: q === -1 ? path : path.slice(0, q),
    rawQuery: q === -1 ? '' : path.slice(q + 1),
    header: (n) => o.headers?.[n],
    tls: o.tls ?? false,
  };
}

const CASES: Array<{ name: string; entries: E[]; request: MatchInput; want: string | undefined }> = [
  { name: 'Exact beats a longer prefix', entries: [{ id: 'prefix', path: ['PathPrefix', '/a/b/c'] }, { id: 'exact', path: ['Exact', '/a/b/c'] }], request: req('/a/b/c'), want: 'exact' },
  { name: 'the longest prefix wins', entries: [{ id: 'short', path: ['PathPrefix', '/a'] }, { id: 'long', path: ['PathPrefix', '/a/b'] }], request: req('/a/b/c'), want: 'long' },
  { name: 'prefixes are element-wise', entries: [{ id: 'root', path: ['PathPrefix', '/'] }, { id: 'ab', path: ['PathPrefix', '/ab'] }], request: req('/abc'), want: 'root' },
  { name: 'a trailing slash in a prefix is ignored', entries: [{ id: 'slash', path: ['PathPrefix', '/foo/'] }], request: req('/foo'), want: 'slash' },
  { name: 'same prefix: a method match wins', entries: [{ id: 'any', path: ['PathPrefix', '/a'] }, { id: 'get', path: ['PathPrefix', '/a'], method: 'GET' }], request: req('/a'), want: 'get' },
  {
    name: 'a method beats more headers',
    entries: [{ id: 'headers', path: ['PathPrefix', '/a'], headers: { x: '1', y: '2' } }, { id: 'method', path: ['PathPrefix', '/a'], method: 'GET' }],
    request: req('/a', { headers: { x: '1', y: '2' } }),
    want: 'method',
  },
  {
    name: 'more header matches win',
    entries: [{ id: 'one', path: ['PathPrefix', '/a'], headers: { x: '1' } }, { id: 'two', path: ['PathPrefix', '/a'], headers: { x: '1', y: '2' } }],
    request: req('/a', { headers: { x: '1', y: '2' } }),
    want: 'two',
  },
  {
    name: 'headers beat query parameters',
    entries: [{ id: 'query', path: ['PathPrefix', '/a'], query: { q: '1', r: '2' } }, { id: 'header', path: ['PathPrefix', '/a'], headers: { x: '1' } }],
    request: req('/a?q=1&r=2', { headers: { x: '1' } }),
    want: 'header',
  },
  { name: 'more query matches win', entries: [{ id: 'none', path: ['PathPrefix', '/a'] }, { id: 'q', path: ['PathPrefix', '/a'], query: { q: 'v w' } }], request: req('/a?q=v%20w'), want: 'q' },
  {
    name: 'a longer prefix beats a method (path first)',
    entries: [{ id: 'method', path: ['PathPrefix', '/a'], method: 'GET' }, { id: 'longer', path: ['PathPrefix', '/a/b'] }],
    request: req('/a/b'),
    want: 'longer',
  },
  {
    name: 'full tie: the oldest route',
    entries: [{ id: 'newer', created: '2026-02-01T00:00:00.000Z' }, { id: 'older', created: '2026-01-15T00:00:00.000Z' }],
    request: req('/x'),
    want: 'older',
  },
  { name: 'same age: alphabetical namespace/name', entries: [{ id: 'b-route' }, { id: 'a-route' }], request: req('/x'), want: 'a-route' },
  {
    name: 'same route: the first rule',
    entries: [{ id: 'second', route: 'r', rule: 1 }, { id: 'first', route: 'r', rule: 0 }],
    request: req('/x'),
    want: 'first',
  },
  {
    name: 'an exact hostname beats a wildcard, whatever the path',
    entries: [{ id: 'wild', hosts: ['*.test'], path: ['Exact', '/x'] }, { id: 'exact-host', hosts: ['app.test'] }],
    request: req('/x'),
    want: 'exact-host',
  },
  {
    name: 'the longer wildcard wins',
    entries: [{ id: 'short', hosts: ['*.test'] }, { id: 'long', hosts: ['*.b.test'] }],
    request: req('/', { host: 'a.b.test' }),
    want: 'long',
  },
  { name: 'a wildcard needs a label in front', entries: [{ id: 'wild', hosts: ['*.app.test'] }], request: req('/'), want: undefined },
  {
    name: 'a non-matching specific host falls back to less specific ones',
    entries: [{ id: 'exact-host', hosts: ['app.test'], path: ['Exact', '/only'] }, { id: 'any' }],
    request: req('/other'),
    want: 'any',
  },
  { name: 'regex paths are full matches, between Exact and PathPrefix', entries: [{ id: 'prefix', path: ['PathPrefix', '/u'] }, { id: 're', path: ['RegularExpression', '/u/[0-9]+'] }], request: req('/u/42'), want: 're' },
  { name: 'a regex must match the whole path', entries: [{ id: 're', path: ['RegularExpression', '/u/[0-9]+'] }], request: req('/u/42/x'), want: undefined },
  { name: 'TLS entries do not serve plaintext', entries: [{ id: 'tls', tls: true }], request: req('/'), want: undefined },
  { name: 'TLS entries serve TLS', entries: [{ id: 'tls', tls: true }], request: req('/', { tls: true }), want: 'tls' },
  { name: 'header values are case-sensitive', entries: [{ id: 'h', headers: { x: 'Yes' } }], request: req('/', { headers: { x: 'yes' } }), want: undefined },
  { name: 'no HTTPRoute match: the Kong router', entries: [{ id: 'other', hosts: ['other.test'] }], request: req('/kong/x'), want: 'kong' },
];

describe('compileGatewayRouter precedence', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const router = compileGatewayRouter(c.entries.map(entry), kong);
      expect(router.match(c.request)?.route.id).toBe(c.want);
      // Input order never matters.
      const reversed = compileGatewayRouter([...c.entries].reverse().map(entry), kong);
      expect(reversed.match(c.request)?.route.id).toBe(c.want);
    });
  }
});

describe('pathMatches', () => {
  it.each([
    ['PathPrefix', '', '/anything', true],
    ['PathPrefix', '/foo', '/foo', true],
    ['PathPrefix', '/foo', '/foo/', true],
    ['PathPrefix', '/foo', '/foobar', false],
    ['Exact', '/foo', '/foo/', false],
  ] as const)('%s %s on %s: %s', (type, value, path, want) => {
    expect(pathMatches({ pathType: type, pathValue: value }, path)).toBe(want);
  });
});

describe('per-Gateway pod ports (docs/gateway-api.md#one-address-per-gateway)', () => {
  const at = (port: number, host: string, path = '/'): MatchInput => ({ ...req(path, { host }), listenerPort: () => port });
  const onPort = (id: string, port: number, listener: string, hosts: string[] = [], path: [GatewayPathType, string] = ['PathPrefix', '/']): GatewayRouteEntry => ({
    ...entry({ id, hosts, path }),
    listenerPort: port,
    listenerHostname: listener,
  });

  it('an entry matches only requests arriving on its pod port; other ports and the shared listener fall through', () => {
    const router = compileGatewayRouter([onPort('one', 20000, ''), onPort('two', 20001, '')], kong);
    expect(router.match(at(20000, 'x.test'))?.route.id).toBe('one');
    expect(router.match(at(20001, 'x.test'))?.route.id).toBe('two');
    expect(router.match(at(20002, 'x.test'))).toBeUndefined();
    expect(router.match(req('/', { host: 'x.test' }))).toBeUndefined();
    expect(router.match(req('/kong', { host: 'x.test' }))?.route.id).toBe('kong');
  });

  it('the most specific listener of the port decides: its routes only, never a less specific listener\'s', () => {
    const router = compileGatewayRouter(
      [
        onPort('empty', 20000, ''),
        onPort('wild', 20000, '*.example.com', ['*.example.com']),
        onPort('wilder', 20000, '*.foo.example.com', ['*.foo.example.com']),
        onPort('abc', 20000, 'abc.foo.example.com', ['abc.foo.example.com'], ['PathPrefix', '/abc']),
      ],
      kong,
    );
    expect(router.match(at(20000, 'other.test'))?.route.id).toBe('empty');
    expect(router.match(at(20000, 'bar.example.com'))?.route.id).toBe('wild');
    expect(router.match(at(20000, 'bar.foo.example.com'))?.route.id).toBe('wilder');
    expect(router.match(at(20000, 'abc.foo.example.com', '/abc'))?.route.id).toBe('abc');
    // Isolation: abc's listener has no route for "/", and the other listeners' routes do not apply.
    expect(router.match(at(20000, 'abc.foo.example.com', '/'))).toBeUndefined();
  });
});
