import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RouteSpec } from '../../../src/model/resources.js';
import { normalizePath } from '../../../src/proxy/paths.js';
import { compileRouter } from '../../../src/snapshot/router.js';
import { comparePriority, routeEntries } from '../../../src/snapshot/router/entries.js';
import type { CompiledRoute, MatchInput } from '../../../src/snapshot/types.js';
import { linearMatch, req, route } from './router/fixtures.js';
import { fcParams } from '../../support/fc-settings.js';

/**
 * Router contracts under generated route tables and requests:
 * - the indexed router picks exactly what the obvious model picks: the first matcher, in Kong's
 *   priority order, whose hosts / methods / headers / path all accept the request;
 * - path normalization is total, yields "/"-rooted paths without dot segments or "//", and is
 *   idempotent (a normalized path routes the same when normalized again).
 */


const label = fc.constantFrom('a', 'b', 'api', 'w1', 'x-y', 'A');
const domain = fc.constantFrom('example.com', 'w1.example.com', 'test', 'b');
const hostArb = fc.oneof(
  fc.tuple(label, domain).map(([l, d]) => `${l}.${d}`),
  domain.map((d) => `*.${d}`),
  label.map((l) => `${l}.*`),
  fc.tuple(label, domain, fc.constantFrom(80, 8080, 443)).map(([l, d, p]) => `${l}.${d}:${p}`),
  fc.tuple(domain, fc.constantFrom(80, 8080)).map(([d, p]) => `*.${d}:${p}`),
);
const segment = fc.constantFrom('a', 'ab', 'api', 'v1', 'v2', 'users', 'x', 'b', '12', 'é');
const plainPath = fc.array(segment, { maxLength: 4 }).chain((segs) =>
  fc.constantFrom('', '/').map((tail) => `/${segs.join('/')}${segs.length > 0 ? tail : ''}`),
);
/** Linear-time regexes only (the regex engine itself is tested elsewhere): literal starts, classes, alternation. */
const regexPath = fc.constantFrom(
  '~/a/\\d+$', '~/api/v\\d+/users', '~/a', '~(?i)/API/.*', '~/(a|x)/b', '~/api/v1/[a-z]+$', '~/users/\\w+', '~.*/b$', '~/$', '~/ab?', '~/[^/]+/12',
);
const routeSpecArb: fc.Arbitrary<Partial<RouteSpec>> = fc
  .record(
    {
      hosts: fc.array(hostArb, { minLength: 1, maxLength: 3 }),
      paths: fc.array(fc.oneof(plainPath, regexPath), { minLength: 1, maxLength: 3 }),
      methods: fc.uniqueArray(fc.constantFrom('GET', 'POST', 'PUT'), { minLength: 1, maxLength: 2 }),
      headers: fc.constantFrom<RouteSpec['headers']>([{ name: 'x-v', values: ['1'] }], [{ name: 'x-v', values: ['~*^2'] }], [{ name: 'x-v', values: ['1', '3'] }, { name: 'x-w', values: ['on'] }]),
      regexPriority: fc.integer({ min: -1, max: 2 }),
    },
    { requiredKeys: [] },
  )
  .map((spec) => (spec.hosts || spec.paths || spec.methods || spec.headers ? spec : { ...spec, paths: ['/'] }));

const requestArb = fc.record({
  host: fc.oneof(fc.tuple(label, domain).map(([l, d]) => `${l}.${d}`.toLowerCase()), domain, fc.constantFrom('', 'example.com', 'x.w1.example.com', 'a.b')),
  port: fc.option(fc.constantFrom(80, 8080, 443, 8000), { nil: undefined }),
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
  path: fc.oneof(plainPath, fc.constantFrom('/a/12', '/api/v2/users/7', '/API/x', '/x/b', '/users/joe', '/ab/12', '/b')),
  headers: fc.record({ 'x-v': fc.constantFrom('1', '2x', '3', '2'), 'x-w': fc.constantFrom('on', 'ON', 'off') }, { requiredKeys: [] }),
});

describe('router = linear model in priority order', () => {
  it('generated route tables and requests', () => {
    let matched = 0;
    let total = 0;
    fc.assert(
      fc.property(fc.array(routeSpecArb, { minLength: 1, maxLength: 40 }), fc.array(requestArb, { minLength: 1, maxLength: 30 }), (specs, requests) => {
        const routes: CompiledRoute[] = specs.map((spec, i) => route(`r${i}`, spec));
        const entries = routes.flatMap((rt, order) => routeEntries(rt, order)).sort(comparePriority);
        const router = compileRouter(routes);
        for (const r of requests) {
          const input = req(r.path, { host: r.host, port: r.port, method: r.method, headers: r.headers });
          const want = linearMatch(entries, input);
          const got = router.match(input);
          expect(got ? { name: got.route.name, stripped: got.strippedPath } : undefined).toEqual(want);
          total++;
          if (want) matched++;
        }
      }),
      fcParams(400),
    );
    // Requests must exercise matches, not only misses.
    expect(matched).toBeGreaterThan(total / 10);
  });
});

describe('normalizePath', () => {
  const rawPath = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }).map((s) => `/${s}`),
    fc.array(fc.constantFrom('a', '.', '..', '', '%2e', '%2E%2e', '%2F', '%252F', '%41', '%C3%A9', '%FF', '%', '%4', '%zz', 'é', ';', '%3B'), { maxLength: 8 }).map((xs) => `/${xs.join('/')}`),
    fc.string({ maxLength: 10 }),
  );

  it('total, rooted, no dot segments or empty segments, idempotent', () => {
    fc.assert(
      fc.property(rawPath, (raw) => {
        const once = normalizePath(raw);
        if (once === null) return;
        expect(once.startsWith('/')).toBe(true);
        const segments = once.split('/').slice(1, -1);
        expect(segments.every((s) => s !== '' && s !== '.' && s !== '..'), once).toBe(true);
        expect(normalizePath(once), raw).toBe(once);
      }),
      fcParams(5000),
    );
  });
});
