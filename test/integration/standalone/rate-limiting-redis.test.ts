import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { startRedisServer, type RedisServer } from '../../support/redis-server.js';
import { startStandalone, type StandaloneGateway } from '../../support/standalone.js';
import { waitFor } from '../../support/gateway-process.js';

/**
 * rate-limiting's redis policy against a real redis-server (docs/rate-limiting.md#redis): two
 * standalone gateways sharing one Redis enforce ONE limit; with Redis gone, fault_tolerant true
 * proxies without limits and false answers Kong's 500, the outage is logged once and the
 * password never; when Redis is back, limits hold again.
 */
const PASSWORD = 'rl-redis-pass-5f2e9c';

let echo: EchoUpstream;
let redis: RedisServer;
const gws: StandaloneGateway[] = [];

function config() {
  const redisConf = { host: '127.0.0.1', port: redis.port, password: PASSWORD, timeout: 500 };
  return {
    services: [
      {
        name: 'echo',
        url: echo.url,
        routes: [
          { name: 'shared', paths: ['/shared'], plugins: [{ name: 'rate-limiting', config: { day: 5, month: 100, limit_by: 'ip', policy: 'redis', redis: redisConf } }] },
          {
            name: 'flat',
            paths: ['/flat'],
            // Kong's deprecated flat fields (its shorthand_fields), still accepted.
            plugins: [{ name: 'rate-limiting', config: { day: 1, limit_by: 'ip', policy: 'redis', redis_host: '127.0.0.1', redis_port: redis.port, redis_password: PASSWORD, redis_timeout: 500 } }],
          },
          {
            name: 'strict',
            paths: ['/strict'],
            plugins: [{ name: 'rate-limiting', config: { day: 100, limit_by: 'ip', policy: 'redis', fault_tolerant: false, redis: redisConf } }],
          },
        ],
      },
    ],
  };
}

beforeAll(async () => {
  echo = await startEchoUpstream();
  redis = await startRedisServer({ password: PASSWORD });
  gws.push(await startStandalone(config()));
  gws.push(await startStandalone(config()));
}, 60_000);

afterAll(async () => {
  await Promise.all(gws.map((g) => g.close()));
  await redis?.stop();
  await echo?.close();
});

async function get(gw: StandaloneGateway, p: string): Promise<{ status: number; headers: Headers; body: string; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${gw.proxy}${p}`);
  const body = await res.text();
  return { status: res.status, headers: res.headers, body, ms: performance.now() - t0 };
}

describe('rate-limiting, redis policy', () => {
  it('two gateways sharing one Redis enforce one limit', async () => {
    const seen: Array<{ status: number; remaining: string | null }> = [];
    for (let i = 0; i < 7; i++) {
      const a = await get(gws[i % 2]!, '/shared');
      seen.push({ status: a.status, remaining: a.headers.get('x-ratelimit-remaining-day') });
    }
    expect(seen.map((s) => s.status)).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(seen.map((s) => s.remaining)).toEqual(['4', '3', '2', '1', '0', '0', '0']);
    const refused = await get(gws[0]!, '/shared');
    expect(JSON.parse(refused.body)).toMatchObject({ message: 'API rate limit exceeded' });
    expect(refused.headers.get('retry-after')).toBe(refused.headers.get('ratelimit-reset'));
    expect(refused.headers.get('x-ratelimit-remaining-month')).not.toBeNull();
  });

  it("Kong's deprecated redis_* fields work as config.redis", async () => {
    expect((await get(gws[0]!, '/flat')).status).toBe(200);
    expect((await get(gws[1]!, '/flat')).status).toBe(429);
  });

  it('Redis down: fault_tolerant proxies without limits or headers, false answers 500; logged once, password never; back: limits again', async () => {
    await redis.stop();
    for (let i = 0; i < 6; i++) {
      const a = await get(gws[0]!, '/shared');
      expect(a.status).toBe(200);
      expect(a.headers.get('x-ratelimit-remaining-day')).toBeNull();
      // Never held beyond the configured timeout (500 ms).
      expect(a.ms).toBeLessThan(1500);
      const s = await get(gws[0]!, '/strict');
      expect(s.status).toBe(500);
      expect(JSON.parse(s.body)).toMatchObject({ message: 'An unexpected error occurred' });
    }
    // The log line is written asynchronously (pino): wait for it, then it must be the only one.
    await waitFor(async () => gws[0]!.output().includes('Redis unreachable'), 5_000);
    const out = gws[0]!.output();
    expect(out.split('\n').filter((l) => l.includes('Redis unreachable')).length).toBe(1);
    expect(out).not.toContain(PASSWORD);
    const metrics = await (await fetch(`${gws[0]!.status}/metrics`)).text();
    expect(metrics).toMatch(/portcullis_rate_limit_store_errors_total\{route="shared"\} [6-9]/);

    await redis.start();
    // The client reconnects on its own (backoff up to 2 s); a fresh Redis has fresh counters.
    await waitFor(async () => (await get(gws[0]!, '/shared')).headers.get('x-ratelimit-remaining-day') !== null, 10_000);
    expect(gws[0]!.output()).toContain('Redis reachable again');
    // The other gateway reconnects on its own schedule (requests meanwhile pass, tolerated), then counts into the same Redis.
    await waitFor(async () => (await get(gws[1]!, '/shared')).status === 429, 10_000);
    expect((await get(gws[0]!, '/strict')).status).toBe(200);
  });

  it('SIGTERM: the Redis connection does not keep the process alive after the drain', async () => {
    const t0 = performance.now();
    const gw = gws.pop()!;
    expect(await gw.close()).toBe(0);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
