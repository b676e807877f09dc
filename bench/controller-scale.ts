/**
 * Controller mode at cluster scale (issue 17; docs/controller-memory.md), against a local harness
 * control plane (kube-apiserver + etcd) and the real CLI (dist/cli.js; run `npm run build` first):
 *  1. seeds N KongConsumers + N JwtCredentials + N Secrets (one per credential) + R Routes, then
 *     starts the controller: sync time (start → ready, and → the last credential enforced), steady
 *     VmRSS after sync, and heap after a full GC (bench/heap-probe.cjs);
 *  2. single changes (Secret rotated, Route added, credential deleted, consumer + credential added,
 *     in turn): time from the API write returning to the change being enforced over HTTP (polled
 *     every 2 ms), p50/p99, and the controller's build_ms;
 *  3. a burst of B objects (B/2 consumers + B/2 credentials on one shared Secret): time from the last
 *     create returning until the last one is enforced, and until a sample of 200 is;
 *  4. VmRSS and heap again.
 * A Lease held by another identity keeps the controller a follower (no status writes), unless
 * BENCH_LEADER=1. Runs under vitest for the TypeScript harness (not part of `npm test`):
 *   npm run build && npx vitest run --config bench/vitest.controller-scale.config.ts
 * BENCH_BASE_CLI=<other build's dist/cli.js> runs phases 2–4 for both builds on the same seeded set,
 * interleaved (base, this; then this, base with BENCH_ROUNDS=2), each controller alone.
 * BENCH_CONSUMERS (50000), BENCH_ROUTES (5000), BENCH_BURST (10000), BENCH_CHANGES (60),
 * BENCH_CONCURRENCY (48), BENCH_SETTLE_SECONDS (15); BENCH_CONTROLLER_NODE_OPTIONS adds V8 flags
 * (e.g. --max-old-space-size=300) to the controller only.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { it } from 'vitest';
import { mintToken } from '../src/tokens/mint.js';
import { startKubeEnv, type KubeEnv } from '../test/support/controller-env.js';
import { startGateway, type GatewayProcess } from '../test/support/gateway-process.js';
import { consumerBody, credentialBody, hmacSecret, percentile, pool, routeBody, secretBody, CREDENTIAL_LABELS, GROUP, VERSION } from './lib/controller-objects.mjs';

const N = Number(process.env.BENCH_CONSUMERS ?? 50_000);
const R = Number(process.env.BENCH_ROUTES ?? 5_000);
const BURST = Number(process.env.BENCH_BURST ?? 10_000);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 60);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 48);
const SETTLE_S = Number(process.env.BENCH_SETTLE_SECONDS ?? 15);
const LEADER = process.env.BENCH_LEADER === '1';
const BASE_CLI = process.env.BENCH_BASE_CLI;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const LEASE = 'bench';

let label = '';
const log = (line: string) => process.stdout.write(`[controller-scale]${label} ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** Raw REST writes on keep-alive connections: seeding 155,000 objects through typed clients was the bench's own bottleneck. */
function restClient(env: KubeEnv) {
  const cluster = env.kc.getCurrentCluster()!;
  const user = env.kc.getCurrentUser()!;
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: CONCURRENCY,
    ca: readFileSync(cluster.caFile!),
    cert: readFileSync(user.certFile!),
    key: readFileSync(user.keyFile!),
  });
  const base = new URL(cluster.server);
  const send = (method: string, path: string, body?: unknown): Promise<number> =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request(
        { host: base.hostname, port: base.port, path, method, agent, headers: { 'content-type': 'application/json', ...(data && { 'content-length': Buffer.byteLength(data) }) } },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode! < 300 ? resolve(res.statusCode!) : reject(new Error(`${method} ${path}: HTTP ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  return {
    agent,
    create: (ns: string, plural: string, body: unknown) =>
      send('POST', plural === 'secrets' ? `/api/v1/namespaces/${ns}/secrets` : `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${plural}`, body),
    replace: (ns: string, plural: string, name: string, body: unknown) =>
      send('PUT', plural === 'secrets' ? `/api/v1/namespaces/${ns}/secrets/${name}` : `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${plural}/${name}`, body),
    remove: (ns: string, plural: string, name: string) =>
      send('DELETE', plural === 'secrets' ? `/api/v1/namespaces/${ns}/secrets/${name}` : `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${plural}/${name}`),
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
function status(url: string, token?: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', () => resolve(0));
  });
}

async function timeUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (await check()) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`not enforced within ${timeoutMs} ms`);
    await sleep(2);
  }
}

interface Swap { version: number; consumers: number; credentials: number; routes: number; build_ms: number }
const swaps = (gw: GatewayProcess): Swap[] =>
  gw.output().split('\n').filter((l) => l.includes('"snapshot swapped"')).map((l) => JSON.parse(l) as Swap);

async function heapProbe(gw: GatewayProcess): Promise<string> {
  const count = () => gw.output().split('\n').filter((l) => l.includes('"heap probe"')).length;
  const seen = count();
  gw.child.kill('SIGUSR2');
  for (let i = 0; i < 600 && count() === seen; i++) await sleep(100);
  const line = gw.output().split('\n').filter((l) => l.includes('"heap probe"')).at(-1);
  return line ?? '(no heap probe answer)';
}

async function main(): Promise<void> {
  const upstream = http.createServer((req, res) => {
    req.resume();
    res.end('ok');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const backend = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  let env: KubeEnv | undefined;
  let gw: GatewayProcess | undefined;
  try {
    env = await startKubeEnv();
    const ns = await env.namespace('scale');
    const rest = restClient(env);
    if (!LEADER) {
      await env.coordination.createNamespacedLease({
        namespace: ns,
        body: { metadata: { name: LEASE, namespace: ns }, spec: { holderIdentity: 'someone-else', leaseDurationSeconds: 3600 } },
      });
    }

    // 1. Seed, then start the controller on the full set.
    const t0 = performance.now();
    const idx = Array.from({ length: N }, (_, i) => i);
    await pool(idx, CONCURRENCY, async (i: number) => {
      await rest.create(ns, 'secrets', secretBody(ns, i));
      await rest.create(ns, 'kongconsumers', consumerBody(ns, i));
      await rest.create(ns, 'jwtcredentials', credentialBody(ns, i));
    });
    await pool(Array.from({ length: R }, (_, j) => j), CONCURRENCY, (j: number) => rest.create(ns, 'routes', routeBody(ns, j, backend)));
    const seedS = (performance.now() - t0) / 1000;
    log(`seeded ${N} consumers + ${N} credentials + ${N} Secrets + ${R} routes in ${seedS.toFixed(0)} s (${((3 * N + R) / seedS).toFixed(0)} objects/s)`);

    const variants: Array<{ name: string; cli?: string }> = BASE_CLI ? [{ name: 'base', cli: BASE_CLI }, { name: 'this' }] : [{ name: 'this' }];
    let run = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const v of round % 2 === 0 ? variants : [...variants].reverse()) {
        label = BASE_CLI ? ` [${v.name} #${round + 1}]` : '';
        gw = await measure(env, ns, rest, backend, run++, v.cli);
        await gw.stop('SIGKILL');
        gw = undefined;
      }
    }
    rest.agent.destroy();
  } finally {
    await gw?.stop('SIGKILL');
    await env?.stop();
    upstream.close();
    agent.destroy();
  }
}

