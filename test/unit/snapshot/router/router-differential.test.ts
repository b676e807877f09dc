import { describe, expect, it } from 'vitest';
import type { RouteSpec } from '../../../../src/model/resources.js';
import { compileRouter } from '../../../../src/snapshot/router.js';
import { comparePriority, routeEntries } from '../../../../src/snapshot/router/entries.js';
import type { CompiledRoute, MatchInput } from '../../../../src/snapshot/types.js';
import { linearMatch, req, route } from './fixtures.js';
import { seededRandom } from '../../../support/seeded-random.js';

/**
 * The indexed router (host tables, radix trees, rank pruning, skipped tables and buckets) must pick
 * exactly what a linear scan over every matcher in priority order picks. Random route sets mix
 * exact / wildcard / ported hosts, prefixes, regexes with and without a literal start, methods,
 * headers and regex_priority; requests are aimed at those routes plus near misses.
 */



function randomCase(seed: number, nRoutes: number): { routes: CompiledRoute[]; requests: MatchInput[] } {
  const r = seededRandom(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const labels = ['a', 'b', 'api', 'w1', 'w2'];
  const segs = ['/', '/a', '/ab', '/a/b', '/api', '/api/v1', '/api/v1/users', '/x', '/users'];
  const regexes = ['~/a/\\d+$', '~/api/v\\d+/users', '~/a', '~(?i)/API/.*', '~/(a|x)/b', '~/api/v1/[a-z]+$', '~/users/\\w+', '~.*/b$'];
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
    if (!spec.hosts && !spec.paths && !spec.methods && !spec.headers) spec.paths = [pick(segs)];
    routes.push(route(`r${i}`, spec));
  }
  const requests: MatchInput[] = [];
  const hosts = ['a.example.com', 'b.example.com', 'api.example.com', 'x.w1.example.com', 'w2.example.com', 'a.b', 'api.test', '', 'example.com'];
  const paths = ['/', '/a', '/a/12', '/a/b', '/ab', '/api/v1/users', '/api/v2/users/7', '/API/x', '/x/b', '/users/joe', '/nothing', '/a/b/c'];
  for (let i = 0; i < 300; i++) {
    const headers: Record<string, string> = r() < 0.3 ? { 'x-v': pick(['1', '2x', '3']) } : {};
    requests.push(req(pick(paths), { host: pick(hosts), port: r() < 0.5 ? pick([80, 8080, 8000]) : undefined, method: pick(['GET', 'POST', 'PUT']), headers }));
  }
  return { routes, requests };
}

describe('indexed router = linear scan in priority order', () => {
  for (const [seed, n] of [[1, 10], [2, 20], [3, 40], [4, 80], [5, 150], [6, 300], [7, 12], [8, 60]] as const) {
    it(`seed ${seed}, ${n} routes`, () => {
      const { routes, requests } = randomCase(seed, n);
      const entries = routes.flatMap((rt, order) => routeEntries(rt, order)).sort(comparePriority);
      const router = compileRouter(routes);
      let matched = 0;
      for (const input of requests) {
        const want = linearMatch(entries, input);
        const got = router.match(input);
        const where = `${input.method} ${input.host}${input.port ? `:${input.port}` : ''} ${input.path}`;
        expect(got ? { name: got.route.name, stripped: got.strippedPath } : undefined, where).toEqual(want);
        if (want) matched++;
      }
      // The generated requests must exercise matches, not only 404s.
      expect(matched).toBeGreaterThan(requests.length / 4);
    });
  }
});
