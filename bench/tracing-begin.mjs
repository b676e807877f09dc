#!/usr/bin/env node
/**
 * What tracing costs an unsampled request, in process (docs/tracing.md#cost): the tracer's begin()
 * plus its upstream dispatch wrapper, as the proxy calls them, with the default sampler at 1 %:
 * requests without a traceparent (new traces, 1 % of them sampled) and with a client's unsampled one (flags 00).
 * Counted in CPU time (process.cpuUsage), so a busy machine inflates both builds alike; builds
 * alternate in fresh processes, rounds interleaved. Also: RSS and heap the tracing modules add on
 * import, and the GC time the requests cause.
 *
 *   node bench/tracing-begin.mjs label=DIST_DIR … [--rounds 5] [--requests 200000]
 *   e.g. node bench/tracing-begin.mjs main=../main/dist this=dist
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  if (i === -1) return dflt;
  const v = Number(argv[i + 1]);
  argv.splice(i, 2);
  return v;
};

if (argv[0] === '--child') {
  const [, dist, n] = argv;
  console.log(JSON.stringify(await child(dist, Number(n))));
  process.exit(0);
}

const rounds = opt('--rounds', 5);
const requests = opt('--requests', 200_000);
const builds = argv.map((a) => {
  const eq = a.indexOf('=');
  return { label: a.slice(0, eq), dist: path.resolve(a.slice(eq + 1)) };
});
const self = fileURLToPath(import.meta.url);
const results = Object.fromEntries(builds.map((b) => [b.label, []]));
for (let r = 1; r <= rounds; r++) {
  for (const b of builds) {
    const m = JSON.parse(execFileSync(process.execPath, ['--expose-gc', self, '--child', b.dist, String(requests)], { encoding: 'utf8' }));
    results[b.label].push(m);
    console.log(`[round ${r}/${rounds}] ${b.label.padEnd(8)} new traces ${m.rootUs.toFixed(2)} µs, client flags 00 ${m.parentUs.toFixed(2)} µs CPU/request; GC ${m.gcMsPer100k.toFixed(0)} ms / 100k`);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const med = (label, k) => median(results[label].map((m) => m[k]));
console.log('\n| build | new traces (1 % sampled): CPU µs / request | unsampled, client flags 00: CPU µs / request | GC ms / 100k requests | import: RSS MiB / heap MiB |\n| --- | ---: | ---: | ---: | ---: |');
for (const b of builds) {
  console.log(`| ${b.label} | ${med(b.label, 'rootUs').toFixed(2)} | ${med(b.label, 'parentUs').toFixed(2)} | ${med(b.label, 'gcMsPer100k').toFixed(0)} | ${med(b.label, 'importRss').toFixed(1)} / ${med(b.label, 'importHeap').toFixed(1)} |`);
}

async function child(dist, n) {
  const { PerformanceObserver } = await import('node:perf_hooks');
  const mem = () => {
    globalThis.gc();
    const m = process.memoryUsage();
    return { rss: m.rss / 2 ** 20, heap: m.heapUsed / 2 ** 20 };
  };
  const m0 = mem();
  const { createOtelTracer } = await import(`${dist}/observability/tracing/otel-tracer.js`);
  const settings = {
    endpoint: 'http://127.0.0.1:9/v1/traces', headers: {}, resourceAttributes: {}, serviceName: 'bench', sampler: 'parentbased_traceidratio',
    ratio: 0.01, maxBatchSize: 200, flushDelayMs: 1000, maxQueueSize: 2048, exportTimeoutMs: 10_000, source: 'bench',
  };
  const tracer = createOtelTracer(settings, { onError() {} });
  const m1 = mem();
  const pool = { dispatch: () => true, close: async () => {}, destroy: async () => {}, closed: false, destroyed: false };
  const target = { host: '127.0.0.1', port: 8080, origin: 'http://127.0.0.1:8080' };
  const upstream = tracer.upstream.wrap(pool, target);
  // New traces: 1 % are sampled, their SERVER span started (never ended here: nothing exported).
  let unsampledParent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00';
  const one = (parent) => {
    const headers = parent ? { host: 'gw', traceparent: unsampledParent } : { host: 'gw' };
    const res = { setHeader() {}, once() {}, headersSent: true, statusCode: 200 };
    const req = { headers, socket: { once() {} }, httpVersion: '1.1' };
    const x = { req, res, method: 'GET', host: 'gw', rawPath: '/', requestId: 'r', tls: false, h2Headers: null, peer: '127.0.0.1', realIp: undefined,
      route: undefined, consumer: undefined, reason: undefined, target, headers: ['host', 'up', 'authorization', 'Bearer x', 'traceparent', String(headers.traceparent)] };
    tracer.begin(x);
    upstream.dispatch({ method: 'GET', path: '/', headers: x.headers }, { res });
  };
  let gcMs = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  const time = (parent) => {
    for (let i = 0; i < 20_000; i++) one(parent);
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) one(parent);
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / n;
  };
  obs.observe({ entryTypes: ['gc'] });
  const parentUs = time(true);
  const rootUs = time(false);
  // GC entries arrive asynchronously.
  await new Promise((r) => setTimeout(r, 200));
  obs.disconnect();
  await tracer.shutdown().catch(() => {});
  return { rootUs, parentUs, gcMsPer100k: (gcMs * 100_000) / (2 * (n + 20_000)), importRss: m1.rss - m0.rss, importHeap: m1.heap - m0.heap };
}
