import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { portOf, startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * Consumer-scoped rate-limiting through the real standalone gateway (docs/rate-limiting.md#consumers):
 * after jwt identifies the consumer, the most specific instance for (consumer, route, service)
 * applies, by Kong's precedence; the other consumers keep the route's own instance. Day windows.
 */
const SECRET = 'ratelimit-consumer-secret-0123456789';
const auth = (key: string) => ({ authorization: `Bearer ${mintToken({ algorithm: 'HS256', key, secret: SECRET, expiresInSeconds: 300 })}` });

let echo: EchoUpstream;
let gw: StandaloneGateway;

function config() {
  const rl = (config: Record<string, unknown>) => ({ name: 'rate-limiting', config });
  return {
    plugins: [
      { name: 'jwt' },
      { ...rl({ day: 2 }), consumer: 'bob', route: 'with-route' },
      { ...rl({ day: 3 }), consumer: 'bob', service: 'svc' },
      { ...rl({ day: 1, policy: 'cluster' }), consumer: 'carol', route: 'broken' },
    ],
    services: [
      {
        name: 'svc',
        url: echo.url,
        plugins: [rl({ day: 5 })],
        routes: [
          { name: 'with-route', paths: ['/route'], plugins: [rl({ day: 4 })] },
          { name: 'plain', paths: ['/plain'] },
        ],
      },
      { name: 'other', url: echo.url, routes: [{ name: 'unlimited', paths: ['/unlimited'] }, { name: 'broken', paths: ['/broken'] }] },
    ],
    consumers: [
      { username: 'alice', jwt_secrets: [{ key: 'alice-key', secret: SECRET }], plugins: [rl({ day: 1 })] },
      { username: 'bob', jwt_secrets: [{ key: 'bob-key', secret: SECRET }] },
      { username: 'dave', jwt_secrets: [{ key: 'dave-key', secret: SECRET }] },
    ],
  };
}

beforeAll(async () => {
  echo = await startEchoUpstream();
  gw = await startStandalone(config());
}, 60_000);

afterAll(async () => {
  await gw?.close();
  await echo?.close();
});

function get(p: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: portOf(gw.proxy), path: p, headers: { host: 'gw.example', ...headers }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

const statuses = async (n: number, p: string, headers: Record<string, string>) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await get(p, headers)).status);
  return out;
};

describe('rate-limiting scoped to a consumer (kong.yml)', () => {
  it('a consumer-only instance (nested under the consumer) beats the route instance, on every route', async () => {
    const a = await get('/route', auth('alice-key'));
    expect(a.status).toBe(200);
    expect(a.headers['x-ratelimit-limit-day']).toBe('1');
    expect((await get('/route', auth('alice-key'))).status).toBe(429);
    // Its counters are the consumer instance's (no route or service in its keys): shared across routes.
    expect((await get('/plain', auth('alice-key'))).status).toBe(429);
    expect((await get('/unlimited', auth('alice-key'))).status).toBe(429);
  });

  it('consumer + route beats consumer + service; consumer + service beats the service instance', async () => {
    expect(await statuses(3, '/route', auth('bob-key'))).toEqual([200, 200, 429]);
    const onPlain = await get('/plain', auth('bob-key'));
    expect(onPlain.headers['x-ratelimit-limit-day']).toBe('3');
    expect(await statuses(3, '/plain', auth('bob-key'))).toEqual([200, 200, 429]);
    // No instance for bob on the other service, and none by default there.
    const free = await get('/unlimited', auth('bob-key'));
    expect(free.status).toBe(200);
    expect(free.headers['x-ratelimit-limit-day']).toBeUndefined();
  });

  it('a consumer without an instance keeps the route and service instances', async () => {
    const r = await get('/route', auth('dave-key'));
    expect(r.headers['x-ratelimit-limit-day']).toBe('4');
    const p = await get('/plain', auth('dave-key'));
    expect(p.headers['x-ratelimit-limit-day']).toBe('5');
    expect((await get('/unlimited', auth('dave-key'))).headers['x-ratelimit-limit-day']).toBeUndefined();
  });

  it('an invalid consumer-scoped instance fails its routes closed for everyone; the others keep serving', async () => {
    expect((await get('/broken', auth('dave-key'))).status).toBe(500);
    expect((await get('/unlimited', auth('dave-key'))).status).toBe(200);
  });
});
