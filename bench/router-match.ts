/**
 * Router match cost with 10 vs 10,000 routes (hosts + prefixes + a few regexes).
 * Run: npx tsc bench/router-match.ts --outDir /tmp/pc-bench --module nodenext --target es2023 \
 *        --moduleResolution nodenext --skipLibCheck && node /tmp/pc-bench/bench/router-match.js
 */
import type { RouteSpec } from '../src/model/resources.js';
import { compileRouter } from '../src/snapshot/router.js';
import type { CompiledRoute, MatchInput, Upstream } from '../src/snapshot/types.js';

const upstream: Upstream = {
  id: 'bench', protocol: 'http', basePath: '', hostHeader: 'u', targets: [],
  connectTimeoutMs: 1, readTimeoutMs: 1, writeTimeoutMs: 1, retries: 0,
};

function makeRoute(i: number, spec: Partial<RouteSpec>): CompiledRoute {
  const full = {
    ref: { kind: 'routes', name: `r${i}` }, scope: '', name: `r${i}`, protocols: ['http', 'https'],
    hosts: [], paths: [], methods: [], headers: [], stripPath: true, preserveHost: false, regexPriority: 0,
    backend: { kind: 'url', protocol: 'http', host: 'x', port: 80, path: '' },
    service: { id: 's', connectTimeoutMs: 1, readTimeoutMs: 1, writeTimeoutMs: 1, retries: 0, tags: [] },
    tags: [], ...spec,
  } as RouteSpec;
  return { id: full.name, name: full.name, spec: full, upstream, label: full.name };
}

/**
 * Route i: every `regexEvery`-th a regex (default 200), every 7th host-less, the rest on one of 50
 * hosts; some with methods.
 */
function routeSpec(i: number, regexEvery = 200): Partial<RouteSpec> {
  if (i % regexEvery === regexEvery - 1) return { hosts: [`h${i % 50}.example.com`], paths: [`~/items${i}/\\d+$`] };
  if (i % 7 === 0) return { paths: [`/public${i}`] };
  return { hosts: [`h${i % 50}.example.com`], paths: [`/svc${i}/api`], methods: i % 3 === 0 ? ['GET'] : [] };
}

function requestFor(i: number, regexEvery = 200): MatchInput {
  const spec = routeSpec(i, regexEvery);
  const first = spec.paths![0]!;
  const path = first.startsWith('~') ? `/items${i}/12345` : `${first}/resource/42`;
  return { method: 'GET', host: `h${i % 50}.example.com`, path, header: () => undefined };
}

/**
 * `regexOnly`: every 5th route is a regex and every request targets one of them (the cost of
 * running the regex engine); otherwise the mixed table above with requests spread over it.
 */
function bench(n: number, regexOnly = false): void {
  const every = regexOnly ? 5 : 200;
  const routes = Array.from({ length: n }, (_, i) => makeRoute(i, routeSpec(i, every)));
  routes.push(makeRoute(n, { hosts: ['*.example.com'], paths: ['/'] }));
  const t0 = process.hrtime.bigint();
  const router = compileRouter(routes);
  const compileMs = Number(process.hrtime.bigint() - t0) / 1e6;

  const inputs: MatchInput[] = [];
  if (regexOnly) {
    for (let k = 0; k < 64; k++) inputs.push(requestFor(Math.floor((k * n) / 64 / every) * every + every - 1, every));
  } else {
    for (let k = 0; k < 64; k++) inputs.push(requestFor(Math.floor((k * n) / 64) + (n > 64 ? 3 : 0)));
  }
  inputs.push({ method: 'GET', host: 'nomatch.io', path: '/nothing/here', header: () => undefined });
  // Verify, then warm up.
  for (const inp of inputs.slice(0, -1)) if (!router.match(inp)) throw new Error(`no match for ${inp.host}${inp.path}`);
  let sink = 0;
  for (let k = 0; k < 200_000; k++) sink += router.match(inputs[k % inputs.length]!) ? 1 : 0;

  const iterations = 2_000_000;
  const start = process.hrtime.bigint();
  for (let k = 0; k < iterations; k++) sink += router.match(inputs[k % inputs.length]!) ? 1 : 0;
  const ns = Number(process.hrtime.bigint() - start) / iterations;
  const what = regexOnly ? ' (1 in 5 regex), regex requests' : '';
  console.log(`${String(n).padStart(6)} routes${what}: compile ${compileMs.toFixed(1)} ms, match ${ns.toFixed(0)} ns/op (sink ${sink % 10})`);
}

for (const n of [10, 10_000, 10, 10_000]) bench(n);
for (const n of [10, 10_000, 10, 10_000]) bench(n, true);
