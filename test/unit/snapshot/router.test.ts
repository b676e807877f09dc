import { describe, expect, it } from 'vitest';
import { compileRouter, compileRouteRegex } from '../../../src/snapshot/router.js';
import type { CompiledRoute, MatchInput } from '../../../src/snapshot/types.js';
import { req, route } from './router/fixtures.js';

interface Case {
  name: string;
  routes: CompiledRoute[];
  input: MatchInput;
  /** Expected route name, or null for no match. */
  want: string | null;
  stripped?: string;
}

function run(cases: Case[]) {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const m = compileRouter(c.routes).match(c.input);
    expect(m?.route.name ?? null).toBe(c.want);
    if (c.stripped !== undefined) expect(m?.strippedPath).toBe(c.stripped);
  });
}

describe('priority: each rule decides', () => {
  run([
    // 1. number of match fields
    { name: 'methods+paths beats paths', routes: [route('a', { paths: ['/api'] }), route('b', { paths: ['/api'], methods: ['GET'] })], input: req('/api'), want: 'b' },
    { name: 'falls back when the method differs', routes: [route('a', { paths: ['/api'] }), route('b', { paths: ['/api'], methods: ['GET'] })], input: req('/api', { method: 'POST' }), want: 'a' },
    { name: 'more fields beat a longer prefix', routes: [route('a', { paths: ['/api/v1/long'] }), route('b', { paths: ['/'], methods: ['GET'] })], input: req('/api/v1/long'), want: 'b' },
    { name: 'more fields beat a regex', routes: [route('a', { paths: ['~/api'] }), route('b', { paths: ['/'], hosts: ['x.com'] })], input: req('/api', { host: 'x.com' }), want: 'b' },
    // 2. hosts without wildcards
    { name: 'plain host beats wildcard host', routes: [route('a', { hosts: ['*.example.com'], paths: ['/'] }), route('b', { hosts: ['api.example.com'], paths: ['/'] })], input: req('/', { host: 'api.example.com' }), want: 'b' },
    { name: 'plain host beats wildcard host with a longer prefix', routes: [route('a', { hosts: ['*.example.com'], paths: ['/long/prefix'] }), route('b', { hosts: ['api.example.com'], paths: ['/'] })], input: req('/long/prefix', { host: 'api.example.com' }), want: 'b' },
    { name: 'a route mixing plain and wildcard hosts is not plain', routes: [route('a', { hosts: ['api.example.com', '*.other.com'], paths: ['/'] }), route('b', { hosts: ['api.example.com'], paths: ['/'] })], input: req('/', { host: 'api.example.com' }), want: 'b' },
    // 3. number of headers
    {
      name: 'more headers win',
      routes: [
        route('a', { paths: ['/'], headers: [{ name: 'x-a', values: ['1'] }] }),
        route('b', { paths: ['/'], headers: [{ name: 'x-a', values: ['1'] }, { name: 'x-b', values: ['2'] }] }),
      ],
      input: req('/', { headers: { 'x-a': '1', 'x-b': '2' } }),
      want: 'b',
    },
    {
      name: 'more headers beat a regex path',
      routes: [
        route('a', { paths: ['~/p'], headers: [{ name: 'x-a', values: ['1'] }] }),
        route('b', { paths: ['/p'], headers: [{ name: 'x-a', values: ['1'] }, { name: 'x-b', values: ['2'] }] }),
      ],
      input: req('/p', { headers: { 'x-a': '1', 'x-b': '2' } }),
      want: 'b',
    },
    {
      name: 'fewer headers when the other does not match',
      routes: [
        route('a', { paths: ['/'], headers: [{ name: 'x-a', values: ['1'] }] }),
        route('b', { paths: ['/'], headers: [{ name: 'x-a', values: ['1'] }, { name: 'x-b', values: ['2'] }] }),
      ],
      input: req('/', { headers: { 'x-a': '1' } }),
      want: 'a',
    },
    // 4. regex over prefix
    { name: 'regex beats a longer prefix', routes: [route('a', { paths: ['/users/123/long/prefix'] }), route('b', { paths: ['~/users/\\d+'] })], input: req('/users/123/long/prefix'), want: 'b' },
    { name: 'prefix when the regex does not match', routes: [route('a', { paths: ['/users'] }), route('b', { paths: ['~/users/\\d+'] })], input: req('/users/abc'), want: 'a' },
    // 5. regex_priority
    { name: 'higher regex_priority wins', routes: [route('a', { paths: ['~/a/.*'] }), route('b', { paths: ['~/a/b'], regexPriority: 5 })], input: req('/a/b'), want: 'b' },
    { name: 'negative regex_priority loses to 0', routes: [route('a', { paths: ['~/a/b'], regexPriority: -1 }), route('b', { paths: ['~/a/.*'] })], input: req('/a/b'), want: 'b' },
    { name: 'regex_priority is ignored on prefix paths', routes: [route('a', { paths: ['/a'], regexPriority: 10 }), route('b', { paths: ['/a/b'] })], input: req('/a/b/c'), want: 'b' },
    // 6. longer prefix
    { name: 'longer prefix wins', routes: [route('a', { paths: ['/a'] }), route('b', { paths: ['/a/b'] })], input: req('/a/b'), want: 'b' },
    { name: 'shorter prefix when the longer does not match', routes: [route('a', { paths: ['/a'] }), route('b', { paths: ['/a/b'] })], input: req('/a/c'), want: 'a' },
    { name: 'each path of a route has its own priority (longest)', routes: [route('a', { paths: ['/a', '/a/b/c'] }), route('b', { paths: ['/a/b'] })], input: req('/a/b/c/d'), want: 'a' },
    { name: 'each path of a route has its own priority (middle)', routes: [route('a', { paths: ['/a', '/a/b/c'] }), route('b', { paths: ['/a/b'] })], input: req('/a/b/x'), want: 'b' },
    // 7. tie-break: input order
    { name: 'exact tie: first in input order', routes: [route('a', { paths: ['/x'] }), route('b', { paths: ['/x'] })], input: req('/x'), want: 'a' },
    { name: 'exact tie reversed', routes: [route('b', { paths: ['/x'] }), route('a', { paths: ['/x'] })], input: req('/x'), want: 'b' },
  ]);
});