/** Phases 1 (sync) to 4 for one controller build; `run` keeps each run's new objects apart. */
async function measure(env: KubeEnv, ns: string, rest: ReturnType<typeof restClient>, backend: string, run: number, cli?: string): Promise<GatewayProcess> {
    const started = performance.now();
    const gw = await startGateway(
      ['controller', '--kubeconfig', env.cp.kubeconfigPath, '--namespace', ns, '--lease-name', LEASE],
      {
        waitReady: false,
        timeoutMs: 60_000,
        ...(cli !== undefined && { cli }),
        env: {
          PORTCULLIS_ACCESS_LOG: 'off',
          POD_NAME: 'scale-controller',
          POD_NAMESPACE: ns,
          NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${process.env.BENCH_CONTROLLER_NODE_OPTIONS ?? ''} --expose-gc --require ${new URL('./heap-probe.cjs', import.meta.url).pathname}`,
        },
      },
    );
    const g = gw;
    const readyMs = await timeUntil(async () => (await fetch(`${g.status}/readyz`).then((r) => r.status, () => 0)) === 200, 300_000);
    const lastToken = mintToken({ algorithm: 'HS256', key: `key-${N - 1}`, secret: hmacSecret(N - 1), expiresInSeconds: 3600 });
    await timeUntil(async () => (await status(`${g.proxy}/r${R - 1}/`, lastToken)) === 200, 300_000);
    const syncMs = performance.now() - started;
    const first = swaps(g)[0];
    log(`sync: ready ${(readyMs / 1000).toFixed(1)} s after start, last credential on the last route enforced ${(syncMs / 1000).toFixed(1)} s after start; first snapshot build_ms ${first?.build_ms} (${first?.consumers} consumers, ${first?.credentials} credentials, ${first?.routes} routes)`);
    const pid = g.child.pid!;
    log(`VmRSS right after sync: ${rssMb(pid).toFixed(0)} MB`);
    await sleep(SETTLE_S * 1000);
    log(`VmRSS steady (${SETTLE_S} s after sync, no forced GC): ${rssMb(pid).toFixed(0)} MB`);
    log(`heap (full GC): ${await heapProbe(g)}`);
    log(`VmRSS after that GC: ${rssMb(pid).toFixed(0)} MB`);

    // 2. Single changes.
    const lat: Record<string, number[]> = { 'secret rotated': [], 'route added': [], 'credential deleted': [], 'consumer+credential added': [] };
    const swapsBefore = swaps(g).length;
    // Past every run's burst indexes.
    let extra = N + 20 * BURST + run * 4 * CHANGES;
    for (let c = 0; c < CHANGES; c++) {
      const i = (c * 7919 + 17) % N;
      const kind = c % 4;
      if (kind === 0) {
        const secretBodyNew = secretBody(ns, i, {}, c + 1);
        const token = mintToken({ algorithm: 'HS256', key: `key-${i}`, secret: hmacSecret(i, c + 1), expiresInSeconds: 3600 });
        await rest.replace(ns, 'secrets', `c${i}-jwt`, secretBodyNew);
        lat['secret rotated']!.push(await timeUntil(async () => (await status(`${g.proxy}/r0/`, token)) === 200, 30_000));
      } else if (kind === 1) {
        const j = R + run * CHANGES + c;
        await rest.create(ns, 'routes', routeBody(ns, j, backend));
        lat['route added']!.push(await timeUntil(async () => (await status(`${g.proxy}/r${j}/`)) === 401, 30_000));
      } else if (kind === 2) {
        const token = mintToken({ algorithm: 'HS256', key: `key-${i}`, secret: hmacSecret(i), expiresInSeconds: 3600 });
        if ((await status(`${g.proxy}/r0/`, token)) !== 200) continue; // rotated or deleted earlier
        await rest.remove(ns, 'jwtcredentials', `c${i}-hs`);
        lat['credential deleted']!.push(await timeUntil(async () => (await status(`${g.proxy}/r0/`, token)) === 401, 30_000));
      } else {
        const k = extra++;
        await rest.create(ns, 'secrets', secretBody(ns, k));
        await rest.create(ns, 'kongconsumers', consumerBody(ns, k));
        await rest.create(ns, 'jwtcredentials', credentialBody(ns, k));
        const token = mintToken({ algorithm: 'HS256', key: `key-${k}`, secret: hmacSecret(k), expiresInSeconds: 3600 });
        lat['consumer+credential added']!.push(await timeUntil(async () => (await status(`${g.proxy}/r0/`, token)) === 200, 30_000));
      }
    }
    const fmt = (xs: number[]) => (xs.length === 0 ? '(none)' : `p50 ${percentile(xs, 50).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms (n=${xs.length})`);
    const all = Object.values(lat).flat();
    log(`change → enforced, all: ${fmt(all)}`);
    for (const [what, xs] of Object.entries(lat)) log(`  ${what}: ${fmt(xs)}`);
    const builds = swaps(g).slice(swapsBefore).map((s) => s.build_ms);
    log(`build_ms of those swaps: ${builds.length === 0 ? '(none)' : `p50 ${percentile(builds, 50)}, p99 ${percentile(builds, 99)}, max ${Math.max(...builds)}`}`);

    // 3. Burst.
    if (run === 0) await rest.create(ns, 'secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'burst-jwt', namespace: ns, labels: CREDENTIAL_LABELS }, data: { secret: Buffer.from('burst-secret').toString('base64') } });
    const half = Math.floor(BURST / 2);
    const burstIdx = Array.from({ length: half }, (_, b) => N + run * half + b);
    const tb = performance.now();
    await pool(burstIdx, CONCURRENCY, async (k: number) => {
      await rest.create(ns, 'kongconsumers', consumerBody(ns, k));
      await rest.create(ns, 'jwtcredentials', { ...credentialBody(ns, k), spec: { ...credentialBody(ns, k).spec, secretRef: { name: 'burst-jwt', key: 'secret' } } });
    });
    const lastCreate = performance.now();
    log(`burst: ${2 * half} objects created in ${((lastCreate - tb) / 1000).toFixed(1)} s`);
    const burstToken = (k: number) => mintToken({ algorithm: 'HS256', key: `key-${k}`, secret: 'burst-secret', expiresInSeconds: 3600 });
    const lastK = burstIdx.at(-1)!;
    const lastMs = await timeUntil(async () => (await status(`${g.proxy}/r0/`, burstToken(lastK))) === 200, 120_000);
    const sample = Array.from({ length: 200 }, (_, s) => burstIdx[Math.floor((s * burstIdx.length) / 200)]!);
    const sampleMs = await timeUntil(async () => {
      for (const k of sample) if ((await status(`${g.proxy}/r0/`, burstToken(k))) !== 200) return false;
      return true;
    }, 120_000);
    log(`burst: last object enforced ${(lastMs / 1000).toFixed(2)} s after the last create returned; all of a 200-object sample by ${((performance.now() - lastCreate) / 1000).toFixed(2)} s (check took ${(sampleMs / 1000).toFixed(2)} s)`);

    // 4. Memory after all that.
    await sleep(SETTLE_S * 1000);
    log(`VmRSS at the end (${SETTLE_S} s idle): ${rssMb(pid).toFixed(0)} MB`);
    log(`heap at the end (full GC): ${await heapProbe(g)}`);
    log(`VmRSS after that GC: ${rssMb(pid).toFixed(0)} MB`);
    const timings = g.output().split('\n').filter((l) => l.includes('"rebuild timing"')).map((l) => JSON.parse(l) as Record<string, number>);
    if (timings.length > 0) {
      const stat = (k: string) => { const xs = timings.map((t) => t[k]!); return `p50 ${percentile(xs, 50)}, max ${Math.max(...xs)}`; };
      log(`rebuild timing (${timings.length} rebuilds, ms): waited ${stat('waited_ms')}; collect ${stat('collect_ms')}; resources ${stat('resources_ms')}; hash ${stat('hash_ms')}; apply ${stat('apply_ms')}`);
    }
    const passes = g.output().split('\n').filter((l) => l.includes('"status pass"')).map((l) => (JSON.parse(l) as { report_ms: number }).report_ms);
    log(`status passes over 50 ms: ${passes.length}${passes.length ? ` (p50 ${percentile(passes, 50)} ms, max ${Math.max(...passes)} ms)` : ''}`);
    return g;
}

it('controller at scale', main, 90 * 60_000);
