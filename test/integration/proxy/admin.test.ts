import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createAdminServer } from '../../../src/admin/server.js';
import { SnapshotStore } from '../../../src/snapshot/store.js';
import { fakeAuthenticator, makeConsumer, makeCredential, makeRoute, makeSnapshot, makeUpstream } from '../../support/snapshot-fixtures.js';
import { request } from '../../support/http.js';
import type { AddressInfo } from 'node:net';

const alice = makeConsumer('alice', 'b32379d9-3d28-5683-a79c-72139be6e34f', 'c-1');
const bob = makeConsumer('bob');
const creds = [makeCredential(alice, 'alice-key', 'alice-secret'), makeCredential(alice, 'alice-key-2', 'alice-secret-2'), makeCredential(bob, 'bob-key', 'bob-secret')];
const upstream = makeUpstream([{ host: '127.0.0.1', port: 1 }]);
const snapshot = makeSnapshot(
  [makeRoute('api', ['/api'], upstream, { auth: fakeAuthenticator(creds[0]!) }), makeRoute('pub', ['/pub'], upstream)],
  [alice, bob],
  creds,
  [{ severity: 'error', object: { kind: 'jwt_secrets', name: 'dup-key', file: 'kong.yml', path: 'jwt_secrets[3]' }, reason: 'KeyConflict', message: 'key used by two consumers' }],
);

let exposing: FastifyInstance;
let redacting: FastifyInstance;
let pE = 0;
let pR = 0;

beforeAll(async () => {
  const store = new SnapshotStore();
  store.swap(snapshot);
  exposing = createAdminServer({ store, exposeSecrets: true, mode: 'standalone' });
  redacting = createAdminServer({ store, exposeSecrets: false, mode: 'controller' });
  await exposing.listen({ host: '127.0.0.1', port: 0 });
  await redacting.listen({ host: '127.0.0.1', port: 0 });
  pE = (exposing.server.address() as AddressInfo).port;
  pR = (redacting.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await exposing?.close();
  await redacting?.close();
});

const get = async (port: number, path: string, method = 'GET') => {
  const r = await request(port, path, { method });
  return { status: r.status, json: JSON.parse(r.body) as Record<string, any> };
};

describe('admin API', () => {
  it('lists credentials of a consumer by username, with Kong item fields', async () => {
    const { status, json } = await get(pE, '/consumers/alice/jwt');
    expect(status).toBe(200);
    expect(json.next).toBeNull();
    expect(json.data).toHaveLength(2);
    expect(json.data[0]).toEqual({
      id: 'cred-alice-key', created_at: 1767225600, consumer: { id: alice.id }, key: 'alice-key',
      secret: 'alice-secret', rsa_public_key: null, algorithm: 'HS256', tags: ['t1'],
    });
  });

  it('redacts secrets when exposeSecrets is false', async () => {
    const { json } = await get(pR, `/consumers/${alice.id}/jwt`);
    expect(json.data.map((d: any) => d.secret)).toEqual(['<redacted>', '<redacted>']);
    const one = await get(pR, '/jwts/bob-key');
    expect(one.json.secret).toBe('<redacted>');
  });

  it.each([
    ['/consumers', 200],
    ['/consumers/bob', 200],
    [`/consumers/${alice.id}`, 200],
    ['/jwts', 200],
    ['/jwts/cred-bob-key', 200],
    ['/services', 200],
    ['/routes', 200],
    ['/routes/api', 200],
    ['/', 200],
    ['/consumers/nobody', 404],
    ['/consumers/nobody/jwt', 404],
    ['/jwts/nope', 404],
    ['/plugins/whatever', 404],
  ])('GET %s → %i', async (path, status) => {
    const { status: s, json } = await get(pE, path);
    expect(s).toBe(status);
    if (status === 404) expect(json).toEqual({ message: 'Not found' });
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('%s is refused with 405', async (method) => {
    const { status, json } = await get(pE, '/consumers/alice', method);
    expect(status).toBe(405);
    expect(json).toEqual({ message: 'Method not allowed' });
  });

  it('pages with size and offset', async () => {
    const p1 = await get(pE, '/jwts?size=2');
    expect(p1.json.data.map((d: any) => d.key)).toEqual(['alice-key', 'alice-key-2']);
    expect(p1.json.next).toBe('/jwts?offset=2&size=2');
    const p2 = await get(pE, p1.json.next);
    expect(p2.json.data.map((d: any) => d.key)).toEqual(['bob-key']);
    expect(p2.json.next).toBeNull();
    expect((await get(pE, '/jwts?size=0')).status).toBe(400);
  });

  it('shows the consumer and the route in Kong shape', async () => {
    const c = await get(pE, '/consumers/alice');
    expect(c.json).toMatchObject({ id: alice.id, username: 'alice', custom_id: 'c-1' });
    const r = await get(pE, '/routes');
    expect(r.json.data[0]).toMatchObject({ name: 'api', paths: ['/api'], strip_path: true, preserve_host: false, service: { id: 'svc-1' } });
    const s = await get(pE, '/services');
    expect(s.json.data).toHaveLength(1);
    expect(s.json.data[0]).toMatchObject({ id: 'svc-1', host: '127.0.0.1', port: 1, retries: 5 });
  });

  it('debug snapshot never shows secrets, even when exposeSecrets is true', async () => {
    const r = await request(pE, '/debug/snapshot');
    expect(r.status).toBe(200);
    expect(r.body).not.toContain('alice-secret');
    const json = JSON.parse(r.body);
    expect(json).toMatchObject({ version: snapshot.version, hash: snapshot.hash, diagnostics: 1 });
    expect(json.routes[0].jwt.plugin_id).toBe('plugin-jwt-1');
    // Counts, not lists: /consumers and /jwts page through them.
    expect(json).toMatchObject({ consumers: snapshot.consumers.length, credentials: 3 });
  });

  it('debug diagnostics lists rejected objects with reasons', async () => {
    const { json } = await get(pE, '/debug/diagnostics');
    expect(json.data).toHaveLength(1);
    expect(json.data[0]).toMatchObject({ reason: 'KeyConflict', object: { name: 'dup-key' } });
    expect(json.data[0].text).toContain('kong.yml: jwt_secrets[3]');
  });
});