describe('hosts', () => {
  const routes = [
    route('exact', { hosts: ['Api.Example.COM'] }),
    route('suffix', { hosts: ['*.example.com'] }),
    route('prefix', { hosts: ['example.*'] }),
    route('ported', { hosts: ['ported.com:8080'] }),
    route('ported-wild', { hosts: ['*.wild.com:9000'] }),
  ];
  run([
    { name: 'exact host, case-insensitive route entry', routes, input: req('/', { host: 'api.example.com' }), want: 'exact' },
    { name: 'suffix wildcard one label', routes, input: req('/', { host: 'www.example.com' }), want: 'suffix' },
    { name: 'suffix wildcard several labels', routes, input: req('/', { host: 'a.b.example.com' }), want: 'suffix' },
    { name: 'suffix wildcard does not match the bare domain', routes, input: req('/', { host: 'example.com' }), want: 'prefix' },
    { name: 'prefix wildcard', routes, input: req('/', { host: 'example.org' }), want: 'prefix' },
    { name: 'prefix wildcard needs the prefix at the start', routes, input: req('/', { host: 'www.example.org' }), want: null },
    { name: 'unknown host', routes, input: req('/', { host: 'other.net' }), want: null },
    { name: 'host with port matches that port', routes, input: req('/', { host: 'ported.com', port: 8080 }), want: 'ported' },
    { name: 'host with port: other port', routes, input: req('/', { host: 'ported.com', port: 8000 }), want: null },
    { name: 'host with port: no port', routes, input: req('/', { host: 'ported.com' }), want: null },
    { name: 'wildcard with port', routes, input: req('/', { host: 'a.wild.com', port: 9000 }), want: 'ported-wild' },
    { name: 'wildcard with port: other port', routes, input: req('/', { host: 'a.wild.com', port: 80 }), want: null },
    { name: 'route with hosts never matches a host-less request', routes, input: req('/'), want: null },
    { name: 'host-less route matches any host', routes: [route('any', { paths: ['/'] })], input: req('/', { host: 'whatever.io' }), want: 'any' },
    {
      name: 'host-restricted route beats host-less one (more fields)',
      routes: [route('any', { paths: ['/'] }), route('h', { paths: ['/'], hosts: ['a.io'] })],
      input: req('/x', { host: 'a.io' }),
      want: 'h',
    },
  ]);
});

