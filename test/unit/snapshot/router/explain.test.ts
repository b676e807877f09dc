import { describe, expect, it } from 'vitest';
import type { RouteSpec } from '../../../../src/model/resources.js';
import { compileRouter } from '../../../../src/snapshot/router.js';
import { explainRoute } from '../../../../src/snapshot/router/explain.js';
import type { CompiledRoute, MatchInput } from '../../../../src/snapshot/types.js';
import { seededRandom } from '../../../support/seeded-random.js';
import { req, route } from './fixtures.js';

/**
 * explainRoute (the router's slow-path twin, for explain) against the real indexed router:
 * random route tables (exact / wildcard / ported hosts, prefixes, regexes, methods, headers,
 * regex_priority, protocols) and requests aimed at them (TLS or not). It must pick the same
 * route with the same stripped path, and every matcher it lists as not matching must really
 * refuse the request.
 */
function randomCase(seed: number, nRoutes: number): { routes: CompiledRoute[]; requests: MatchInput[] } {
  const r = seededRandom(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const labels = ['a', 'b', 'api', 'w1'];
  const segs = ['/', '/a', '/ab', '/a/b', '/api', '/api/v1', '/x'];
  const regexes = ['~/a/\\d+$', '~/api/v\\d+/users', '~/a', '~(?i)/API/.*', '~/(a|x)/b', '~.*/b$'];
  const routes: CompiledRoute[] = [];
  for (let i = 0; i < nRoutes; i++) {
    const spec: Partial<RouteSpec> = {};
    const hostKind = r();
    if (hostKind < 0.35) spec.hosts = [`${pick(labels)}.example.com`];
    else if (hostKind < 0.5) spec.hosts = [`*.${pick(['example.com', 'w1.example.com'])}`];
    else if (hostKind < 0.6) spec.hosts = [`${pick(labels)}.*`];
    else if (hostKind < 0.67) spec.hosts = [`${pick(labels)}.example.com:${pick([80, 8080])}`, `${pick(labels)}.example.com`];
    const pathKind = r();
    if (pathKind < 0.5) spec.paths = [pick(segs)];
    else if (pathKind < 0.8) spec.paths = [pick(regexes), ...(r() < 0.3 ? [pick(segs)] : [])];
    if (r() < 0.25) spec.methods = [pick(['GET', 'POST'])];
    if (r() < 0.15) spec.headers = [{ name: 'x-v', values: r() < 0.5 ? ['1'] : ['~*^2'] }];
    if (r() < 0.3) spec.regexPriority = Math.floor(r() * 3);
    if (r() < 0.2) spec.protocols = [pick(['http', 'https', 'grpcs'])];
    if (!spec.hosts && !spec.paths && !spec.methods && !spec.headers) spec.paths = [pick(segs)];
    routes.push(route(`r${i}`, spec));
  }
  const hosts = ['a.example.com', 'b.example.com', 'api.example.com', 'x.w1.example.com', 'a.b', '', 'example.com', '.example.com'];
  const paths = ['/', '/a', '/a/12', '/a/b', '/ab', '/api/v1/users', '/API/x', '/x/b', '/nothing'];
  const requests: MatchInput[] = [];
  for (let i = 0; i < 250; i++) {
    const headers: Record<string, string> = r() < 0.3 ? { 'x-v': pick(['1', '2x', '3']) } : {};
    const input = req(pick(paths), { host: pick(hosts), port: r() < 0.3 ? pick([80, 8080]) : undefined, method: pick(['GET', 'POST', 'PUT']), headers });
    requests.push({ ...input, tls: r() < 0.4 });
  }
  return { routes, requests };
}

describe('explainRoute = the indexed router', () => {
  for (const [seed, n] of [[11, 8], [12, 25], [13, 60], [14, 120], [15, 200]] as const) {
    it(`seed ${seed}, ${n} routes`, () => {
      const { routes, requests } = randomCase(seed, n);
      const router = compileRouter(routes);
      let matched = 0;
      for (const input of requests) {
        const where = `${input.method} ${input.tls ? 'tls' : 'plain'} ${input.host}${input.port ? `:${input.port}` : ''} ${input.path}`;
        const got = router.match(input);
        const why = explainRoute(routes, input, Infinity);
        expect(why.match ? { name: why.match.route.name, stripped: why.match.strippedPath } : undefined, where).toEqual(got ? { name: got.route.name, stripped: got.strippedPath } : undefined);
        if (got) matched++;
        // Every candidate names a field; the first few are also checked alone in a real router.
        for (const c of why.candidates) expect(c.failed.length, `${where}: ${c.route.name}`).toBeGreaterThan(0);
        for (const c of why.candidates.slice(0, 3)) {
          const alone = compileRouter([route(c.route.name, { ...c.route.spec, paths: c.path === undefined ? [] : [c.path] })]);
          expect(alone.match(input), `${where}: ${c.route.name} [${c.path}]`).toBeUndefined();
        }
      }
      expect(matched).toBeGreaterThan(requests.length / 5);
    });
  }

  it('names every field a better-ranked route fails on, in the same words as its spec', () => {
    const routes = [
      route('admin', { hosts: ['admin.example.com'], paths: ['/orders'], methods: ['POST'], headers: [{ name: 'x-v', values: ['2'] }] }),
      route('tls-only', { paths: ['/orders'], protocols: ['https'] }),
      route('orders', { paths: ['/orders'] }),
    ];
    const why = explainRoute(routes, { ...req('/orders', { host: 'api.example.com', method: 'GET' }), tls: false });
    expect(why.match?.route.name).toBe('tls-only'); // https-only routes match plaintext too (426 comes later)
    expect(why.candidates).toEqual([
      {
        route: routes[0],
        path: '/orders',
        failed: [
          { field: 'host', wanted: 'one of admin.example.com', got: 'api.example.com' },
          { field: 'method', wanted: 'one of POST', got: 'GET' },
          { field: 'header', wanted: 'x-v: one of 2', got: '(no x-v)' },
        ],
      },
    ]);
    const tlsOnly = explainRoute([route('grpcs', { paths: ['/orders'], protocols: ['grpcs'] }), routes[2]!], req('/orders'));
    expect(tlsOnly.candidates[0]!.failed).toEqual([{ field: 'protocol', wanted: 'TLS (https/grpcs) (protocols grpcs)', got: 'plaintext' }]);
  });

  it('lists at most `limit` candidates and counts the rest', () => {
    const routes = Array.from({ length: 30 }, (_, i) => route(`r${i}`, { paths: [`/p${i}`] }));
    const why = explainRoute(routes, req('/none'), 5);
    expect(why.match).toBeUndefined();
    expect(why.candidates).toHaveLength(5);
    expect(why.omitted).toBe(25);
  });
});
