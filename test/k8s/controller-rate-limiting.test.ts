import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../support/http.js';
import { condition, eventually, getCustom, startController, startKubeEnv, type KubeEnv } from '../support/controller-env.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

/**
 * spec.plugins.rateLimiting on Route CRs against a real API server (docs/rate-limiting.md#controller-mode):
 * the CRD refuses what CEL can check (no period), the controller the rest (Accepted=False naming the
 * field, the Route answers 500; a missing Secret is Programmed=False, as for credentials); the redis policy reads its password from a labelled Secret (a real
 * redis-server with requirepass) and never logs it; a missing Secret fails the Route closed.
 */
const PASSWORD = 'k8s-redis-pass-8d1c';
let env: KubeEnv;
let gw: GatewayProcess;
let echo: EchoUpstream;
let redis: RedisServer;
let ns: string;

const routeDoc = (name: string, rateLimiting: Record<string, unknown>): string =>
  YAML.stringify({
    apiVersion: 'portcullis.dev/v1alpha1',
    kind: 'Route',
    metadata: { name, namespace: ns },
    spec: { paths: [`/${name}`], backend: { url: echo.url }, plugins: { rateLimiting } },
  });

const get = async (p: string) => {
  const res = await fetch(`${gw.proxy}${p}`);
  return { status: res.status, headers: res.headers, body: await res.text() };
};

beforeAll(async () => {
  // One at a time, so afterAll stops whatever started when a later one fails.
  redis = await startRedisServer({ password: PASSWORD });
  echo = await startEchoUpstream();
  env = await startKubeEnv();
  ns = await env.namespace('ratelimit');
  const secret = YAML.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'redis-auth', namespace: ns, labels: { 'portcullis.dev/credential': 'true' } },
    stringData: { password: PASSWORD },
  });
  const redisConf = (name: string) => ({ host: '127.0.0.1', port: redis.port, timeout: 1000, passwordSecretRef: { name, key: 'password' } });
  await env.apply(
    [
      secret,
      routeDoc('local', { day: 2, limitBy: 'ip' }),
      routeDoc('shared', { day: 3, limitBy: 'ip', policy: 'redis', redis: redisConf('redis-auth') }),
      routeDoc('nosecret', { day: 3, limitBy: 'ip', policy: 'redis', redis: redisConf('absent') }),
      routeDoc('badorder', { minute: 10, hour: 5 }),
    ].join('---\n'),
  );
  gw = await startController(env, { namespace: ns, args: ['--lease-name', 'ratelimit'] });
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await redis?.stop();
  await echo?.close();
  await env?.stop();
});

describe('Route spec.plugins.rateLimiting', () => {
  it('the API server refuses a rateLimiting without any period', async () => {
    await expect(env.apply(routeDoc('empty', { limitBy: 'ip' }))).rejects.toThrow(/at least one of second, minute, hour, day, month or year is required/);
  });

  it('local policy: headers, then 429', async () => {
    await eventually(async () => (await get('/local')).status === 200, 30_000, 'local Route served');
    const second = await get('/local');
    expect(second.status).toBe(200);
    expect(second.headers.get('x-ratelimit-remaining-day')).toBe('0');
    const refused = await get('/local');
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toMatchObject({ message: 'API rate limit exceeded' });
  });

  it('redis policy with the password from a Secret; never logged', async () => {
    await eventually(async () => (await get('/shared')).headers.get('x-ratelimit-limit-day') === '3', 30_000, 'shared Route counted in Redis');
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await get('/shared')).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect(gw.output()).not.toContain(PASSWORD);
  });

  it('a missing Secret: Programmed=False; a bad period order: Accepted=False; both naming the field, the Route answers 500', async () => {
    const nosecret = await eventually(async () => {
      const r = await getCustom(env, 'routes', ns, 'nosecret');
      return condition(r, 'Programmed')?.status === 'False' ? r : undefined;
    }, 30_000, 'Programmed=False on Route nosecret');
    expect(condition(nosecret, 'Programmed')?.message).toMatch(/spec\.plugins\.rateLimiting\.redis\.passwordSecretRef\.name/);
    expect((await get('/nosecret')).status).toBe(500);
    const badorder = await eventually(async () => {
      const r = await getCustom(env, 'routes', ns, 'badorder');
      return condition(r, 'Accepted')?.status === 'False' ? r : undefined;
    }, 30_000, 'Accepted=False on Route badorder');
    expect(condition(badorder, 'Accepted')?.message).toMatch(/spec\.plugins\.rateLimiting\.hour: The limit for hour\(5\.0\) cannot be lower than the limit for minute\(10\.0\)/);
    expect((await get('/badorder')).status).toBe(500);
    expect((await get('/local')).status).toBe(429);
  });
});