describe('paths', () => {
  run([
    { name: 'prefix is a plain string prefix', routes: [route('a', { paths: ['/foo'] })], input: req('/foobar'), want: 'a', stripped: 'bar' },
    { name: 'prefix strips', routes: [route('a', { paths: ['/foo'] })], input: req('/foo/bar'), want: 'a', stripped: '/bar' },
    { name: 'prefix equal to path', routes: [route('a', { paths: ['/foo'] })], input: req('/foo'), want: 'a', stripped: '' },
    { name: 'root prefix', routes: [route('a', { paths: ['/'] })], input: req('/x/y'), want: 'a', stripped: 'x/y' },
    { name: 'prefix does not match elsewhere', routes: [route('a', { paths: ['/foo'] })], input: req('/x/foo'), want: null },
    { name: 'prefix is case-sensitive', routes: [route('a', { paths: ['/foo'] })], input: req('/FOO'), want: null },
    { name: 'path-less route matches everything', routes: [route('a', { methods: ['GET'] })], input: req('/any/thing'), want: 'a', stripped: '/any/thing' },
    { name: 'regex anchored at start', routes: [route('a', { paths: ['~/users/\\d+$'] })], input: req('/api/users/42'), want: null },
    { name: 'regex matches', routes: [route('a', { paths: ['~/users/\\d+$'] })], input: req('/users/42'), want: 'a', stripped: '' },
    { name: 'regex $ honoured', routes: [route('a', { paths: ['~/users/\\d+$'] })], input: req('/users/42/x'), want: null },
    { name: 'regex not anchored at end', routes: [route('a', { paths: ['~/users/\\d+'] })], input: req('/users/42/profile'), want: 'a', stripped: '/profile' },
    { name: 'alternation stays anchored', routes: [route('a', { paths: ['~/a|/b'] })], input: req('/x/b'), want: null },
    { name: 'alternation second branch', routes: [route('a', { paths: ['~/a|/b'] })], input: req('/b/c'), want: 'a', stripped: '/c' },
    { name: 'named capture PCRE style', routes: [route('a', { paths: ['~/u/(?P<id>\\d+)'] })], input: req('/u/7'), want: 'a' },
  ]);
});

describe('methods and headers', () => {
  run([
    { name: 'method in list', routes: [route('a', { methods: ['GET', 'POST'] })], input: req('/', { method: 'POST' }), want: 'a' },
    { name: 'method not in list', routes: [route('a', { methods: ['GET', 'POST'] })], input: req('/', { method: 'PUT' }), want: null },
    { name: 'methods are exact', routes: [route('a', { methods: ['GET'] })], input: req('/', { method: 'get' }), want: null },
    { name: 'header exact value, case-insensitive', routes: [route('a', { headers: [{ name: 'x-v', values: ['Beta'] }] })], input: req('/', { headers: { 'x-v': 'BETA' } }), want: 'a' },
    { name: 'header one of several values', routes: [route('a', { headers: [{ name: 'x-v', values: ['a', 'b'] }] })], input: req('/', { headers: { 'x-v': 'b' } }), want: 'a' },
    { name: 'header wrong value', routes: [route('a', { headers: [{ name: 'x-v', values: ['a'] }] })], input: req('/', { headers: { 'x-v': 'ab' } }), want: null },
    { name: 'header missing', routes: [route('a', { headers: [{ name: 'x-v', values: ['a'] }] })], input: req('/'), want: null },
    { name: 'header regex, case-insensitive, unanchored', routes: [route('a', { headers: [{ name: 'x-v', values: ['~*^v\\d+$'] }] })], input: req('/', { headers: { 'x-v': 'V12' } }), want: 'a' },
    { name: 'header regex no match', routes: [route('a', { headers: [{ name: 'x-v', values: ['~*^v\\d+$'] }] })], input: req('/', { headers: { 'x-v': 'v1x' } }), want: null },
    {
      name: 'AND across header names',
      routes: [route('a', { headers: [{ name: 'x-a', values: ['1'] }, { name: 'x-b', values: ['2'] }] })],
      input: req('/', { headers: { 'x-a': '1' } }),
      want: null,
    },
    {
      name: 'AND across fields',
      routes: [route('a', { hosts: ['h.io'], paths: ['/p'], methods: ['GET'] })],
      input: req('/p', { host: 'h.io', method: 'POST' }),
      want: null,
    },
  ]);
});

