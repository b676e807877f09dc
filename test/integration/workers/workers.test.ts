import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { startGateway, waitFor, type GatewayProcess } from '../../support/gateway-process.js';
import { kongYml } from '../../support/standalone.js';

/**
 * `standalone --workers 2` through the real CLI: one primary (file watch, admin, status) and two
 * proxy workers sharing the proxy port. Which worker served is read from the primary's
 * aggregated /metrics (portcullis_worker_requests_total{worker,pid}), so the proxy's responses
 * carry nothing extra.
 */

/** One request on its own TCP connection (the kernel hands each new connection to one worker). */
function freshGet(base: string, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${base}${p}`, { agent: false, timeout: 5_000 }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('timeout', function (this: http.ClientRequest) {
        this.destroy(new Error(`GET ${p} timed out`));
      })
      .on('error', reject);
  });
}

interface WorkerSeries {
  worker: number;
  pid: number;
  value: number;
}

function workerSeries(metrics: string, name: string): WorkerSeries[] {
  const re = new RegExp(`^${name}\\{worker="(\\d+)",pid="(\\d+)"\\} (\\S+)$`, 'gm');
  return [...metrics.matchAll(re)].map((m) => ({ worker: Number(m[1]), pid: Number(m[2]), value: Number(m[3]) }));
}

function sample(metrics: string, series: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let dir: string;
let config: string;
let upstream: EchoUpstream;
let gw: GatewayProcess;
let sent = 0;
const metrics = async () => (await fetch(`${gw.status}/metrics`)).text();
const workers = async () => workerSeries(await metrics(), 'portcullis_worker_snapshot_version');

async function sendMany(p: string, n: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) statuses.push((await freshGet(gw.proxy, p)).status);
  sent += n;
  return statuses;
}

/**
 * Sends fresh-connection requests until every worker's request count has grown (bounded: the
 * kernel spreads connections over idle workers, so a worker never served means it is not there).
 */
async function untilEveryWorkerServed(p: string, route?: string): Promise<void> {
  const start = workerSeries(await metrics(), 'portcullis_worker_requests_total');
  await waitFor(async () => {
    expect(new Set(await sendMany(p, 5))).toEqual(new Set([200]));
    const now = workerSeries(await metrics(), 'portcullis_worker_requests_total');
    return now.length === 2 && now.every((w) => w.value > (start.find((s) => s.pid === w.pid)?.value ?? 0));
  }, 5_000);
  if (route) expect(sample(await metrics(), `portcullis_requests_total{route="${route}",status="200"}`)).toBeGreaterThan(0);
}

beforeAll(async () => {
  upstream = await startEchoUpstream((req, res) => {
    if (req.headers['x-forwarded-path'] !== '/slow') return false;
    setTimeout(() => res.end('slow done'), 1_000);
    return true;
  });
  dir = await mkdtemp(path.join(os.tmpdir(), 'pc-workers-'));
  config = path.join(dir, 'kong.yml');
  await writeFile(config, kongYml(`http://127.0.0.1:${upstream.port}`, ['/a', '/slow']));
  gw = await startGateway(['standalone', '--config', config, '--workers', '2']);
});

afterAll(async () => {
  if (gw) {
    const pids = (await workers().catch(() => [])).map((w) => w.pid);
    await gw.stop('SIGKILL');
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  await upstream?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('--workers 2', () => {
  it('starts ready with two proxy workers on the primary’s snapshot version', async () => {
    const ws = await workers();
    expect(ws.map((w) => [w.worker, w.value]).sort()).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(new Set(ws.map((w) => w.pid)).size).toBe(2);
    expect(ws.map((w) => w.pid)).not.toContain(gw.child.pid);
    expect(sample(await metrics(), 'portcullis_snapshot_version')).toBe(1);
  });

  it('serves requests from both workers', async () => {
    expect(new Set(await sendMany('/a', 20))).toEqual(new Set([200]));
    await untilEveryWorkerServed('/a');
    expect(workerSeries(await metrics(), 'portcullis_worker_requests_total')).toHaveLength(2);
  });

  it('aggregates metrics: counters sum across workers, snapshot facts are not multiplied', async () => {
    const m = await metrics();
    const perWorker = workerSeries(m, 'portcullis_worker_requests_total').reduce((s, w) => s + w.value, 0);
    expect(sample(m, 'portcullis_requests_total{route="ra",status="200"}')).toBe(sent);
    expect(perWorker).toBe(sent);
    expect(sample(m, 'portcullis_request_duration_seconds_count{route="ra"}')).toBe(sent);
    expect(sample(m, 'portcullis_snapshot_reloads_total')).toBe(1);
    expect(sample(m, 'portcullis_snapshot_version')).toBe(1);
  });

  it('hot reload reaches every worker within a second', async () => {
    const started = Date.now();
    await writeFile(config, kongYml(`http://127.0.0.1:${upstream.port}`, ['/a', '/slow', '/b']));
    // Both workers report the new version, and fresh connections (spread over them) all get 200.
    await waitFor(async () => {
      const versions = (await workers()).map((w) => w.value);
      return versions.length === 2 && versions.every((v) => v === 2) && (await sendMany('/b', 6)).every((s) => s === 200);
    }, 3_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(sample(await metrics(), 'portcullis_snapshot_version')).toBe(2);
    await untilEveryWorkerServed('/b', 'rb');
  });

  it('restarts a killed worker, which serves the current snapshot; totals do not go down', async () => {
    await metrics(); // a scrape right before the kill, so the dead worker's totals are known
    const before = sample(await metrics(), 'portcullis_requests_total{route="ra",status="200"}')!;
    const victim = (await workers()).find((w) => w.worker === 1)!;
    process.kill(victim.pid, 'SIGKILL');
    // The other worker keeps the pod ready and serving meanwhile.
    expect((await fetch(`${gw.status}/readyz`)).status).toBe(200);
    expect(new Set(await sendMany('/a', 6))).toEqual(new Set([200]));

    let replacement: WorkerSeries | undefined;
    await waitFor(async () => {
      replacement = (await workers()).find((w) => w.worker === 1 && w.pid !== victim.pid);
      return replacement !== undefined;
    }, 10_000);
    expect(replacement!.value).toBe(2);
    expect(alive(victim.pid)).toBe(false);

    await untilEveryWorkerServed('/b');
    const m = await metrics();
    expect(workerSeries(m, 'portcullis_worker_requests_total').map((w) => w.pid)).toContain(replacement!.pid);
    expect(sample(m, 'portcullis_requests_total{route="ra",status="200"}')).toBeGreaterThanOrEqual(before + 6);
    expect(sample(m, 'portcullis_worker_restarts_total')).toBe(1);
    expect(gw.output()).toMatch(/"worker":1,"pid":\d+,"code":null,"signal":"SIGKILL","restart_in_ms":\d+,"msg":"proxy worker exited; restarting it"/);
  });

  it('SIGTERM drains in-flight requests, then the primary and every worker exit', async () => {
    const pids = (await workers()).map((w) => w.pid);
    const primary = gw.child.pid!;
    const slow = freshGet(gw.proxy, '/slow');
    await new Promise((r) => setTimeout(r, 200)); // the request is in a worker now
    const code = await gw.stop('SIGTERM');
    expect(await slow).toEqual({ status: 200, body: 'slow done' });
    expect(code).toBe(0);
    await waitFor(() => [primary, ...pids].every((pid) => !alive(pid)), 3_000);
    expect(gw.output()).toContain('"msg":"worker draining in-flight requests"');
  });
});
