import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { waitFor } from '../../support/gateway-process.js';
import { startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * `--workers 2` with a worker SIGKILLed under authenticated load: the primary restarts it, the
 * other worker keeps serving and /readyz stays 200; clients lose at most the requests that were in
 * flight on the killed worker (as cut connections, never as a wrong answer), and everything after
 * the restart succeeds on both workers.
 */
const SECRET = 'worker-kill-secret-0123456789';
const token = mintToken({ algorithm: 'HS256', key: 'wk-key', secret: SECRET, expiresInSeconds: 3600 });
const CONCURRENCY = 6;

let upstream: EchoUpstream;
let gw: StandaloneGateway;

interface Outcome {
  startedAt: number;
  status?: number;
  error?: string;
}

/** One authenticated GET on its own connection (the primary hands each connection to one worker). */
function freshGet(p: string): Promise<Outcome> {
  const startedAt = Date.now();
  return new Promise((resolve) => {
    const req = http.get(`${gw.proxy}${p}`, { agent: false, headers: { authorization: `Bearer ${token}` }, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ startedAt, status: res.statusCode }));
      res.on('error', (err) => resolve({ startedAt, error: (err as NodeJS.ErrnoException).code ?? err.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ startedAt, error: (err as NodeJS.ErrnoException).code ?? err.message }));
  });
}

const metrics = async () => (await fetch(`${gw.status}/metrics`)).text();
function workerSeries(text: string, name: string): Array<{ worker: number; pid: number; value: number }> {
  const re = new RegExp(`^${name}\\{worker="(\\d+)",pid="(\\d+)"\\} (\\S+)$`, 'gm');
  return [...text.matchAll(re)].map((m) => ({ worker: Number(m[1]), pid: Number(m[2]), value: Number(m[3]) }));
}
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  // Half the traffic takes 200 ms upstream, so requests are in flight when the worker dies.
  upstream = await startEchoUpstream((req, res) => {
    if (req.headers['x-forwarded-path'] !== '/slow') return false;
    setTimeout(() => res.end('slow done'), 200);
    return true;
  });
  const jwt = [{ name: 'jwt', config: {} }];
  gw = await startStandalone(
    {
      services: [{ name: 'svc', url: upstream.url, routes: [{ name: 'fast', paths: ['/fast'], plugins: jwt }, { name: 'slow', paths: ['/slow'], plugins: jwt }] }],
      consumers: [{ username: 'wk', jwt_secrets: [{ key: 'wk-key', secret: SECRET }] }],
    },
    { args: ['--workers', '2'], env: { PORTCULLIS_ACCESS_LOG: 'off' } },
  );
});

afterAll(async () => {
  const pids = workerSeries(await metrics().catch(() => ''), 'portcullis_worker_snapshot_version').map((w) => w.pid);
  await gw?.close();
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await upstream?.close();
});

describe('--workers 2: a worker killed under load', () => {
  it('is restarted; only its in-flight requests fail; serving and readiness never stop', async () => {
    const outcomes: Outcome[] = [];
    const readiness: number[] = [];
    let running = true;
    const loops = Array.from({ length: CONCURRENCY }, (_, i) =>
      (async () => {
        while (running) outcomes.push(await freshGet(i % 2 ? '/slow' : '/fast'));
      })(),
    );
    const probe = (async () => {
      while (running) {
        readiness.push((await fetch(`${gw.status}/readyz`)).status);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    await new Promise((r) => setTimeout(r, 1_000));
    const before = workerSeries(await metrics(), 'portcullis_worker_snapshot_version');
    expect(before).toHaveLength(2);
    const victim = before.find((w) => w.worker === 1)!;
    const killedAt = Date.now();
    process.kill(victim.pid, 'SIGKILL');

    let replacementPid = 0;
    await waitFor(async () => {
      const now = workerSeries(await metrics(), 'portcullis_worker_snapshot_version');
      replacementPid = now.find((w) => w.worker === 1 && w.pid !== victim.pid)?.pid ?? 0;
      return replacementPid !== 0;
    }, 15_000);
    const restartedAt = Date.now();
    // Load continues until the replacement has served its share.
    await waitFor(async () => {
      const served = workerSeries(await metrics(), 'portcullis_worker_requests_total').find((w) => w.pid === replacementPid);
      return (served?.value ?? 0) >= 5;
    }, 15_000);
    await new Promise((r) => setTimeout(r, 500));
    running = false;
    await Promise.all([...loops, probe]);

    expect(alive(victim.pid)).toBe(false);
    // Never a wrong answer: every response that arrived is a 200.
    expect(outcomes.filter((o) => o.status !== undefined && o.status !== 200)).toEqual([]);
    // Lost: at most what was in flight (one per client loop), all started before the restart.
    const failed = outcomes.filter((o) => o.error !== undefined);
    expect(failed.length).toBeLessThanOrEqual(CONCURRENCY);
    expect(failed.filter((o) => o.startedAt > restartedAt)).toEqual([]);
    const after = outcomes.filter((o) => o.startedAt > restartedAt);
    expect(after.length).toBeGreaterThan(10);
    expect(readiness.filter((s) => s !== 200)).toEqual([]);
    expect(outcomes.filter((o) => o.startedAt > killedAt && o.status === 200).length).toBeGreaterThan(10);
    const m = await metrics();
    expect(m).toMatch(/^portcullis_worker_restarts_total 1$/m);
    expect(gw.output()).toContain('"signal":"SIGKILL"');
  }, 60_000);
});
