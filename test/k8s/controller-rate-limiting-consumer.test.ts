import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../support/http.js';
import { condition, eventually, getCustom, startController, startKubeEnv, type KubeEnv } from '../support/controller-env.js';
import { consumer, credential, join, secret } from '../support/crs.js';

/**
 * Route spec.plugins.rateLimitingByConsumer against a real API server (docs/rate-limiting.md#consumers):
 * the named KongConsumer gets its own limit on the Route, everyone else the Route's rateLimiting;
 * the CRD applies rateLimiting's CEL rules to each entry; a consumer created later is picked up.
 */
let env: KubeEnv;
let gw: GatewayProcess;
let echo: EchoUpstream;
let ns: string;
const SECRET = 'cr-rl-consumer-secret-0123456789';

const routeDoc = (name: string, plugins: Record<string, unknown>): string =>
  YAML.stringify({
    apiVersion: 'portcullis.dev/v1alpha1',
    kind: 'Route',
    metadata: { name, namespace: ns },
    spec: { paths: [`/${name}`], backend: { url: echo.url }, plugins: { jwt: {}, ...plugins } },
  });

const user = (name: string) =>
  join(consumer(ns, name), secret(ns, `${name}-cred-secret`, { secret: SECRET }), credential(ns, `${name}-cred`, { consumer: name, key: `${name}-key` }));

const get = async (p: string, who: string) => {
  const token = mintToken({ algorithm: 'HS256', key: `${who}-key`, secret: SECRET, expiresInSeconds: 600 });
  const res = await fetch(`${gw.proxy}${p}`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return { status: res.status, headers: res.headers };
};

const statuses = async (p: string, who: string, n: number) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await get(p, who)).status);
  return out;
};

beforeAll(async () => {
  echo = await startEchoUpstream();
  env = await startKubeEnv();
  ns = await env.namespace('rlconsumer');
  await env.apply(
    join(
      user('gold'),
      user('plain'),
      routeDoc('tiered', {
        rateLimiting: { day: 4 },
        rateLimitingByConsumer: [
          { consumerRef: { name: 'gold' }, rateLimiting: { day: 2 } },
          { consumerRef: { name: 'late' }, rateLimiting: { day: 1 } },
        ],
      }),
      routeDoc('onlygold', { rateLimitingByConsumer: [{ consumerRef: { name: 'gold' }, rateLimiting: { day: 1 } }] }),
    ),
  );
  gw = await startController(env, { namespace: ns, args: ['--lease-name', 'rlconsumer'] });
  await eventually(async () => (await get('/onlygold', 'plain')).status === 200, 30_000, 'Routes served');
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await echo?.close();
  await env?.stop();
});

describe('Route spec.plugins.rateLimitingByConsumer', () => {
  it('the named consumer gets its own limit; the others the Route rateLimiting', async () => {
    expect(await statuses('/tiered', 'gold', 3)).toEqual([200, 200, 429]);
    const plain = await get('/tiered', 'plain');
    expect(plain.headers.get('x-ratelimit-limit-day')).toBe('4');
    expect(await statuses('/tiered', 'plain', 4)).toEqual([200, 200, 200, 429]);
  });

  it('without a Route rateLimiting, only the named consumer is limited', async () => {
    expect(await statuses('/onlygold', 'gold', 2)).toEqual([200, 429]);
    const plain = await get('/onlygold', 'plain');
    expect(plain.status).toBe(200);
    expect(plain.headers.get('x-ratelimit-limit-day')).toBeNull();
  });

  it('a KongConsumer created after the Route is picked up', async () => {
    await env.apply(user('late'));
    await eventually(async () => (await get('/tiered', 'late')).headers.get('x-ratelimit-limit-day') === '1', 30_000, "late's own limit");
    expect((await get('/tiered', 'late')).status).toBe(429);
  });

  it("the API server applies rateLimiting's rules to each entry; the controller refuses a name given twice", async () => {
    await expect(env.apply(routeDoc('noperiod', { rateLimitingByConsumer: [{ consumerRef: { name: 'gold' }, rateLimiting: { limitBy: 'ip' } }] }))).rejects.toThrow(
      /at least one of second, minute, hour, day, month or year is required/,
    );
    await env.apply(routeDoc('twice', { rateLimitingByConsumer: [{ consumerRef: { name: 'gold' }, rateLimiting: { day: 1 } }, { consumerRef: { name: 'gold' }, rateLimiting: { day: 2 } }] }));
    const twice = await eventually(async () => {
      const r = await getCustom(env, 'routes', ns, 'twice');
      return condition(r, 'Accepted')?.status === 'False' ? r : undefined;
    }, 30_000, 'Accepted=False on Route twice');
    expect(condition(twice, 'Accepted')?.message).toMatch(/spec\.plugins\.rateLimitingByConsumer\.1\.consumerRef\.name: KongConsumer 'gold' is named more than once/);
    expect((await get('/twice', 'plain')).status).toBe(500);
  });
});
