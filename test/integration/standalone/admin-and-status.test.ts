import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { consumerId, credentialId } from '../../../src/model/ids.js';
import { mintToken } from '../../../src/tokens/mint.js';
import { generateTestKeyPair } from '../../../src/tokens/test-keys.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { waitFor } from '../../support/gateway-process.js';
import { call, startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/** The read-only admin API (docs/kong-compatibility.md#admin-api) and the status listener, on the real process. */
const SECRET = 'admin-secret-0123456789abcdef';
const CAROL_ID = '3f1c1b8e-2a4d-4c6e-9f7a-1b2c3d4e5f60';
const rsa = generateTestKeyPair('RS256');

let upstream: EchoUpstream;
let gw: StandaloneGateway;
let config: Record<string, unknown>;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  config = {
    _format_version: '3.0',
    services: [{ name: 'echo', url: `http://127.0.0.1:${upstream.port}`, routes: [{ name: 'api', paths: ['/api'], plugins: [{ name: 'jwt' }] }] }],
    consumers: [
      { username: 'alice', custom_id: 'alice-cid', jwt_secrets: [{ key: 'alice-key', secret: SECRET }] },
      { username: 'bob', jwt_secrets: [{ key: 'bob-key', algorithm: 'RS256', rsa_public_key: rsa.publicKeyPem }] },
      {
        id: CAROL_ID,
        username: 'carol',
        jwt_secrets: [{ key: 'broken-key', algorithm: 'RS256', rsa_public_key: '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n' }],
      },
    ],
  };
  gw = await startStandalone(config);
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

const get = async (p: string) => {
  const res = await fetch(`${gw.admin}${p}`);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

describe('admin API', () => {
  it('GET /consumers lists every consumer with Kong ids', async () => {
    const { status, body } = await get('/consumers');
    expect(status).toBe(200);
    expect(body.next).toBeNull();
    expect(body.data.map((c: any) => [c.username, c.id]).sort()).toEqual([
      ['alice', consumerId('alice')],
      ['bob', consumerId('bob')],
      ['carol', CAROL_ID],
    ]);
  });

  it.each([
    ['by username', '/consumers/alice'],
    ['by id', `/consumers/${consumerId('alice')}`],
  ])('GET /consumers/{x} %s', async (_n, p) => {
    const { status, body } = await get(p);
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: consumerId('alice'), username: 'alice', custom_id: 'alice-cid' });
  });

  it.each([
    ['by username', '/consumers/alice/jwt'],
    ['by id', `/consumers/${consumerId('alice')}/jwt`],
  ])('GET /consumers/{x}/jwt %s shows the Kong credential fields', async (_n, p) => {
    const { status, body } = await get(p);
    expect(status).toBe(200);
    expect(body.next).toBeNull();
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({
      id: credentialId('alice-key'),
      key: 'alice-key',
      secret: SECRET,
      algorithm: 'HS256',
      consumer: { id: consumerId('alice') },
    });
    expect(Object.keys(body.data[0])).toEqual(expect.arrayContaining(['id', 'created_at', 'consumer', 'key', 'secret', 'rsa_public_key', 'algorithm', 'tags']));
  });

  it('GET /jwts lists the loaded credentials (the broken one is left out) and /jwts/{key|id} finds one', async () => {
    const { body } = await get('/jwts');
    expect(body.data.map((c: any) => c.key).sort()).toEqual(['alice-key', 'bob-key']);
    const byKey = await get('/jwts/bob-key');
    expect(byKey.status).toBe(200);
    expect(byKey.body).toMatchObject({ key: 'bob-key', algorithm: 'RS256', rsa_public_key: rsa.publicKeyPem, consumer: { id: consumerId('bob') } });
    expect((await get(`/jwts/${credentialId('bob-key')}`)).body.key).toBe('bob-key');
  });

  it('GET /services and /routes', async () => {
    const services = await get('/services');
    expect(services.body.data).toHaveLength(1);
    expect(services.body.data[0]).toMatchObject({ name: 'echo', host: '127.0.0.1', port: upstream.port, protocol: 'http' });
    const routes = await get('/routes');
    expect(routes.body.data).toHaveLength(1);
    expect(routes.body.data[0]).toMatchObject({ name: 'api', paths: ['/api'], service: { id: services.body.data[0].id } });
  });

  it('pages with size and offset', async () => {
    const first = await get('/consumers?size=2');
    expect(first.body.data).toHaveLength(2);
    expect(first.body.next).toMatch(/^\/consumers\?offset=2&size=2$/);
    const second = await get(first.body.next);
    expect(second.body.data).toHaveLength(1);
    expect(second.body.next).toBeNull();
    const all = [...first.body.data, ...second.body.data].map((c: any) => c.username).sort();
    expect(all).toEqual(['alice', 'bob', 'carol']);
  });

  it.each(['/consumers/nobody', '/consumers/nobody/jwt', '/jwts/nope', '/services/nope', '/routes/nope', '/no/such/thing'])('GET %s → 404 Not found', async (p) => {
    const res = await fetch(`${gw.admin}${p}`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('{"message":"Not found"}');
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('%s is 405 Method not allowed', async (method) => {
    const res = await fetch(`${gw.admin}/consumers`, { method, headers: { 'content-type': 'application/json' }, body: '{"username":"x"}' });
    expect(res.status).toBe(405);
    expect(await res.json()).toEqual({ message: 'Method not allowed' });
  });

  it('/debug/diagnostics names the broken credential and why, while the rest serves', async () => {
    const { body } = await get('/debug/diagnostics');
    const broken = body.data.filter((d: any) => d.severity === 'error');
    expect(broken).toHaveLength(1);
    expect(broken[0].object).toMatchObject({ kind: 'jwt_secrets', name: 'broken-key' });
    expect(broken[0].reason).toBe('InvalidKey');
    expect(broken[0].text).toContain('broken-key');
    expect(JSON.stringify(body)).not.toContain('not a key');
    const token = mintToken({ algorithm: 'RS256', key: 'bob-key', privateKeyPem: rsa.privateKeyPem });
    expect((await call(gw.proxy, '/api', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    const broke = mintToken({ algorithm: 'RS256', key: 'broken-key', privateKeyPem: rsa.privateKeyPem });
    const r = await call(gw.proxy, '/api', { headers: { authorization: `Bearer ${broke}` } });
    expect(r.body).toBe(`{"message":"No credentials found for given 'iss'"}`);
  });
});

describe('status listener', () => {
  it('/healthz and /readyz answer 200', async () => {
    expect((await fetch(`${gw.status}/healthz`)).status).toBe(200);
    expect((await fetch(`${gw.status}/readyz`)).status).toBe(200);
  });

  it('/metrics counts requests by route and status, auth failures by reason, latency, snapshot version and reloads', async () => {
    const good = mintToken({ algorithm: 'HS256', key: 'alice-key', secret: SECRET });
    const bad = mintToken({ algorithm: 'HS256', key: 'alice-key', secret: 'wrong' });
    await call(gw.proxy, '/api', { headers: { authorization: `Bearer ${good}` } });
    await call(gw.proxy, '/api', { headers: { authorization: `Bearer ${good}` } });
    await call(gw.proxy, '/api');
    await call(gw.proxy, '/api', { headers: { authorization: `Bearer ${bad}` } });
    await call(gw.proxy, '/nowhere');
    const text = await (await fetch(`${gw.status}/metrics`)).text();
    const value = (re: RegExp) => Number(text.match(re)?.[1] ?? NaN);
    expect(value(/^portcullis_requests_total\{[^}]*route="[^"]*api[^"]*"[^}]*status="200"[^}]*\} (\d+)/m)).toBeGreaterThanOrEqual(2);
    expect(value(/^portcullis_requests_total\{[^}]*route="[^"]*api[^"]*"[^}]*status="401"[^}]*\} (\d+)/m)).toBeGreaterThanOrEqual(2);
    expect(value(/^portcullis_requests_total\{[^}]*status="404"[^}]*\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^portcullis_auth_failures_total\{[^}]*reason="[^"]+"[^}]*\} \d+/m);
    for (const reason of ['no_token', 'bad_signature']) {
      expect(value(new RegExp(`^portcullis_auth_failures_total\\{[^}]*reason="${reason}"[^}]*\\} (\\d+)`, 'm')), reason).toBe(1);
    }
    expect(value(/^portcullis_request_duration_seconds_count\{[^}]*route="[^"]*api[^"]*"[^}]*\} (\d+)/m)).toBeGreaterThanOrEqual(4);
    expect(text).toMatch(/^portcullis_request_duration_seconds_bucket\{[^}]*le="\+Inf"/m);
    expect(value(/^portcullis_snapshot_version (\d+)/m)).toBe(1);
    expect(value(/^portcullis_snapshot_reloads_total (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(SECRET);
  });

  it('a config edit shows up as a new snapshot version and a reload', async () => {
    const before = await (await fetch(`${gw.status}/metrics`)).text();
    const reloads = Number(before.match(/^portcullis_snapshot_reloads_total (\d+)/m)![1]);
    (config.consumers as unknown[]).push({ username: 'dave' });
    await writeFile(gw.configPath, YAML.stringify(config));
    await waitFor(async () => (await get('/consumers/dave')).status === 200, 5000);
    const after = await (await fetch(`${gw.status}/metrics`)).text();
    expect(Number(after.match(/^portcullis_snapshot_version (\d+)/m)![1])).toBe(2);
    expect(Number(after.match(/^portcullis_snapshot_reloads_total (\d+)/m)![1])).toBe(reloads + 1);
  });
});
