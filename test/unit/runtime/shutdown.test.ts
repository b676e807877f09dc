import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { InProcessPlacement } from '../../../src/runtime/in-process-placement.js';
import type { GatewayOptions } from '../../../src/runtime/options.js';
import { createProcessState } from '../../../src/runtime/process-state.js';
import { createShutdown } from '../../../src/runtime/shutdown.js';
import { freePort } from '../../support/free-port.js';
import { RejectionLog } from '../../../src/observability/rejections.js';

/**
 * The one shutdown sequence (runtime/shutdown.ts), with the real in-process proxy and a real
 * listener standing for admin/status: readiness off, the delay, the drain around beforeClose,
 * the listeners last. Signals are not installed here (the integration tests send real ones).
 */

interface Line {
  msg: string;
  reason?: string;
  err?: { message: string };
}

const opened: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((close) => close()));
});

async function setup(opts: { shutdownDelaySeconds?: number; beforeClose?: () => Promise<void> } = {}) {
  const lines: Line[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Line);
      done();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  const port = await freePort();
  const gateway: GatewayOptions = {
    proxyListen: { host: '127.0.0.1', port },
    adminListen: { host: '127.0.0.1', port: 0 },
    statusListen: { host: '127.0.0.1', port: 0 },
    adminAllowedHosts: [],
    accessLog: false,
    logLevel: 'info',
    drainSeconds: 1,
    shutdownDelaySeconds: opts.shutdownDelaySeconds ?? 0,
    workers: 0,
    underscoreHeaders: 'drop',
    proxyH2c: false,
    proxyHttp2: true,
    tokenCacheBytes: 1 << 20,
  };
  const state = createProcessState({ tokenCacheBytes: 1 << 20 });
  const placement = new InProcessPlacement();
  placement.prepare({ gateway, ...state, logger, rejections: new RejectionLog(), podTokenCacheBytes: 1 << 20, shutdown: () => undefined });
  await placement.start();
  // A real listener in the admin/status listeners' place: closed after the drain.
  const listener = http.createServer((_req, res) => res.end('up'));
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const listenerUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/`;
  const closeListener = () => new Promise<void>((r) => listener.close(() => r()));
  opened.push(closeListener, () => placement.drain(async () => undefined));
  const stopping = createShutdown({
    shutdownDelaySeconds: gateway.shutdownDelaySeconds,
    logger,
    readiness: state.readiness,
    placement,
    beforeClose: opts.beforeClose,
    listeners: [{ close: closeListener }],
  });
  const proxyUrl = `http://127.0.0.1:${port}/`;
  return { stopping, readiness: state.readiness, lines, listenerUrl, proxyUrl };
}

const answers = async (url: string) => {
  try {
    await fetch(url);
    return true;
  } catch {
    return false;
  }
};

describe('shutdown', () => {
  it('readiness off at once; beforeClose while everything still listens; then the proxy, then the listeners', async () => {
    const seen: Record<string, boolean> = {};
    let readinessOffFirst = false;
    const ctx = await setup({
      beforeClose: async () => {
        readinessOffFirst = ctx.readiness.shuttingDown;
        seen['proxy'] = await answers(ctx.proxyUrl);
        seen['listener'] = await answers(ctx.listenerUrl);
      },
    });
    expect(await answers(ctx.proxyUrl)).toBe(true);
    const done = ctx.stopping.shutdown('test');
    expect(ctx.readiness.isReady()).toBe(false);
    expect(ctx.readiness.reason()).toBe('shutting down');
    await done;
    expect(await ctx.stopping.closed).toBe(0);
    expect(readinessOffFirst).toBe(true);
    expect(seen).toEqual({ proxy: true, listener: true });
    expect(await answers(ctx.proxyUrl)).toBe(false);
    expect(await answers(ctx.listenerUrl)).toBe(false);
    expect(ctx.lines.map((l) => l.msg)).toEqual(['shutting down: readiness off, draining in-flight requests', 'stopped']);
    expect(ctx.lines[0]!.reason).toBe('test');
  });

  it('a failing beforeClose is logged, and the shutdown still completes', async () => {
    const ctx = await setup({
      beforeClose: async () => {
        throw new Error('lease release failed');
      },
    });
    await ctx.stopping.shutdown('test');
    expect(await ctx.stopping.closed).toBe(0);
    expect(ctx.lines.find((l) => l.msg === 'shutdown hook failed')?.err?.message).toBe('lease release failed');
    expect(ctx.lines.at(-1)!.msg).toBe('stopped');
    expect(await answers(ctx.listenerUrl)).toBe(false);
  });

  it('only the first call counts: its reason and exit code', async () => {
    const ctx = await setup();
    const first = ctx.stopping.shutdown('proxy listener failed', 1);
    const second = ctx.stopping.shutdown('SIGTERM');
    expect(second).toBe(first);
    await first;
    expect(await ctx.stopping.closed).toBe(1);
    expect(ctx.lines.filter((l) => l.reason !== undefined).map((l) => l.reason)).toEqual(['proxy listener failed']);
  });

  it('the shutdown delay: still accepting, with connection: close, readiness off; skipped for a failed start', async () => {
    const ctx = await setup({ shutdownDelaySeconds: 1 });
    const started = performance.now();
    const done = ctx.stopping.shutdown('SIGTERM');
    const res = await fetch(ctx.proxyUrl);
    expect(res.headers.get('connection')).toBe('close');
    expect(ctx.readiness.isReady()).toBe(false);
    await done;
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(ctx.lines.map((l) => l.msg)).toEqual([
      'shutting down: readiness off; still accepting (connection: close) for the shutdown delay',
      'shutting down: readiness off, draining in-flight requests',
      'stopped',
    ]);

    const failed = await setup({ shutdownDelaySeconds: 60 });
    await failed.stopping.shutdown('proxy listener failed', 1);
    expect(await failed.stopping.closed).toBe(1);
    expect(failed.lines.map((l) => l.msg)).not.toContain('shutting down: readiness off; still accepting (connection: close) for the shutdown delay');
  });
});
