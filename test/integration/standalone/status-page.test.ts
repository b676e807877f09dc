import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { portOf, rawRequest, startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * GET /ui, the status page of the admin listener (docs/status-page.md), on the real process:
 * routes and their protection, consumers without secrets, objects not programmed, the refused
 * requests the proxy just answered (tokens redacted) and the request rates. Also with --workers 2.
 */
const SECRET = 'status-page-secret-Zq81xv0';
const token = (o: { key?: string; exp?: number } = {}) =>
  mintToken({ algorithm: 'HS256', key: o.key ?? 'alice-key', secret: SECRET, claims: { exp: o.exp ?? Math.floor(Date.now() / 1000) + 600 } });

const config = (upstreamPort: number) => ({
  services: [
    {
      name: 'echo',
      url: `http://127.0.0.1:${upstreamPort}`,
      routes: [
        { name: 'open', paths: ['/open'] },
        { name: 'api', paths: ['/api'], plugins: [{ name: 'jwt', config: { claims_to_verify: ['exp'] } }] },
        { name: 'orders', paths: ['/orders'], plugins: [{ name: 'jwt' }, { name: 'jwt-claims', config: { scopes: ['orders:read'] } }] },
      ],
    },
  ],
  consumers: [
    { username: 'alice', jwt_secrets: [{ key: 'alice-key', secret: SECRET }] },
    { username: 'carol', jwt_secrets: [{ key: 'broken-key', algorithm: 'RS256', rsa_public_key: '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n' }] },
  ],
});

let upstream: EchoUpstream;
beforeAll(async () => {
  upstream = await startEchoUpstream();
});
afterAll(async () => {
  await upstream?.close();
});

const statusJson = async (gw: StandaloneGateway) => {
  const res = await fetch(`${gw.admin}/ui/status.json`);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, any>;
};

/** Traffic: 3 ok, 2 no_token, 1 expired, 1 claims refusal, 1 no_route with a token in its query. */
async function traffic(gw: StandaloneGateway): Promise<string> {
  const expired = token({ exp: Math.floor(Date.now() / 1000) - 60 });
  const calls: Array<[string, Record<string, string>, number]> = [
    ['/open/x', {}, 200],
    ['/api/x', { authorization: `Bearer ${token()}` }, 200],
    ['/open/y', {}, 200],
    ['/api/a', {}, 401],
    ['/api/b', {}, 401],
    ['/api/c', { authorization: `Bearer ${expired}` }, 401],
    ['/orders/1', { authorization: `Bearer ${token()}` }, 403],
    [`/nowhere/${expired}?jwt=${expired}&page=2`, {}, 404],
  ];
  for (const [p, headers, status] of calls) {
    const res = await fetch(`${gw.proxy}${p}`, { headers });
    await res.arrayBuffer();
    expect(res.status, p).toBe(status);
  }
  return expired;
}

describe('status page (standalone)', () => {
  let gw: StandaloneGateway;
  beforeAll(async () => {
    gw = await startStandalone(config(upstream.port));
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('serves HTML with a strict CSP, its stylesheet, and stays read-only and Host-checked', async () => {
    const res = await fetch(`${gw.admin}/ui`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'self'/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toContain('<link rel="stylesheet" href="/ui/status.css">');
    expect(html).toContain('<meta http-equiv="refresh" content="5">');
    const css = await fetch(`${gw.admin}/ui/status.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(await css.text()).toContain('.badge');
    expect((await fetch(`${gw.admin}/ui?refresh=0`).then((r) => r.text())).includes('http-equiv="refresh"')).toBe(false);
    expect((await fetch(`${gw.admin}/ui?refresh=abc`)).status).toBe(400);
    expect((await fetch(`${gw.admin}/ui`, { method: 'POST' })).status).toBe(405);
    // DNS rebinding: a foreign Host name is refused (fetch cannot set Host; a raw request can).
    expect((await rawRequest(portOf(gw.admin), 'GET /ui HTTP/1.1\r\nHost: evil.example')).status).toBe(421);
  });

  it('shows routes with their protection, consumers without secrets, and what is not programmed', async () => {
    const v = await statusJson(gw);
    expect(v.mode).toBe('standalone');
    expect(Object.fromEntries(v.routes.map((r: any) => [r.name, r.protection]))).toEqual({ open: 'none', api: 'jwt', orders: 'jwt + jwt-claims' });
    expect(v.consumers.find((c: any) => c.username === 'alice').credentials).toEqual([expect.objectContaining({ key: 'alice-key', kind: 'hmac', state: 'ok' })]);
    expect(v.notProgrammed).toEqual([expect.objectContaining({ severity: 'error', kind: 'jwt_secrets', object: 'broken-key' })]);
    const html = await fetch(`${gw.admin}/ui`).then((r) => r.text());
    expect(html).toContain('jwt + jwt-claims');
    expect(html).toContain('broken-key');
    expect(html + JSON.stringify(v)).not.toContain(SECRET);
  });

  it('lists the refused requests with their reason, tokens redacted, and measures the rates', async () => {
    const first = await statusJson(gw);
    const before = first.rates?.totals.requests ?? 0;
    const expired = await traffic(gw);
    await new Promise((r) => setTimeout(r, 1_100));
    const v = await statusJson(gw);
    expect(v.rejectionsFrom).toBe('this process');
    expect(v.rejections.map((e: any) => [e.status, e.reason])).toEqual([
      [404, 'no_route'], [403, 'claims_scope'], [401, 'expired'], [401, 'no_token'], [401, 'no_token'],
    ]);
    expect(v.rejections[0].target).toBe('/nowhere/REDACTED?jwt=REDACTED&page=2');
    expect(v.rejections[1]).toMatchObject({ route: 'orders', consumer: 'alice', method: 'GET', target: '/orders/1' });
    const html = await fetch(`${gw.admin}/ui`).then((r) => r.text());
    expect(html).toContain('claims_scope');
    expect(html + JSON.stringify(v)).not.toContain(expired.split('.')[1]!);
    // 8 requests since the first read: rates over the time between the two reads.
    expect(v.rates.totals.requests - before).toBeGreaterThanOrEqual(8);
    expect(v.rates.requests).toBeGreaterThan(0);
    expect(v.rates.clientErrors).toBeGreaterThan(0);
    expect(v.rates.serverErrors).toBe(0);
  });
});

describe('status page (--workers 2)', () => {
  let gw: StandaloneGateway;
  beforeAll(async () => {
    gw = await startStandalone(config(upstream.port), { args: ['--workers', '2'] });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it("the primary merges its workers' refused requests and sums their request counts", async () => {
    await statusJson(gw);
    await traffic(gw);
    await new Promise((r) => setTimeout(r, 1_100));
    const v = await statusJson(gw);
    expect(v.rejectionsFrom).toBe('2 proxy workers');
    expect(v.rejections.map((e: any) => e.reason).sort()).toEqual(['claims_scope', 'expired', 'no_route', 'no_token', 'no_token']);
    expect(v.rates.totals.requests).toBeGreaterThanOrEqual(8);
    expect(v.routes).toHaveLength(3);
  });
});
