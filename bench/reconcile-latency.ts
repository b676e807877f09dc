/**
 * Reconcile latency and scale of controller mode, against a local harness control plane and the
 * real CLI (dist/cli.js; run `npm run build` first).
 *  1. 50 changes (alternately: add a Route path / rotate a credential Secret): time from the API
 *     write returning to the change being enforced over HTTP (polled every 5 ms); p50/p99.
 *  2. 10,000 KongConsumers with one JwtCredential each (parallel creates, bounded concurrency):
 *     the controller's 'snapshot swapped' build_ms and its VmRSS.
 * A Lease held by another identity keeps this controller a follower, so status writes (one per
 * new object) do not compete with the measurement.
 * It reuses the TypeScript test harness, so vitest runs it (its own config; not part of `npm test`):
 *   npm run build && npx vitest run --config bench/vitest.reconcile.config.ts
 * BENCH_CONSUMERS=N overrides the 10,000.
 */
import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mintToken } from '../src/tokens/mint.js';
import { startController, startKubeEnv, GROUP, VERSION, type KubeEnv } from '../test/support/controller-env.js';
import { consumer, credential, join, route, secret } from '../test/support/crs.js';
import type { GatewayProcess } from '../test/support/gateway-process.js';

const CHANGES = 50;
const CONSUMERS = Number(process.env.BENCH_CONSUMERS ?? 10_000);
const CONCURRENCY = 32;
const IDLE_S = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
const LEASE = 'bench';

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

