import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createAdminServer } from '../../../src/admin/server.js';
import { explainRequest } from '../../../src/proxy/explain.js';
import { parseDeclarative } from '../../../src/sources/declarative/parse.js';
import { SnapshotStore } from '../../../src/snapshot/store.js';
import { translate } from '../../../src/translate/translate.js';
import { mintToken } from '../../../src/tokens/mint.js';

/**
 * POST /debug/explain's request handling on the real fastify app (inject): the body forms it
 * takes, what it refuses (and that refusals echo no input), and that without an explain function
 * the route is not there (405, as every write).
 */
const SECRET = 'route-test-secret-91xk';
const store = new SnapshotStore();
let app: FastifyInstance;
let off: FastifyInstance;

beforeAll(async () => {
  const { resources } = parseDeclarative(
    `_format_version: "3.0"
services:
  - name: s
    url: http://127.0.0.1:9
    routes:
      - name: r
        paths: [/r]
        plugins: [{ name: jwt }]
consumers:
  - username: u
    jwt_secrets: [{ key: k, secret: ${SECRET} }]
`,
    'kong.yml',
  );
  store.swap(translate(resources, 1));
  app = createAdminServer({ store, exposeSecrets: true, explain: (s, req, now) => explainRequest(s, req, { nowSeconds: now ?? 1_700_000_000 }) });
  off = createAdminServer({ store, exposeSecrets: true });
});

afterAll(async () => {
  await app.close();
  await off.close();
});

const post = (body: unknown, type = 'application/json', server = app) =>
  server.inject({ method: 'POST', url: '/debug/explain', headers: { host: 'localhost', 'content-type': type }, payload: typeof body === 'string' ? body : JSON.stringify(body) });

describe('POST /debug/explain', () => {
  it('takes headers as "Name: value" lines or as an object (lists for repeats); method defaults to GET', async () => {
    const token = mintToken({ algorithm: 'HS256', key: 'k', secret: SECRET });
    const lines = await post({ url: 'http://h/r', headers: [`Authorization: Bearer ${token}`] });
    const object = await post({ url: 'http://h/r', headers: { Authorization: [`Bearer ${token}`, 'Bearer other'] } });
    expect(lines.statusCode).toBe(200);
    expect(lines.headers['cache-control']).toBe('no-store');
    expect(lines.json()).toMatchObject({ request: { method: 'GET' }, verdict: { proxied: true, consumer: { username: 'u' } } });
    // Only the first Authorization counts, as on the proxy.
    expect(object.json().verdict.proxied).toBe(true);
    expect(lines.body).not.toContain(SECRET);
    expect(lines.body).not.toContain(token.split('.')[2]);
  });

  it('refuses what is not JSON, and bad fields, naming the field without echoing input', async () => {
    expect((await post('url=/r', 'application/x-www-form-urlencoded')).statusCode).toBe(415);
    expect((await post('{"url":"/r"}', 'text/plain')).statusCode).toBe(415);
    for (const body of [[], { url: 5 }, { url: '/r', method: 'G E T' }, { url: '/r', headers: ['no colon eyJmarker'] }, { url: '/r', headers: { a: 1 } }, { url: '/r', now: -1 }, { url: 'ftp://eyJmarker' }]) {
      const res = await post(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.body).not.toContain('eyJmarker');
    }
    const broken = await post('{"url": "eyJmarker');
    expect(broken.statusCode).toBe(400);
    expect(broken.body).not.toContain('eyJmarker');
  });

  it('answers 503-as-explained before any configuration', async () => {
    const empty = createAdminServer({ store: new SnapshotStore(), exposeSecrets: false, explain: (s, req) => explainRequest(s, req, { nowSeconds: 0 }) });
    const res = await post({ url: 'http://h/' }, 'application/json', empty);
    expect(res.json().verdict).toEqual({ proxied: false, status: 503, reason: 'no_config', by: 'gateway' });
    await empty.close();
  });

  it('is absent (405, as every write) when the runtime passes no explain function', async () => {
    expect((await post({ url: 'http://h/r' }, 'application/json', off)).statusCode).toBe(405);
  });
});
