import { writeFile } from 'node:fs/promises';
import { Pool } from 'undici';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { waitFor } from '../../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { runCli, startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * The verified-token cache under a flood of distinct valid large tokens over several jwt routes:
 * one byte budget for the whole process (and the whole pod with --workers), read back from
 * /metrics. Before, each route's plugin had its own 10,000-entry cache.
 */
const SECRET = 'flood-secret-0123456789abcdef';
const ROUTES = 6;
const BUDGET = 1024 * 1024;
const FLOOD = 1500;
/** A distinct valid token of ~3.9 KB (each costs ~4.2 KB of the budget: ~250 fit in 1 MiB). */
const PAD = 'x'.repeat(2800);

const token = (claims: Record<string, unknown>, secret = SECRET) =>
  mintToken({ algorithm: 'HS256', key: 'flood-key', secret, expiresInSeconds: 3600, claims });

function kongConfig(upstream: string, secret = SECRET): object {
  return {
    services: [
      {
        name: 'echo',
        url: upstream,
        routes: Array.from({ length: ROUTES }, (_, r) => ({ name: `r${r}`, paths: [`/r${r}`], plugins: [{ name: 'jwt' }] })),
      },
    ],
    consumers: [{ username: 'flooder', jwt_secrets: [{ key: 'flood-key', algorithm: 'HS256', secret }] }],
  };
}

interface CacheMetrics {
  bytes: number;
  budget: number;
  entries: number;
  evictions: number;
  hits: number;
  misses: number;
}

async function cacheMetrics(gw: StandaloneGateway): Promise<CacheMetrics> {
  const text = await (await fetch(`${gw.status}/metrics`)).text();
  const value = (series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    if (line === undefined) throw new Error(`${series} missing from /metrics`);
    return Number(line.slice(series.length + 1));
  };
  return {
    bytes: value('portcullis_jwt_token_cache_bytes'),
    budget: value('portcullis_jwt_token_cache_budget_bytes'),
    entries: value('portcullis_jwt_token_cache_entries'),
    evictions: value('portcullis_jwt_token_cache_evictions_total'),
    hits: value('portcullis_jwt_token_cache_lookups_total{result="hit"}'),
    misses: value('portcullis_jwt_token_cache_lookups_total{result="miss"}'),
  };
}

/** GET each (route, token) with 8 connections in flight; returns the statuses seen. */
async function sendAll(gw: StandaloneGateway, jobs: Array<{ route: number; token: string }>): Promise<Set<number>> {
  const pool = new Pool(gw.proxy, { connections: 8 });
  const statuses = new Set<number>();
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < jobs.length) {
          const { route, token: t } = jobs[next++]!;
          const res = await pool.request({ method: 'GET', path: `/r${route}`, headers: { authorization: `Bearer ${t}` } });
          await res.body.dump();
          statuses.add(res.statusCode);
        }
      }),
    );
  } finally {
    await pool.close();
  }
  return statuses;
}

/** Thousands of requests with 4 KB tokens on a machine shared with other suites. */
const SLOW = 90_000;

const flood = (wave: string) => Array.from({ length: FLOOD }, (_, i) => ({ route: i % ROUTES, token: token({ jti: `${wave}-${i}`, pad: PAD }) }));

let upstream: EchoUpstream;
beforeAll(async () => {
  upstream = await startEchoUpstream();
});
afterAll(async () => {
  await upstream?.close();
});

describe('one process', () => {
  let gw: StandaloneGateway;
  beforeAll(async () => {
    gw = await startStandalone(kongConfig(upstream.url), { args: ['--token-cache-bytes', '1Mi', '--access-log', 'off'] });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('keeps every route\'s verified tokens within one byte budget, however many distinct tokens arrive', async () => {
    expect(await sendAll(gw, flood('a'))).toEqual(new Set([200]));
    const m = await cacheMetrics(gw);
    expect(m.budget).toBe(BUDGET);
    expect(m.bytes).toBeLessThanOrEqual(BUDGET);
    expect(m.bytes).toBeGreaterThan(BUDGET * 0.9); // it did fill: the bound is the budget, not something smaller
    expect(m.entries).toBeGreaterThan(200);
    expect(m.entries).toBeLessThan(260);
    expect(m.evictions).toBe(FLOOD - m.entries);
    expect(m.misses).toBe(FLOOD);
  }, SLOW);

  it('a token verified on one route is a cache hit on the others, and survives the next flood once it is reused', async () => {
    const honest = token({ sub: 'honest-client' });
    const before = await cacheMetrics(gw);
    expect(await sendAll(gw, Array.from({ length: ROUTES }, (_, route) => ({ route, token: honest })))).toEqual(new Set([200]));
    const after = await cacheMetrics(gw);
    expect(after.hits - before.hits).toBe(ROUTES - 1);

    expect(await sendAll(gw, flood('b'))).toEqual(new Set([200]));
    const hitsBefore = (await cacheMetrics(gw)).hits;
    expect(await sendAll(gw, [{ route: 0, token: honest }])).toEqual(new Set([200]));
    expect((await cacheMetrics(gw)).hits).toBe(hitsBefore + 1);
    expect((await cacheMetrics(gw)).bytes).toBeLessThanOrEqual(BUDGET);
  }, SLOW);

  it('a reload that rotates the secret drops the old verifications: a cached token signed with the old secret is refused', async () => {
    const old = token({ sub: 'before-rotation' });
    expect(await sendAll(gw, [{ route: 0, token: old }, { route: 1, token: old }])).toEqual(new Set([200]));
    await writeFile(gw.configPath, YAML.stringify({ _format_version: '3.0', ...kongConfig(upstream.url, 'rotated-secret-0123456789abcdef') }));
    await waitFor(async () => (await cacheMetrics(gw)).entries === 0, 10_000);
    expect(await sendAll(gw, [{ route: 0, token: old }])).toEqual(new Set([401]));
    expect(await sendAll(gw, [{ route: 0, token: token({ sub: 'after' }, 'rotated-secret-0123456789abcdef') }])).toEqual(new Set([200]));
  });
});

describe('--workers 2', () => {
  let gw: StandaloneGateway;
  beforeAll(async () => {
    // The budget through the environment this time (the chart sets it that way).
    gw = await startStandalone(kongConfig(upstream.url), {
      args: ['--workers', '2', '--access-log', 'off'],
      env: { PORTCULLIS_TOKEN_CACHE_BYTES: String(BUDGET) },
    });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('holds the budget for the whole pod: the workers split it, and their caches together stay within it', async () => {
    expect(await sendAll(gw, flood('a'))).toEqual(new Set([200]));
    expect(await sendAll(gw, flood('b'))).toEqual(new Set([200]));
    const m = await cacheMetrics(gw);
    expect(m.budget).toBe(BUDGET); // two shares of 512 KiB, summed by the primary
    expect(m.bytes).toBeLessThanOrEqual(BUDGET);
    expect(m.entries).toBeGreaterThan(0);
    expect(m.entries).toBeLessThan(260);
    expect(m.misses).toBe(2 * FLOOD);
    expect(m.evictions).toBe(2 * FLOOD - m.entries);
  }, SLOW);
});

it('--token-cache-bytes refuses what is not a byte count', async () => {
  const r = await runCli(['standalone', '--config', '/nonexistent.yml', '--token-cache-bytes', '32MB']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("--token-cache-bytes: expected auto or a byte count such as 33554432, 32768Ki or 32Mi, got '32MB'");
});