describe('compileRouteRegex', () => {
  it.each([
    ['~/users/\\d+', '/users/12', true],
    ['~\\A/x\\z', '/x', true],
    ['~\\A/x\\z', '/x/', false],
    ['~/[[:digit:]]+$', '/123', true],
    ['~/[[:digit:]]+$', '/12a', false],
    ['~(?i)/abc', '/ABC', true],
    ['~/\\Q.+\\E', '/.+', true],
    ['~/\\Q.+\\E', '/ab', false],
    ['~/(?P<id>\\d+)/x', '/5/x', true],
    ['~/(?<id>\\d+)/x', '/5/x', true],
    ['~/\\x{41}', '/A', true],
    ['~/a|/b', '/b', true],
    ['~/a|/b', '/x/b', false],
    ['~(?i)/abc$', '/abC', true],
    ['~/abc$', '/abC', false],
    ['~/a(?#comment)b', '/ab', true],
    ['~/\\p{L}+$', '/é', true],
  ])('%s on %s → %s', (pattern, path, want) => {
    const re = compileRouteRegex(pattern);
    if ('error' in re) throw new Error(re.error);
    expect(re.matchLength(path) >= 0).toBe(want);
  });

  it('reports the length matched from the path start (the rest is what strip_path leaves)', () => {
    const re = compileRouteRegex('~/users/\\d+');
    if ('error' in re) throw new Error(re.error);
    expect(re.matchLength('/users/42/orders')).toBe(9);
    expect(re.matchLength('/x/users/42')).toBe(-1);
  });

  it.each(['~/a(?>b)', '~/a++', '~/(?x)a', '~/[a', '~/(a', '~', '~/(?R)', '~/[[:nope:]]'])('rejects %s', (pattern) => {
    const re = compileRouteRegex(pattern);
    expect('error' in re && re.error).toMatch(/regex/);
  });

  it.each([
    ['~/(a)\\1', "backreference '\\1'"],
    ['~/(?<id>a)\\k<id>', "backreference '\\k<id>'"],
    ['~/(?P<id>\\d+)/(?P=id)', "backreference '(?P=id)'"],
    ['~/a(?=b)', "lookahead '(?='"],
    ['~/a(?!b)', "lookahead '(?!'"],
    ['~/(?<=a)b', "lookbehind '(?<='"],
    ['~/(?<!a)b', "lookbehind '(?<!'"],
  ])('refuses %s (no linear-time match), naming the construct', (pattern, construct) => {
    const re = compileRouteRegex(pattern);
    expect('error' in re && re.error).toContain(construct);
    expect('error' in re && re.error).toContain('cannot be matched in linear time');
  });

  it('matches exponential-backtracking patterns in linear time', () => {
    const re = compileRouteRegex('~/redos/(a+)+$');
    if ('error' in re) throw new Error(re.error);
    const t0 = performance.now();
    expect(re.matchLength(`/redos/${'a'.repeat(5000)}b`)).toBe(-1);
    expect(re.matchLength(`/redos/${'a'.repeat(5000)}`)).toBe(5007);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('a route with an invalid regex path keeps its valid paths', () => {
    const r = compileRouter([route('a', { paths: ['~/(', '/ok'] })]);
    expect(r.match(req('/ok'))?.route.name).toBe('a');
    expect(r.match(req('/(x'))).toBeUndefined();
  });
});

describe('10,000 routes', () => {
  it('compile and match a sample correctly', () => {
    const routes: CompiledRoute[] = [];
    for (let i = 0; i < 10_000; i++) {
      const spec =
        i % 1000 === 999
          ? { hosts: [`h${i % 100}.example.com`], paths: [`~/re${i}/\\d+$`] }
          : i % 10 === 0
            ? { paths: [`/open${i}`] }
            : { hosts: [`h${i % 100}.example.com`], paths: [`/svc${i}/api`, `/svc${i}/v2`] };
      routes.push(route(`r${i}`, spec));
    }
    routes.push(route('wild', { hosts: ['*.example.com'], paths: ['/'] }));
    const t0 = performance.now();
    const router = compileRouter(routes);
    const compileMs = performance.now() - t0;
    expect(router.size).toBe(10_001);
    expect(compileMs).toBeLessThan(5000);

    for (let i = 1; i < 10_000; i += 37) {
      const host = `h${i % 100}.example.com`;
      if (i % 1000 === 999) {
        expect(router.match(req(`/re${i}/42`, { host }))?.route.name).toBe(`r${i}`);
      } else if (i % 10 === 0) {
        expect(router.match(req(`/open${i}/x`, { host: 'open.io' }))?.route.name).toBe(`r${i}`);
        // With a host under *.example.com the host-restricted wildcard route outranks it.
        expect(router.match(req(`/open${i}/x`, { host }))?.route.name).toBe('wild');
      } else {
        const m = router.match(req(`/svc${i}/v2/items`, { host }));
        expect(m?.route.name).toBe(`r${i}`);
        expect(m?.strippedPath).toBe('/items');
        // Right path, wrong host: falls through to the wildcard route.
        const other = `h${(i + 1) % 100}.example.com`;
        expect(router.match(req(`/svc${i}/api`, { host: other }))?.route.name).toBe('wild');
      }
    }
    expect(router.match(req('/re999/42', { host: 'h99.example.com' }))?.route.name).toBe('r999');
    expect(router.match(req('/nothing', { host: 'nope.io' }))).toBeUndefined();
  });
});
