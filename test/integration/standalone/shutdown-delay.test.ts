import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * The shutdown delay (PORTCULLIS_SHUTDOWN_DELAY / --shutdown-delay) against the real CLI: after
 * SIGTERM the proxy keeps accepting new connections and answering, with `connection: close`,
 * while /readyz says 503; then it drains and exits 0. A second signal cuts the delay short.
 */
let upstream: EchoUpstream;
let hangs = 0;

beforeAll(async () => {
  // /hang never answers: an in-flight request that would hold the drain to its end.
  upstream = await startEchoUpstream((req) => req.url!.startsWith('/hang') && ++hangs > 0);
});
afterAll(async () => upstream?.close());

const config = () => ({
  services: [{ name: 's', url: `http://127.0.0.1:${upstream.port}`, routes: [{ name: 'r', paths: ['/'], strip_path: false }] }],
});

interface Outcome {
  at: number;
  /** Request sent after /readyz was seen answering 503. */
  afterNotReady: boolean;
  status?: number;
  connection?: string;
  error?: string;
  keepAlive: boolean;
}

/** One request; resolves with what happened (never rejects). */
function request(base: string, agent: http.Agent | false, afterNotReady: boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = http.get(`${base}/load`, { agent }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ at: performance.now(), afterNotReady, status: res.statusCode, connection: res.headers.connection, keepAlive: agent !== false }),
      );
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ at: performance.now(), afterNotReady, error: err.code ?? err.message, keepAlive: agent !== false }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ at: performance.now(), afterNotReady, error: err.code ?? err.message, keepAlive: agent !== false }));
  });
}

/** Keep-alive clients and clients opening a new connection per request, until stop(). */
function startLoad(base: string, flags: { notReady: boolean }) {
  const outcomes: Outcome[] = [];
  let running = true;
  const agents = Array.from({ length: 3 }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const loop = async (agent: http.Agent | false) => {
    while (running) {
      outcomes.push(await request(base, agent, flags.notReady));
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const loops = [...agents.map((a) => loop(a)), loop(false), loop(false)];
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
      for (const a of agents) a.destroy();
    },
  };
}

async function sigtermUnderLoad(gw: StandaloneGateway, delaySeconds: number): Promise<void> {
  const flags = { notReady: false };
  const load = startLoad(gw.proxy, flags);
  await waitFor(() => load.outcomes.filter((o) => o.status === 200).length >= 20, 10_000);
  const sent = performance.now();
  gw.child.kill('SIGTERM');
  await waitFor(async () => (await fetch(`${gw.status}/readyz`)).status === 503, 5_000, undefined, 20);
  flags.notReady = true;
  const body = (await (await fetch(`${gw.status}/readyz`)).json()) as { reason: string };
  expect(body.reason).toBe('shutting down');
  // Keep the load on well inside the delay (the machine may be slow to deliver the signal).
  const loadUntil = sent + delaySeconds * 1000 - 1_500;
  while (performance.now() < loadUntil) await new Promise((r) => setTimeout(r, 50));
  await load.stop();
  expect(gw.child.exitCode).toBeNull();

  const during = load.outcomes.filter((o) => o.at >= sent);
  const errors = during.filter((o) => o.error !== undefined).map((o) => o.error);
  expect(errors).toEqual([]);
  const notReady = during.filter((o) => o.afterNotReady);
  expect(notReady.length).toBeGreaterThan(10);
  expect(notReady.every((o) => o.status === 200)).toBe(true);
  // Every response after readiness went off tells the client to reconnect (elsewhere).
  expect(notReady.filter((o) => o.connection !== 'close')).toEqual([]);
  // Both kinds of client got through: new connections were accepted, kept-alive ones were closed.
  expect(notReady.filter((o) => !o.keepAlive).length).toBeGreaterThan(2);
  expect(notReady.filter((o) => o.keepAlive).length).toBeGreaterThan(2);

  await waitFor(() => gw.child.exitCode !== null, 15_000);
  expect(gw.child.exitCode).toBe(0);
  // It did wait for the delay before closing.
  expect(performance.now() - sent).toBeGreaterThan(delaySeconds * 1000 - 500);
  expect(gw.output()).toContain('shutdown delay');
}

describe('shutdown delay', () => {
  it('single process: no refused connection during the delay, readyz 503, connection: close, exit 0', async () => {
    const gw = await startStandalone(config(), { env: { PORTCULLIS_SHUTDOWN_DELAY: '5' } });
    try {
      await sigtermUnderLoad(gw, 5);
    } finally {
      await gw.close();
    }
  }, 60_000);

  it('--workers 2: the same through the worker processes', async () => {
    const gw = await startStandalone(config(), { args: ['--workers', '2'], env: { PORTCULLIS_SHUTDOWN_DELAY: '5' } });
    try {
      await sigtermUnderLoad(gw, 5);
    } finally {
      await gw.close();
    }
  }, 60_000);

  it('a second SIGTERM cuts the delay short; the drain still completes and the exit code is 0', async () => {
    const gw = await startStandalone(config(), { args: ['--shutdown-delay', '60', '--workers', '1'] });
    try {
      gw.child.kill('SIGTERM');
      await waitFor(async () => (await fetch(`${gw.status}/readyz`)).status === 503, 5_000);
      const res = await fetch(`${gw.proxy}/still-open`);
      expect(res.status).toBe(200);
      expect(res.headers.get('connection')).toBe('close');
      const cut = performance.now();
      gw.child.kill('SIGTERM');
      await waitFor(() => gw.child.exitCode !== null, 15_000);
      expect(gw.child.exitCode).toBe(0);
      expect(performance.now() - cut).toBeLessThan(15_000);
      expect(gw.output()).toContain('shutdown delay cut short');
    } finally {
      await gw.close();
    }
  }, 60_000);

  it('a stop signal during the drain exits at once (Ctrl-C twice stays prompt)', async () => {
    const gw = await startStandalone(config(), { args: ['--drain-seconds', '60'] });
    try {
      const before = hangs;
      const hanging = fetch(`${gw.proxy}/hang`).catch(() => 'cut');
      await waitFor(() => hangs > before, 5_000);
      gw.child.kill('SIGINT');
      await waitFor(async () => (await fetch(`${gw.status}/readyz`)).status === 503, 5_000);
      expect(gw.child.exitCode).toBeNull(); // draining: waiting for /hang
      const again = performance.now();
      gw.child.kill('SIGINT');
      await waitFor(() => gw.child.exitCode !== null, 10_000);
      expect(performance.now() - again).toBeLessThan(10_000);
      expect(gw.child.exitCode).toBe(130);
      expect(gw.output()).toContain('stop signal during the drain');
      expect(await hanging).toBe('cut');
    } finally {
      await gw.close();
    }
  }, 60_000);

  it('rejects a bad --shutdown-delay', async () => {
    const { runCli } = await import('../../support/standalone.js');
    const r = await runCli(['standalone', '--config', '/nonexistent.yml', '--shutdown-delay', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--shutdown-delay: expected a non-negative integer, got 'soon'");
  });
});
