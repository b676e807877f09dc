import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { call, runCli, startStandalone, writeKongYml, type StandaloneGateway } from '../../support/standalone.js';

/**
 * Regex routes cannot freeze the proxy: `~/redos/(a+)+$` backtracks exponentially in a
 * backtracking engine (30 a's and a mismatching tail took seconds, doubling per character) and
 * would stall every client of the process. Route regexes run on a linear-time engine, so such a
 * path is answered promptly and other clients keep flowing. Bounds are generous: the machine is
 * shared, and the failure mode is seconds to hours, not milliseconds.
 */
const PROMPT_MS = 1500;

let upstream: EchoUpstream;
let gw: StandaloneGateway;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  const echo = `http://127.0.0.1:${upstream.port}`;
  gw = await startStandalone({
    services: [
      {
        name: 'redos',
        url: `${echo}/redos-upstream`,
        routes: [
          { name: 'redos', paths: ['~/redos/(a+)+$'], plugins: [{ name: 'jwt', config: { anonymous: 'anon' } }] },
          { name: 'header-redos', paths: ['/hdr'], headers: { 'x-probe': ['~*^(b+)+$'] } },
        ],
      },
      { name: 'ok', url: `${echo}/ok-upstream`, routes: [{ name: 'ok', paths: ['/ok'] }] },
    ],
    consumers: [{ username: 'anon' }],
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

/** Requests `/ok` back to back until stopped; returns the slowest answer seen. */
function steadyClient(): { stop: () => Promise<{ count: number; worstMs: number; failures: number }> } {
  let running = true;
  let count = 0;
  let failures = 0;
  let worstMs = 0;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        const res = await call(gw.proxy, '/ok', { signal: AbortSignal.timeout(10_000) });
        if (res.status !== 200) failures++;
      } catch {
        failures++;
      }
      worstMs = Math.max(worstMs, performance.now() - t0);
      count++;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { count, worstMs, failures };
    },
  };
}

async function timed(path: string, init: RequestInit = {}): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  const res = await call(gw.proxy, path, { signal: AbortSignal.timeout(10_000), ...init });
  return { status: res.status, ms: performance.now() - t0 };
}

describe('regex routes are matched in linear time (ReDoS)', () => {
  it('an exponential-backtracking path regex answers promptly while another client keeps flowing', async () => {
    const client = steadyClient();
    await new Promise((r) => setTimeout(r, 100));
    const results: Array<{ n: number; status: number; ms: number }> = [];
    for (const n of [30, 34, 5000]) {
      const miss = await timed(`/redos/${'a'.repeat(n)}b`);
      results.push({ n, ...miss });
    }
    const hit = await timed(`/redos/${'a'.repeat(5000)}`);
    const other = await client.stop();

    for (const r of results) {
      expect(r.status, `${r.n} a's then b: no route`).toBe(404);
      expect(r.ms, `${r.n} a's then b answered in ${r.ms.toFixed(0)} ms`).toBeLessThan(PROMPT_MS);
    }
    expect(hit.status).toBe(200);
    expect(hit.ms).toBeLessThan(PROMPT_MS);
    expect(other.failures).toBe(0);
    expect(other.count).toBeGreaterThan(0);
    expect(other.worstMs, `slowest concurrent /ok: ${other.worstMs.toFixed(0)} ms`).toBeLessThan(PROMPT_MS);
  });

  it('an exponential-backtracking header regex answers promptly', async () => {
    const miss = await timed('/hdr', { headers: { 'x-probe': `${'b'.repeat(34)}c` } });
    expect(miss.status).toBe(404);
    expect(miss.ms).toBeLessThan(PROMPT_MS);
    const hit = await timed('/hdr', { headers: { 'x-probe': 'b'.repeat(5000) } });
    expect(hit.status).toBe(200);
    expect(hit.ms).toBeLessThan(PROMPT_MS);
  });
});

describe('patterns no linear-time engine can run', () => {
  it('portcullis validate refuses backreferences and lookaround, naming the route and the construct', async () => {
    const { dir, configPath } = await writeKongYml({
      services: [
        {
          name: 's',
          url: 'http://127.0.0.1:9',
          routes: [
            { name: 'backref', paths: ['~/twice/(\\d+)/\\1$'] },
            { name: 'lookbehind', paths: ['/h'], headers: { 'x-v': ['~*(?<!a)b'] } },
            { name: 'nested', paths: ['~/redos/(a+)+$'] },
          ],
        },
      ],
    });
    try {
      const { code, stderr, stdout } = await runCli(['validate', configPath]);
      const out = stdout + stderr;
      expect(code).toBe(1);
      expect(out).toContain("routes 'backref'): paths[0]: invalid regex");
      expect(out).toContain("backreference '\\1' is not supported: it cannot be matched in linear time");
      expect(out).toContain("routes 'lookbehind'): headers.x-v[0]: invalid regex");
      expect(out).toContain("lookbehind '(?<!' is not supported");
      expect(out).not.toContain("routes 'nested'");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('portcullis validate refuses the same in a Route CR manifest', async () => {
    const { dir, configPath } = await writeKongYml(
      [
        'apiVersion: portcullis.dev/v1alpha1',
        'kind: Route',
        'metadata: { name: files, namespace: shop }',
        'spec:',
        '  paths: ["~/files/(?!private/).*"]',
        '  backend: { url: "http://10.0.0.1:8080" }',
        '',
      ].join('\n'),
    );
    try {
      const { code, stderr, stdout } = await runCli(['validate', configPath]);
      expect(code).toBe(1);
      expect(stdout + stderr).toMatch(/\(Route 'files'\): spec\.paths\[0\]: invalid regex: .*lookahead '\(\?!' is not supported: it cannot be matched in linear time/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
