import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * What an operator's log pipeline reads on stdout, from the real CLI, in one process and with
 * proxy workers: every line is JSON with the same `time` format (ISO 8601 UTC, milliseconds),
 * whichever process wrote it, and an access line shows up within about a second of its request
 * even when it is the only one (the access log buffers for throughput).
 */
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** The access log flushes 1 s after its first buffered line; beyond 2 s it is stuck. */
const ACCESS_LINE_DEADLINE_MS = 2_000;

let upstream: EchoUpstream;
beforeAll(async () => {
  upstream = await startEchoUpstream();
});
afterAll(async () => {
  await upstream?.close();
});

const lines = (text: string) => text.split('\n').filter((l) => l !== '');
const parsed = (text: string) => lines(text).map((l) => JSON.parse(l) as Record<string, unknown>);

describe.each([
  ['one process', [] as string[]],
  ['--workers 2', ['--workers', '2']],
])('stdout of portcullis standalone (%s)', (_mode, extraArgs) => {
  let gw: StandaloneGateway;
  let started: number;
  let stdout = '';
  let accessAfterMs = Number.NaN;
  let exitCode: number | null = null;

  beforeAll(async () => {
    started = Date.now();
    gw = await startStandalone(
      { services: [{ name: 'echo', url: `http://127.0.0.1:${upstream.port}`, routes: [{ name: 'echo', paths: ['/echo'] }] }] },
      { args: ['--access-log', 'on', ...extraArgs] },
    );
    const sent = performance.now();
    const res = await fetch(`${gw.proxy}/echo/one`);
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    while (performance.now() - sent < ACCESS_LINE_DEADLINE_MS) {
      if (gw.stdout().includes('"type":"access"')) {
        accessAfterMs = performance.now() - sent;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    exitCode = await gw.close();
    stdout = gw.stdout();
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
  });

  it('shows the access line of a lone request within about a second, not when the buffer fills', () => {
    expect(accessAfterMs, `no access line ${ACCESS_LINE_DEADLINE_MS} ms after the request:\n${stdout}`).toBeLessThan(ACCESS_LINE_DEADLINE_MS);
  });

  it('writes every line as JSON with time in ISO 8601 UTC with milliseconds', () => {
    expect(exitCode).toBe(0);
    const all = lines(stdout);
    for (const line of all) {
      let obj: Record<string, unknown>;
      expect(() => (obj = JSON.parse(line) as Record<string, unknown>), line).not.toThrow();
      expect(obj!.time, line).toEqual(expect.stringMatching(ISO_MS));
      const t = Date.parse(obj!.time as string);
      expect(t, line).toBeGreaterThanOrEqual(started - 1_000);
      expect(t, line).toBeLessThanOrEqual(Date.now() + 1_000);
    }
  });

  it('covers startup, access and shutdown lines (from the primary and each worker)', () => {
    const objs = parsed(stdout);
    const msgs = objs.map((o) => String(o.msg));
    expect(msgs.some((m) => m.startsWith('portcullis listening'))).toBe(true);
    expect(msgs).toContain('snapshot swapped');
    expect(objs.filter((o) => o.type === 'access')).toHaveLength(1);
    expect(msgs).toContain('stopped');
    if (extraArgs.length > 0) {
      expect(objs.filter((o) => o.msg === 'proxy worker serving').map((o) => o.worker).sort()).toEqual([1, 2]);
      expect(objs.filter((o) => o.msg === 'worker stopped').map((o) => o.worker).sort()).toEqual([1, 2]);
    }
  });
});
