import http from 'node:http';
import http2 from 'node:http2';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { portOf, runCli, startStandalone, writeKongYml, type StandaloneGateway } from '../../support/standalone.js';

/**
 * Kong's acl and cors through the real standalone gateway (docs/acl.md, docs/cors.md): groups from
 * kong.yml acls (nested and top-level), Kong's statuses and messages, X-Consumer-Groups upstream
 * (never the client's), a browser's preflight-then-request sequence answered before jwt, CORS
 * headers on the gateway's own refusals, the upstream's Access-Control-Allow-Origin replaced or
 * removed, and a bad config failing only its route closed.
 */
const SECRET = 'aclcors-secret-0123456789abcdef';
const token = (key: string) => mintToken({ algorithm: 'HS256', key, secret: SECRET, expiresInSeconds: 300 });
const APP = 'https://app.example';

let echo: EchoUpstream;
let gw: StandaloneGateway;

const apiCors = {
  name: 'cors',
  config: {
    origins: [APP, 'https://.*\\.partner\\.example'],
    methods: ['GET', 'POST'],
    headers: ['Authorization', 'Content-Type'],
    exposed_headers: ['X-Upstream'],
    credentials: true,
    max_age: 600,
  },
};

function config() {
  return {
    services: [
      {
        name: 'echo',
        url: echo.url,
        routes: [
          { name: 'api', paths: ['/api'], plugins: [apiCors, { name: 'jwt' }, { name: 'acl', config: { allow: ['dev'] } }] },
          { name: 'deny', paths: ['/deny'], plugins: [{ name: 'jwt' }, { name: 'acl', config: { deny: ['banned'] } }] },
          { name: 'hidden', paths: ['/hidden'], plugins: [{ name: 'jwt' }, { name: 'acl', config: { allow: ['dev'], hide_groups_header: true } }] },
          { name: 'anon', paths: ['/anon'], plugins: [{ name: 'jwt', config: { anonymous: 'guest' } }, { name: 'acl', config: { allow: ['dev'] } }] },
          { name: 'noauth', paths: ['/noauth'], plugins: [{ name: 'acl', config: { allow: ['dev'] } }] },
          { name: 'continue', paths: ['/continue'], plugins: [{ name: 'cors', config: { preflight_continue: true } }, { name: 'jwt' }] },
          { name: 'continue-skip', paths: ['/continue-skip'], plugins: [{ name: 'cors', config: { preflight_continue: true } }, { name: 'jwt', config: { run_on_preflight: false } }] },
          { name: 'upstream-acao', paths: ['/upstream-acao'], strip_path: false, plugins: [{ name: 'cors', config: { origins: ['https://a.example', 'https://b.example'] } }] },
          { name: 'bad-acl', paths: ['/bad-acl'], plugins: [{ name: 'acl', config: { allow: ['a'], deny: ['b'] } }] },
          { name: 'bad-cors', paths: ['/bad-cors'], plugins: [{ name: 'cors', config: { origins: ['*.example.com'] } }] },
          { name: 'plain', paths: ['/plain'] },
        ],
      },
    ],
    consumers: [
      { username: 'alice', jwt_secrets: [{ key: 'alice-key', secret: SECRET }], acls: [{ group: 'dev' }, { group: 'ops' }] },
      { username: 'bob', jwt_secrets: [{ key: 'bob-key', secret: SECRET }] },
      { username: 'carol', jwt_secrets: [{ key: 'carol-key', secret: SECRET }] },
      { username: 'guest' },
    ],
    acls: [
      { consumer: 'bob', group: 'banned' },
      { consumer: 'carol', group: 'qa' },
    ],
  };
}

beforeAll(async () => {
  echo = await startEchoUpstream((req, res) => {
    if (!req.url?.startsWith('/upstream-acao')) return false;
    res.writeHead(200, { 'access-control-allow-origin': 'https://set-by-upstream.example', vary: 'Accept-Encoding', 'x-upstream': 'echo' });
    res.end('{}');
    return true;
  });
  gw = await startStandalone(config(), { args: ['--proxy-h2c', 'on'] });
}, 60_000);