async function timeUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (await check().catch(() => false)) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`not enforced within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await fetch(url, { headers });
  await res.arrayBuffer();
  return res.status;
};

interface Swap { version: number; consumers: number; credentials: number; build_ms: number }
function swaps(gw: GatewayProcess): Swap[] {
  return gw
    .output()
    .split('\n')
    .filter((l) => l.includes('snapshot swapped'))
    .map((l) => JSON.parse(l) as Swap);
}
/** Asks bench/heap-probe.cjs (preloaded) for post-GC heap statistics; returns its JSON line. */
async function heapProbe(gw: GatewayProcess): Promise<string> {
  const seen = gw.output().split('\n').filter((l) => l.includes('"heap probe"')).length;
  gw.child.kill('SIGUSR2');
  for (let i = 0; i < 1200; i++) {
    const lines = gw.output().split('\n').filter((l) => l.includes('"heap probe"'));
    if (lines.length > seen) return lines.at(-1)!;
    await new Promise((r) => setTimeout(r, 100));
  }
  return '(no heap probe answer)';
}
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

async function main(): Promise<void> {
  const upstream = http.createServer((req, res) => { req.resume(); res.end('ok'); });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const backend = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  let env: KubeEnv | undefined;
  let gw: GatewayProcess | undefined;
  try {
    env = await startKubeEnv();
    const ns = await env.namespace('bench');
    await env.coordination.createNamespacedLease({
      namespace: ns,
      body: { metadata: { name: LEASE, namespace: ns }, spec: { holderIdentity: 'someone-else', leaseDurationSeconds: 3600 } },
    });
    await env.apply(join(
      consumer(ns, 'bench'),
      secret(ns, 'bench-jwt', { secret: 's0' }),
      credential(ns, 'bench-hs', { consumer: 'bench', key: 'bench-key', secretName: 'bench-jwt' }),
      route(ns, 'api', { paths: ['/api'], backend: { url: backend }, jwt: true }),
    ));
    gw = await startController(env, { namespace: ns, args: ['--lease-name', LEASE], env: {
      POD_NAME: 'bench-controller', POD_NAMESPACE: ns,
      // BENCH_CONTROLLER_NODE_OPTIONS: extra V8 flags for the controller only (e.g. --max-old-space-size=256).
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${process.env.BENCH_CONTROLLER_NODE_OPTIONS ?? ''} --expose-gc --require ${new URL('./heap-probe.cjs', import.meta.url).pathname}`,
    } });
    const proxy = gw.proxy;

    // 1. Reconcile latency.
    const latencies: { route: number[]; secret: number[] } = { route: [], secret: [] };
    for (let i = 1; i <= CHANGES; i++) {
      if (i % 2 === 1) {
        await env.apply(route(ns, `r${i}`, { paths: [`/p${i}`], backend: { url: backend } }));
        latencies.route.push(await timeUntil(async () => (await get(`${proxy}/p${i}`)) === 200));
      } else {
        const token = mintToken({ algorithm: 'HS256', key: 'bench-key', secret: `s${i}`, expiresInSeconds: 600 });
        await env.apply(secret(ns, 'bench-jwt', { secret: `s${i}` }));
        latencies.secret.push(await timeUntil(async () => (await get(`${proxy}/api`, { authorization: `Bearer ${token}` })) === 200));
      }
    }
    const all = [...latencies.route, ...latencies.secret];
    const fmt = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms (n=${xs.length})`;
    console.log(`reconcile latency, all changes: ${fmt(all)}`);
    console.log(`  route path added:  ${fmt(latencies.route)}`);
    console.log(`  secret rotated:    ${fmt(latencies.secret)}`);
    const pid = gw.child.pid!;
    const baseline = swaps(gw).at(-1)!;
    console.log(`baseline: build_ms ${baseline.build_ms}, VmRSS ${rssMb(pid).toFixed(0)} MB`);
    console.log(`baseline heap (after GC): ${await heapProbe(gw)}`);

    // 2. Scale: N consumers with one credential each (one shared Secret, distinct keys).
    await env.apply(secret(ns, 'shared-jwt', { secret: 'shared-secret' }));
    const swapsBefore = swaps(gw).length;
    const t0 = performance.now();
    const idx = Array.from({ length: CONSUMERS }, (_, i) => i);
    await pool(idx, CONCURRENCY, async (i) => {
      await env!.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: 'kongconsumers',
        body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'KongConsumer', metadata: { name: `c${i}` }, spec: { username: `user-${i}` } } });
      await env!.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: 'jwtcredentials',
        body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'JwtCredential', metadata: { name: `c${i}-hs` },
          spec: { consumerRef: { name: `c${i}` }, key: `key-${i}`, algorithm: 'HS256', secretRef: { name: 'shared-jwt', key: 'secret' } } } });
    });
    const createS = (performance.now() - t0) / 1000;
    console.log(`created ${CONSUMERS} consumers + ${CONSUMERS} credentials in ${createS.toFixed(1)} s (${((2 * CONSUMERS) / createS).toFixed(0)} objects/s, concurrency ${CONCURRENCY})`);
    const last = `${proxy}/api`;
    const lastToken = mintToken({ algorithm: 'HS256', key: `key-${CONSUMERS - 1}`, secret: 'shared-secret', expiresInSeconds: 600 });
    const seenAt = await timeUntil(async () => (await get(last, { authorization: `Bearer ${lastToken}` })) === 200, 120_000);
    console.log(`last credential enforced ${seenAt.toFixed(0)} ms after the last create returned`);
    const full = swaps(gw).filter((s) => s.credentials >= CONSUMERS);
    console.log(`swaps while creating: ${swaps(gw).length - swapsBefore}; first full snapshot build_ms ${full[0]?.build_ms}`);
    // A steady-state rebuild with everything in place: one more route.
    const before = swaps(gw).length;
    await env.apply(route(ns, 'final', { paths: ['/final'], backend: { url: backend } }));
    await timeUntil(async () => (await get(`${proxy}/final`)) === 200, 30_000);
    const rebuilds = swaps(gw).slice(before);
    console.log(`rebuild with ${CONSUMERS} consumers/credentials: build_ms ${rebuilds.map((s) => s.build_ms).join(', ')}`);
    await new Promise((r) => setTimeout(r, 2_000));
    console.log(`controller VmRSS with ${CONSUMERS} consumers: ${rssMb(pid).toFixed(0)} MB`);
    // Does V8's memory reducer give the churn's garbage back by itself once the controller is idle?
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    console.log(`controller VmRSS after ${IDLE_S} s idle (no forced GC): ${rssMb(pid).toFixed(0)} MB`);
    console.log(`heap with ${CONSUMERS} consumers (after GC): ${await heapProbe(gw)}`);
    console.log(`controller VmRSS after that GC: ${rssMb(pid).toFixed(0)} MB`);
  } finally {
    await gw?.stop('SIGKILL');
    await env?.stop();
    upstream.close();
  }
}

it('reconcile latency and scale', main, 30 * 60_000);
