import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { portOf, startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * Kong's rate-limiting, local policy, through the real standalone gateway (docs/rate-limiting.md):
 * headers and 429 as Kong sends them, limit_by and its fallbacks on real loopback peers (127.0.0.x),
 * the counter scope (a service instance counts across its routes), order after jwt, and bad configs
 * failing their route closed. Day-long windows keep the counts away from window boundaries.
 */
const SECRET = 'ratelimit-secret-0123456789abcdef';
const tokenFor = (key: string) => mintToken({ algorithm: 'HS256', key, secret: SECRET, expiresInSeconds: 300 });

let echo: EchoUpstream;
let gw: StandaloneGateway;

function config() {
  const rl = (config: Record<string, unknown>) => ({ name: 'rate-limiting', config });
  return {
    services: [
      {
        name: 'echo',
        url: echo.url,
        routes: [
          { name: 'by-ip', paths: ['/ip'], plugins: [rl({ day: 3, limit_by: 'ip' })] },
          { name: 'periods', paths: ['/periods'], plugins: [rl({ hour: 2, day: 5, limit_by: 'ip' })] },
          { name: 'by-consumer', paths: ['/consumer'], plugins: [{ name: 'jwt' }, rl({ day: 2 })] },
          { name: 'by-header', paths: ['/header'], plugins: [rl({ day: 1, limit_by: 'header', header_name: 'X-Tenant' })] },
          { name: 'by-path', paths: ['/path'], plugins: [rl({ day: 1, limit_by: 'path', path: '/path/a' })] },
          { name: 'hidden', paths: ['/hidden'], plugins: [rl({ day: 1, limit_by: 'ip', hide_client_headers: true, error_code: 503, error_message: 'Slow down' })] },
          { name: 'bad-order', paths: ['/bad-order'], plugins: [rl({ second: 10, minute: 5 })] },
          { name: 'bad-policy', paths: ['/bad-policy'], plugins: [rl({ minute: 5, policy: 'cluster' })] },
          { name: 'plain', paths: ['/plain'] },
        ],
      },
      {
        name: 'shared',
        url: echo.url,
        plugins: [rl({ day: 2, limit_by: 'ip' })],
        routes: [
          { name: 'shared-a', paths: ['/shared/a'] },
          { name: 'shared-b', paths: ['/shared/b'] },
        ],
      },
    ],
    consumers: [
      { username: 'alice', jwt_secrets: [{ key: 'alice-key', secret: SECRET }] },
      { username: 'bob', jwt_secrets: [{ key: 'bob-key', secret: SECRET }] },
    ],
  };
}

beforeAll(async () => {
  echo = await startEchoUpstream();
  gw = await startStandalone(config(), { args: ['--access-log', 'on'] });
}, 60_000);

afterAll(async () => {
  await gw?.close();
  await echo?.close();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A GET from the loopback address `from` (a real TCP peer). */
function get(p: string, headers: Record<string, string> = {}, from = '127.0.0.1'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: portOf(gw.proxy), localAddress: from, path: p, headers: { host: 'gw.example', ...headers }, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const statuses = async (n: number, p: string, headers: Record<string, string> = {}, from = '127.0.0.1') => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await get(p, headers, from)).status);
  return out;
};

describe('rate-limiting, local policy', () => {
  it("counts per client IP in a fixed day window: Kong's headers, then 429 {\"message\":\"API rate limit exceeded\"} with Retry-After", async () => {
    const seen: Answer[] = [];
    for (let i = 0; i < 3; i++) seen.push(await get('/ip', {}, '127.0.0.11'));
    expect(seen.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(seen.map((a) => a.headers['x-ratelimit-remaining-day'])).toEqual(['2', '1', '0']);
    for (const a of seen) {
      expect(a.headers['x-ratelimit-limit-day']).toBe('3');
      expect(a.headers['ratelimit-limit']).toBe('3');
      expect(a.headers['ratelimit-remaining']).toBe(a.headers['x-ratelimit-remaining-day']);
      const reset = Number(a.headers['ratelimit-reset']);
      const midnight = Math.ceil((Date.now() + 1) / 86_400_000) * 86_400;
      expect(Math.abs(reset - (midnight - Math.floor(Date.now() / 1000)))).toBeLessThanOrEqual(2);
      expect(a.headers['retry-after']).toBeUndefined();
    }
    const refused = await get('/ip', {}, '127.0.0.11');
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toContain('application/json');
    expect(JSON.parse(refused.body)).toMatchObject({ message: 'API rate limit exceeded' });
    expect(refused.headers['x-ratelimit-remaining-day']).toBe('0');
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    expect(refused.headers['retry-after']).toBe(refused.headers['ratelimit-reset']);
    // Another client has its own counter; a refused request is not counted (Kong's local policy).
    expect((await get('/ip', {}, '127.0.0.12')).headers['x-ratelimit-remaining-day']).toBe('2');
    expect((await get('/ip', {}, '127.0.0.11')).status).toBe(429);
  });

  it('several periods: each has its X-RateLimit-*; RateLimit-* name the one with the fewest left', async () => {
    const a = await get('/periods', {}, '127.0.0.13');
    expect(a.headers['x-ratelimit-limit-hour']).toBe('2');
    expect(a.headers['x-ratelimit-remaining-hour']).toBe('1');
    expect(a.headers['x-ratelimit-limit-day']).toBe('5');
    expect(a.headers['x-ratelimit-remaining-day']).toBe('4');
    expect(a.headers['ratelimit-limit']).toBe('2');
    expect(a.headers['ratelimit-remaining']).toBe('1');
    expect(Number(a.headers['ratelimit-reset'])).toBeLessThanOrEqual(3600);
    await get('/periods', {}, '127.0.0.13');
    const refused = await get('/periods', {}, '127.0.0.13');
    expect(refused.status).toBe(429);
    // The stopping period shows 0; the other is not counted down by a refused request.
    expect(refused.headers['x-ratelimit-remaining-hour']).toBe('0');
    expect(refused.headers['x-ratelimit-remaining-day']).toBe('3');
  });

  it('limit_by consumer (the default): each consumer its own counter, after jwt (a 401 is not counted)', async () => {
    expect(await statuses(3, '/consumer')).toEqual([401, 401, 401]);
    const alice = { authorization: `Bearer ${tokenFor('alice-key')}` };
    const bob = { authorization: `Bearer ${tokenFor('bob-key')}` };
    // One consumer from two addresses: one counter.
    expect((await get('/consumer', alice, '127.0.0.14')).status).toBe(200);
    expect((await get('/consumer', alice, '127.0.0.15')).status).toBe(200);
    expect((await get('/consumer', alice, '127.0.0.14')).status).toBe(429);
    expect(await statuses(2, '/consumer', bob)).toEqual([200, 200]);
    expect((await get('/consumer', bob)).status).toBe(429);
  });

  it('limit_by header: one counter per value; without the header, the client IP', async () => {
    expect(await statuses(2, '/header', { 'x-tenant': 'a' })).toEqual([200, 429]);
    expect(await statuses(2, '/header', { 'x-tenant': 'b' })).toEqual([200, 429]);
    expect(await statuses(2, '/header', {}, '127.0.0.16')).toEqual([200, 429]);
    expect((await get('/header', {}, '127.0.0.17')).status).toBe(200);
  });

  it('limit_by path: requests to the configured path share one counter; other paths fall back to the IP', async () => {
    expect((await get('/path/a', {}, '127.0.0.18')).status).toBe(200);
    expect((await get('/path/a', {}, '127.0.0.19')).status).toBe(429);
    expect((await get('/path/b', {}, '127.0.0.18')).status).toBe(200);
    expect((await get('/path/b', {}, '127.0.0.18')).status).toBe(429);
  });

  it('hide_client_headers, error_code and error_message', async () => {
    const ok = await get('/hidden', {}, '127.0.0.20');
    expect(ok.status).toBe(200);
    const refused = await get('/hidden', {}, '127.0.0.20');
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toMatchObject({ message: 'Slow down' });
    for (const a of [ok, refused]) {
      expect(Object.keys(a.headers).filter((h) => h.includes('ratelimit') || h === 'retry-after')).toEqual([]);
    }
  });

  it("a service's instance counts across the service's routes (Kong's counter keys carry the service id)", async () => {
    expect((await get('/shared/a', {}, '127.0.0.21')).status).toBe(200);
    expect((await get('/shared/b', {}, '127.0.0.21')).status).toBe(200);
    expect((await get('/shared/a', {}, '127.0.0.21')).status).toBe(429);
    expect((await get('/shared/b', {}, '127.0.0.21')).status).toBe(429);
  });

  it('an invalid config fails its route closed with a diagnostic naming the field; the others serve', async () => {
    for (const p of ['/bad-order', '/bad-policy']) {
      const bad = await get(p);
      expect(bad.status).toBe(500);
      expect(JSON.parse(bad.body)).toMatchObject({ message: 'An unexpected error occurred' });
    }
    expect((await get('/plain')).status).toBe(200);
    const out = gw.output();
    expect(out).toContain('The limit for minute(5.0) cannot be lower than the limit for second(10.0)');
    expect(out).toContain('config.minute');
    expect(out).toContain('config.policy');
    expect(out).toContain("Kong's cluster policy needs Kong's database");
  });

  it('refusals carry reason rate_limited in the access log and count in portcullis_rate_limited_total', async () => {
    const lines = gw.stdout().split('\n').filter((l) => l.includes('"reason":"rate_limited"'));
    expect(lines.length).toBeGreaterThan(0);
    const metrics = await (await fetch(`${gw.status}/metrics`)).text();
    expect(metrics).toMatch(/portcullis_rate_limited_total\{route="by-ip"\} [1-9]/);
    expect(metrics).toMatch(/portcullis_rate_limited_total\{route="shared-a"\} 1/);
  });
});
