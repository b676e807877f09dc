import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { startRedisServer, type RedisServer } from '../../support/redis-server.js';
import { startStandalone, type StandaloneGateway } from '../../support/standalone.js';
import { waitFor } from '../../support/gateway-process.js';

/**
 * rate-limiting's redis policy with sync_rate > 0 (docs/rate-limiting.md#sync_rate) against a real
 * redis-server and two standalone gateways: requests are decided locally (a paused Redis does not
 * hold them), local counts reach Redis every sync_rate seconds and the shared total comes back, so
 * the two gateways enforce one limit within the documented slack; Redis gone follows fault_tolerant.
 */
const SYNC = 0.1;

let echo: EchoUpstream;
let redis: RedisServer;
let admin: Redis;
const gws: StandaloneGateway[] = [];

function config() {
  const redisConf = { host: '127.0.0.1', port: redis.port, timeout: 500 };
  const rl = (name: string, path: string, conf: Record<string, unknown>) => ({
    name,
    paths: [path],
    plugins: [{ name: 'rate-limiting', config: { limit_by: 'ip', policy: 'redis', sync_rate: SYNC, redis: redisConf, ...conf } }],
  });
  return {
    services: [
      {
        name: 'echo',
        url: echo.url,
        routes: [rl('shared', '/shared', { day: 20 }), rl('paced', '/paced', { hour: 30 }), rl('paused', '/paused', { month: 1000 }), rl('strict', '/strict', { month: 1000, fault_tolerant: false })],
      },
    ],
  };
}

beforeAll(async () => {
  echo = await startEchoUpstream();
  redis = await startRedisServer();
  admin = new Redis({ host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: 1, lazyConnect: true });
  gws.push(await startStandalone(config()));
  gws.push(await startStandalone(config()));
}, 60_000);

afterAll(async () => {
  admin?.disconnect();
  await Promise.all(gws.map((g) => g.close()));
  await redis?.stop();
  await echo?.close();
});

async function get(gw: StandaloneGateway, p: string): Promise<{ status: number; headers: Headers; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${gw.proxy}${p}`);
  await res.arrayBuffer();
  return { status: res.status, headers: res.headers, ms: performance.now() - t0 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Each route limits a different period, so its key is the only one with that suffix.
const keyOf = (period: 'day' | 'hour', span: number) => `:127.0.0.1:${Math.floor(Date.now() / span) * span}:${period}`;

async function sharedTotal(suffix: string): Promise<number> {
  const keys = await admin.keys(`ratelimit:*${suffix}`);
  expect(keys.length).toBe(1);
  return Number(await admin.get(keys[0]!));
}

describe('rate-limiting, redis policy with sync_rate', () => {
  it("counts locally and syncs: one gateway's requests reach Redis and count against the other", async () => {
    const first: number[] = [];
    for (let i = 0; i < 12; i++) first.push((await get(gws[0]!, '/shared')).status);
    expect(first.every((s) => s === 200)).toBe(true);
    await waitFor(async () => (await sharedTotal(keyOf('day', 86_400_000))) === 12, 3_000);
    await sleep(SYNC * 1000 * 3); // the other gateway reads the total back at its next sync
    const second: number[] = [];
    for (let i = 0; i < 10; i++) second.push((await get(gws[1]!, '/shared')).status);
    expect(second).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429, 429]);
    await waitFor(async () => (await sharedTotal(keyOf('day', 86_400_000))) === 20, 3_000);
    // The first gateway learns the total at its next sync: refused there too.
    await waitFor(async () => (await get(gws[0]!, '/shared')).status === 429, 3_000);
  });

  it('two gateways sending at once enforce one limit within the slack (what the other admits in about one sync_rate)', async () => {
    let admitted = 0;
    const pace = async (gw: StandaloneGateway) => {
      for (let i = 0; i < 30; i++) {
        if ((await get(gw, '/paced')).status === 200) admitted++;
        await sleep(40);
      }
    };
    await Promise.all([pace(gws[0]!), pace(gws[1]!)]);
    // 60 requests for a limit of 30: at least the limit, at most a few over (each gateway sends
    // about 2.5 requests per 100 ms sync interval; allow two intervals of the other gateway, and more for a busy machine).
    expect(admitted).toBeGreaterThanOrEqual(30);
    expect(admitted).toBeLessThanOrEqual(38);
    await waitFor(async () => (await sharedTotal(keyOf('hour', 3_600_000))) === admitted, 3_000);
  });

  it('a request does not wait on Redis: a paused Redis leaves answers as fast', async () => {
    expect((await get(gws[0]!, '/paused')).status).toBe(200);
    await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) {
      const a = await get(gws[0]!, '/paused');
      expect(a.status).toBe(200);
      expect(a.headers.get('x-ratelimit-remaining-month')).not.toBeNull();
    }
    expect(performance.now() - t0).toBeLessThan(1000);
    await sleep(1600);
  });

  it('Redis down: after a failed sync fault_tolerant proxies without headers, false answers 500; back: limits again', async () => {
    expect((await get(gws[0]!, '/strict')).status).toBe(200);
    await redis.stop();
    await waitFor(async () => (await get(gws[0]!, '/strict')).status === 500, 5_000);
    const tolerated = await get(gws[0]!, '/paused');
    expect(tolerated.status).toBe(200);
    expect(tolerated.headers.get('x-ratelimit-remaining-month')).toBeNull();
    await redis.start();
    await waitFor(async () => (await get(gws[0]!, '/strict')).status === 200, 10_000);
    expect((await get(gws[0]!, '/paused')).headers.get('x-ratelimit-remaining-month')).not.toBeNull();
  });
});