afterAll(async () => {
  await gw?.close();
  await echo?.close();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
  /** The headers the upstream saw (a 200 from the echo upstream). */
  seen?: Record<string, string>;
}

function send(method: string, p: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: portOf(gw.proxy), method, path: p, headers: { host: 'api.example', ...headers }, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        const seen = res.statusCode === 200 && res.headers['x-upstream'] === 'echo' && text.startsWith('{"method"') ? (JSON.parse(text).headers as Record<string, string>) : undefined;
        resolve({ status: res.statusCode!, headers: res.headers, rawHeaders: res.rawHeaders, body: text, ...(seen && { seen }) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
const get = (p: string, headers: Record<string, string> = {}) => send('GET', p, headers);
const bearer = (key: string) => ({ authorization: `Bearer ${token(key)}` });

describe('acl', () => {
  it('allow: a member passes with X-Consumer-Groups; a non-member gets 403 "You cannot consume this service"', async () => {
    const ok = await get('/api', bearer('alice-key'));
    expect(ok.status).toBe(200);
    expect(ok.seen?.['x-consumer-groups']).toBe('dev, ops');
    expect(ok.seen?.['x-consumer-username']).toBe('alice');
    const refused = await get('/api', bearer('carol-key'));
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ message: 'You cannot consume this service' });
    // A consumer without any group, with a credential: 403 too.
    expect((await get('/hidden', bearer('bob-key'))).status).toBe(403);
  });

  it('deny: a member of a top-level acls group gets 403; a consumer without groups passes with no header', async () => {
    expect((await get('/deny', bearer('bob-key'))).status).toBe(403);
    const alice = await get('/deny', bearer('alice-key'));
    expect(alice.seen?.['x-consumer-groups']).toBe('dev, ops');
  });

  it("the client's X-Consumer-Groups never reaches the upstream", async () => {
    const hidden = await get('/hidden', { ...bearer('alice-key'), 'x-consumer-groups': 'admin', 'x-authenticated-groups': 'admin' });
    expect(hidden.status).toBe(200);
    expect(hidden.seen?.['x-consumer-groups']).toBeUndefined();
    expect(hidden.seen?.['x-authenticated-groups']).toBeUndefined();
    const plain = await get('/plain', { 'x-consumer-groups': 'admin' });
    expect(plain.seen?.['x-consumer-groups']).toBeUndefined();
  });

  it('no consumer: 401 {"message":"Unauthorized"}; the anonymous consumer without groups: 401', async () => {
    const noauth = await get('/noauth');
    expect(noauth.status).toBe(401);
    expect(JSON.parse(noauth.body)).toMatchObject({ message: 'Unauthorized' });
    expect(noauth.headers['www-authenticate']).toBeUndefined();
    const anon = await get('/anon');
    expect(anon.status).toBe(401);
    expect(JSON.parse(anon.body)).toMatchObject({ message: 'Unauthorized' });
    expect((await get('/anon', bearer('alice-key'))).status).toBe(200);
  });

  it('runs after jwt: no token is still jwt\'s 401', async () => {
    const r = await get('/api');
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toMatchObject({ message: 'Unauthorized' });
  });

  it('the access log carries acl_denied and acl_unauthenticated', async () => {
    const denied = await get('/deny', bearer('bob-key'));
    const unauth = await get('/noauth');
    const lineOf = async (id: string) => {
      const deadline = Date.now() + 5000;
      for (;;) {
        const line = gw.stdout().split('\n').filter((l) => l.includes(id)).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.type === 'access');
        if (line !== undefined || Date.now() > deadline) return line;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    expect(await lineOf(String(denied.headers['x-request-id']))).toMatchObject({ status: 403, reason: 'acl_denied', consumer: 'bob' });
    expect(await lineOf(String(unauth.headers['x-request-id']))).toMatchObject({ status: 401, reason: 'acl_unauthenticated' });
  });
});

describe('cors: a browser-style preflight, then the request', () => {
  it('the preflight is answered by cors (200, no body) before jwt and acl; then the POST carries the CORS headers', async () => {
    const preflight = await send('OPTIONS', '/api/items', {
      origin: APP,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    });
    expect(preflight.status).toBe(200);
    expect(preflight.body).toBe('');
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': APP,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET,POST',
      'access-control-allow-headers': 'Authorization,Content-Type',
      'access-control-max-age': '600',
      vary: 'Origin',
      'content-length': '0',
    });
    expect(echo.seen.some((s) => s.method === 'OPTIONS')).toBe(false);

    const post = await send('POST', '/api/items', { origin: APP, ...bearer('alice-key'), 'content-type': 'application/json' }, '{"x":1}');
    expect(post.status).toBe(200);
    expect(post.headers['access-control-allow-origin']).toBe(APP);
    expect(post.headers['access-control-allow-credentials']).toBe('true');
    expect(post.headers['access-control-expose-headers']).toBe('X-Upstream');
    expect(post.headers.vary).toBe('Origin');
    expect(post.seen?.origin).toBe(APP);
  });

  it("refusals carry the CORS headers too (jwt's 401, acl's 403), so the page can read them", async () => {
    const noToken = await get('/api', { origin: 'https://x.partner.example' });
    expect(noToken.status).toBe(401);
    expect(noToken.headers['access-control-allow-origin']).toBe('https://x.partner.example');
    expect(noToken.headers['access-control-allow-credentials']).toBe('true');
    const forbidden = await get('/api', { origin: APP, ...bearer('carol-key') });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers['access-control-allow-origin']).toBe(APP);
  });

  it('an origin not listed: no Access-Control-Allow-Origin on the preflight nor the response', async () => {
    const preflight = await send('OPTIONS', '/api', { origin: 'https://evil.example', 'access-control-request-method': 'GET' });
    expect(preflight.status).toBe(200);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const r = await get('/api', { origin: 'https://evil.example', ...bearer('alice-key') });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
  });

  it("an OPTIONS that is not a preflight (no Access-Control-Request-Method) goes through jwt", async () => {
    expect((await send('OPTIONS', '/api', { origin: APP })).status).toBe(401);
  });

  it('preflight_continue: the preflight is proxied, so jwt (run_on_preflight) refuses it, or lets it through', async () => {
    const refused = await send('OPTIONS', '/continue', { origin: APP, 'access-control-request-method': 'GET' });
    expect(refused.status).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    const proxied = await send('OPTIONS', '/continue-skip', { origin: APP, 'access-control-request-method': 'GET' });
    expect(proxied.status).toBe(200);
    expect(proxied.seen?.['access-control-request-method']).toBe('GET');
    expect(proxied.headers['access-control-allow-origin']).toBeUndefined();
  });

  it("the upstream's Access-Control-Allow-Origin is replaced on a match, removed otherwise; Vary is appended", async () => {
    const match = await get('/upstream-acao', { origin: 'https://b.example' });
    expect(match.headers['access-control-allow-origin']).toBe('https://b.example');
    expect(match.headers.vary).toBe('Accept-Encoding, Origin');
    const miss = await get('/upstream-acao', { origin: 'https://c.example' });
    expect(miss.headers['access-control-allow-origin']).toBeUndefined();
    expect(miss.headers.vary).toBe('Accept-Encoding, Origin');
    // Without the plugin's say (no Origin, allow_origin_absent): still Kong's header_filter, ACAO removed.
    expect((await get('/upstream-acao')).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('over HTTP/2 (h2c) too: the preflight answer, and the CORS headers on a 401', async () => {
    const session = http2.connect(`http://127.0.0.1:${portOf(gw.proxy)}`);
    const h2 = (headers: http2.OutgoingHttpHeaders) =>
      new Promise<http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader>((resolve, reject) => {
        const req = session.request(headers);
        req.on('response', (h) => {
          req.resume();
          req.on('end', () => resolve(h));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      const preflight = await h2({ ':method': 'OPTIONS', ':path': '/api', ':authority': 'api.example', origin: APP, 'access-control-request-method': 'POST' });
      expect(preflight[':status']).toBe(200);
      expect(preflight['access-control-allow-origin']).toBe(APP);
      expect(preflight['access-control-allow-methods']).toBe('GET,POST');
      const refused = await h2({ ':method': 'GET', ':path': '/api', ':authority': 'api.example', origin: APP });
      expect(refused[':status']).toBe(401);
      expect(refused['access-control-allow-origin']).toBe(APP);
    } finally {
      session.close();
    }
  });

  it('routes without cors add nothing', async () => {
    const r = await get('/plain', { origin: APP });
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    expect(r.headers.vary).toBeUndefined();
  });
});

describe('bad config', () => {
  it('fails only its route closed (500) and names the field; the others serve', async () => {
    expect((await get('/bad-acl')).status).toBe(500);
    expect((await get('/bad-cors')).status).toBe(500);
    expect((await get('/plain')).status).toBe(200);
    expect(gw.output()).toContain('config.allow: exactly one of allow or deny is required');
    expect(gw.output()).toContain("config.origins[0]: '*.example.com' is not a valid regex");
  });

  it('portcullis validate names bad acls entries and Route plugin fields', async () => {
    const { dir, configPath } = await writeKongYml({
      services: [{ name: 's', url: 'http://127.0.0.1:9', routes: [{ name: 'r', paths: ['/r'], plugins: [{ name: 'acl', config: { deny: ['x'], hideGroupsHeader: true } }] }] }],
      consumers: [{ username: 'u', acls: [{ group: '' }] }],
      acls: [{ consumer: 'nobody', group: 'g' }],
    });
    const out = await runCli(['validate', configPath]);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain("config.hideGroupsHeader: unknown field");
    expect(out.stdout).toContain('consumers[0].acls[0]');
    expect(out.stdout).toContain("invalid reference 'consumer: nobody'");

    const manifest = path.join(dir, 'routes.yaml');
    await writeFile(
      manifest,
      YAML.stringify({
        apiVersion: 'portcullis.dev/v1alpha1',
        kind: 'Route',
        metadata: { name: 'bad', namespace: 'demo' },
        spec: { paths: ['/x'], backend: { url: 'http://x' }, plugins: { acl: { allow: ['a'], deny: ['b'] }, cors: { origins: ['(unclosed'] } } },
      }),
    );
    const cr = await runCli(['validate', manifest]);
    expect(cr.code).toBe(1);
    expect(cr.stdout).toContain("(Route 'bad'): spec.plugins.acl.allow: exactly one of allow or deny is required");
    expect(cr.stdout).toContain("(Route 'bad'): spec.plugins.cors.origins.0: '(unclosed' is not a valid regex");
  });
});
