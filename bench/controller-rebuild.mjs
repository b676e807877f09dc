// In-process cost of one controller rebuild at scale, without an API server: the watch cache's
// objects (as bench/lib/controller-objects.mjs makes them) → toResourceSet → hash → translate,
// full (the reference) and incremental (what the controller does: ConversionMemo + ResourceHasher +
// translate with BuildReuse, docs/controller-memory.md#incremental-rebuilds).
//   npm run build && node --expose-gc bench/controller-rebuild.mjs [consumers=50000] [routes=5000] [changes=200]
// Prints CPU ms per stage of a full rebuild, then p50/p99 of one incremental rebuild after a single
// object change (consumer added, credential Secret rotated, route added, in turn), and checks every
// incremental result against a full rebuild of the same objects (hash equality).
// Times are this process's CPU time (user + system, process.cpuUsage), not wall time: on a shared
// machine wall time mostly measures the other processes.
const performance = { now: () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } };
import { consumerBody, credentialBody, routeBody, secretBody, percentile } from './lib/controller-objects.mjs';

const dist = new URL('../dist/', import.meta.url);
const { toResourceSet } = await import(new URL('sources/kube/to-resource-set.js', dist).href);
const { hashResources, translate } = await import(new URL('translate/translate.js', dist).href);
const { ObjectCache } = await import(new URL('sources/kube/object-cache.js', dist).href);
const { ConversionMemo } = await import(new URL('sources/kube/conversion-memo.js', dist).href);
const { ResourceHasher } = await import(new URL('translate/resource-hash.js', dist).href);
const { BuildReuse } = await import(new URL('translate/build-reuse.js', dist).href);

const CONSUMERS = Number(process.argv[2] ?? 50_000);
const ROUTES = Number(process.argv[3] ?? 5_000);
const CHANGES = Number(process.argv[4] ?? 200);
const NS = 'bench';
let rv = 1;
const meta = () => ({ uid: `u${rv}`, resourceVersion: String(rv++), generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' });

// Watch caches, as the controller holds them (sortedValues patched after a change, not re-sorted).
const cache = () => {
  const c = new ObjectCache();
  return { c, set: (_key, obj) => c.upsert(obj) };
};
const consumers = cache();
const credentials = cache();
const routes = cache();
const secrets = cache();
for (let i = 0; i < CONSUMERS; i++) {
  consumers.set(`${NS}/c${i}`, consumerBody(NS, i, meta()));
  credentials.set(`${NS}/c${i}-hs`, credentialBody(NS, i, meta()));
  secrets.set(`${NS}/c${i}-jwt`, secretBody(NS, i, meta()));
}
for (let j = 0; j < ROUTES; j++) routes.set(`${NS}/r${j}`, routeBody(NS, j, 'http://127.0.0.1:9', meta()));
const objects = () => ({
  consumers: consumers.c.sortedValues(),
  credentials: credentials.c.sortedValues(),
  routes: routes.c.sortedValues(),
  secrets: new Map(secrets.c.entries()),
  services: new Map(),
  endpointSlices: new Map(),
});

const ms = (t) => Math.round((performance.now() - t) * 10) / 10;
function full(o) {
  const t0 = performance.now();
  const rs = toResourceSet(o);
  const t1 = performance.now();
  const hash = hashResources(rs);
  const t2 = performance.now();
  const snap = translate(rs, 1, hash);
  return { snap, hash, times: { toResourceSet: Math.round(t1 - t0), hash: Math.round(t2 - t1), translate: ms(t2) } };
}

globalThis.gc?.();
console.log(`objects: ${CONSUMERS} consumers, ${CONSUMERS} credentials, ${CONSUMERS} secrets, ${ROUTES} routes; heap ${Math.round(process.memoryUsage().heapUsed / 1048576)} MB`);
for (let round = 0; round < 3; round++) {
  const t = performance.now();
  const o = objects();
  const collect = ms(t);
  const r = full(o);
  console.log(`full rebuild ${round + 1}: collect ${collect} ms, toResourceSet ${r.times.toResourceSet} ms, hash ${r.times.hash} ms, translate ${r.times.translate} ms (${r.snap.consumers.length} consumers, ${r.snap.credentials.all.length} credentials, ${r.snap.routes.length} routes, ${r.snap.diagnostics.length} diagnostics)`);
}

const memo = new ConversionMemo();
const hasher = new ResourceHasher();
const reuse = new BuildReuse();
let version = 1;
const builder = {
  build(o) {
    const t = performance.now();
    const resources = toResourceSet(o, { memo });
    const t1 = performance.now();
    const hash = hasher.hash(resources);
    const t2 = performance.now();
    const snap = translate(resources, ++version, hash, { reuse });
    stages.toResourceSet.push(t1 - t);
    stages.hash.push(t2 - t1);
    stages.translate.push(performance.now() - t2);
    return { resources, snap };
  },
};
const stages = { collect: [], toResourceSet: [], hash: [], translate: [] };
const t0 = performance.now();
builder.build(objects());
console.log(`incremental, first build (everything new): ${ms(t0)} ms`);
const lat = [];
let next = CONSUMERS;
let mismatches = 0;
for (let c = 0; c < CHANGES; c++) {
  // One change, as one watch event would make it.
  const kind = c % 3;
  if (kind === 0) {
    const i = next++;
    consumers.set(`${NS}/c${i}`, consumerBody(NS, i, meta()));
  } else if (kind === 1) {
    const i = (c * 7919) % CONSUMERS;
    secrets.set(`${NS}/c${i}-jwt`, secretBody(NS, i, meta(), c));
  } else {
    const j = ROUTES + c;
    routes.set(`${NS}/r${j}`, routeBody(NS, j, 'http://127.0.0.1:9', meta()));
  }
  const t = performance.now();
  const o = objects();
  stages.collect.push(performance.now() - t);
  const out = builder.build(o);
  lat.push(performance.now() - t);
  if (c % 50 === 49) {
    const reference = full(objects());
    if (reference.hash !== hashResources(out.resources) || reference.snap.credentials.all.length !== out.snap.credentials.all.length) mismatches++;
  }
}
const f = (p) => percentile(lat, p).toFixed(1);
console.log(`incremental rebuild after one change (n=${CHANGES}, collect included): p50 ${f(50)} ms, p99 ${f(99)} ms, max ${Math.max(...lat).toFixed(1)} ms; mismatches with a full rebuild: ${mismatches}`);
for (const [stage, xs] of Object.entries(stages)) console.log(`  ${stage}: p50 ${percentile(xs, 50).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms`);
globalThis.gc?.();
console.log(`heap after GC: ${Math.round(process.memoryUsage().heapUsed / 1048576)} MB, rss ${Math.round(process.memoryUsage().rss / 1048576)} MB`);
