import http from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { runCliWith } from '../../support/cli.js';
import { startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * explain against the real gateway (docs/explain.md): for every kind of refusal, what
 * POST /debug/explain predicts is exactly what the proxy answers (status, body, the headers it
 * sets), the access log line carries the same reason code, `portcullis explain --json` (a real
 * process) prints the same document, and no secret appears anywhere.
 */
const SECRET = 'explain-it-secret-7Hq2Lm';
const MANIFEST_SECRET = 'explain-it-manifest-secret-Px3';
const NOW = () => Math.floor(Date.now() / 1000);

let upstream: EchoUpstream;
let gw: StandaloneGateway;
let manifestsDir: string;
let output = '';
const outputs: string[] = [];

const hs = (claims: Record<string, unknown> = {}, opts: { key?: string; secret?: string } = {}) =>
  mintToken({ algorithm: 'HS256', key: opts.key ?? 'it-key', secret: opts.secret ?? SECRET, claims: { exp: NOW() + 600, nbf: NOW() - 10, ...claims } });

function config(upstreamUrl: string): object {
  return {
    services: [
      {
        name: 'svc',
        url: `${upstreamUrl}/base`,
        routes: [
          { name: 'admin-only', hosts: ['admin.example.com'], paths: ['/api'], methods: ['POST'] },
          { name: 'api', paths: ['/api'], plugins: [{ name: 'jwt', config: { claims_to_verify: ['exp', 'nbf'], maximum_expiration: 86400, realm: 'it', cookie_names: ['sess'] } }] },
          { name: 'secure', paths: ['/secure'], protocols: ['https'] },
          { name: 'public', paths: ['/public'] },
          { name: 'guest', paths: ['/guest'], plugins: [{ name: 'jwt', config: { anonymous: 'guest' } }] },
          { name: 'ghost', paths: ['/ghost'], plugins: [{ name: 'jwt', config: { anonymous: 'nobody' } }] },
          { name: 'broken', paths: ['/broken'], plugins: [{ name: 'jwt', config: { maximum_expiration: 5 } }] },
          { name: 'b64', paths: ['/b64'], plugins: [{ name: 'jwt', config: { secret_is_base64: true } }] },
        ],
      },
    ],
    consumers: [
      { username: 'alice', jwt_secrets: [{ key: 'it-key', secret: SECRET }, { key: 'it-rsa', algorithm: 'RS256', rsa_public_key: RSA_PUBLIC }] },
      { username: 'guest' },
      { username: 'bob', jwt_secrets: [{ key: 'not-b64', secret: 'not base64!' }] },
    ],
  };
}

interface Case {
  name: string;
  method: string;
  path: string;
  headers: Array<[string, string]>;
}

const CASES: Case[] = [
  { name: 'ok', method: 'GET', path: '/api/x?q=1', headers: [['Authorization', `Bearer ${hs()}`]] },
  { name: 'public', method: 'GET', path: '/public', headers: [] },
  { name: 'better-route', method: 'POST', path: '/api', headers: [['Host', 'admin.example.com']] },
  { name: 'anonymous', method: 'GET', path: '/guest', headers: [] },
  { name: 'no_route', method: 'GET', path: '/nothing', headers: [] },
  { name: 'no_route_text', method: 'GET', path: '/nothing', headers: [['Accept', 'text/plain']] },
  { name: 'bad_path', method: 'GET', path: '/api/%zz', headers: [] },
  { name: 'https_required', method: 'GET', path: '/secure/a?b=c', headers: [] },
  { name: 'plugin_error', method: 'GET', path: '/broken', headers: [] },
  { name: 'no_token', method: 'GET', path: '/api', headers: [] },
  { name: 'multiple_tokens', method: 'GET', path: '/api', headers: [['Authorization', `Bearer ${hs()}`], ['Cookie', `sess=${hs({ n: 1 })}`]] },
  { name: 'unrecognizable_token', method: 'GET', path: '/api?jwt', headers: [] },
  { name: 'bad_token', method: 'GET', path: '/api', headers: [['Authorization', 'Bearer abc.def.ghi']] },
  { name: 'missing_key_claim', method: 'GET', path: '/api', headers: [['Authorization', `Bearer ${mintToken({ algorithm: 'HS256', key: 'x', keyClaimName: 'sub', secret: SECRET })}`]] },
  { name: 'invalid_key_claim', method: 'GET', path: '/api', headers: [['Authorization', `Bearer ${hs({ iss: 7 })}`]] },
  { name: 'invalid_key', method: 'GET', path: '/b64', headers: [['Authorization', `Bearer ${hs({}, { key: 'not-b64', secret: 'not base64!' })}`]] },
  { name: 'unknown_credential', method: 'GET', path: '/api', headers: [['Authorization', `Bearer ${hs({}, { key: 'nobody' })}`]] },
  { name: 'algorithm_mismatch', method: 'GET', path: '/api', headers: [['Authorization', `Bearer ${hs({}, { key: 'it-rsa' })}`]] },
  { name: 'bad_signature', method: 'GET', path: '/api', headers: [['Authorization', `Bearer ${hs({}, { secret: 'wrong' })}`]] },
  { name: 'invalid_claims', method: 'GET', path: '/api', headers: [['Authorization', `Bearer ${hs({ exp: 'later' })}`]] },
  { name: 'expired', method: 'GET', path: `/api?jwt=${hs({ exp: NOW() - 30 })}`, headers: [] },
  { name: 'not_yet_valid', method: 'GET', path: '/api', headers: [['Authorization', `Bearer ${hs({ nbf: NOW() + 3600 })}`]] },
  { name: 'max_expiration', method: 'GET', path: '/api', headers: [['Authorization', `Bearer ${hs({ exp: NOW() + 3 * 86400 })}`]] },
  { name: 'anonymous_missing', method: 'GET', path: '/ghost', headers: [] },
];

interface Real {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on a keep-alive agent (as most clients send; 426 then says `connection: Upgrade`), headers exactly as given. */
const agent = new http.Agent({ keepAlive: true });
function send(c: Case, requestId: string): Promise<Real> {
  const { hostname, port } = new URL(gw.proxy);
  const headers = [...c.headers.flat(), 'X-Request-ID', requestId];
  if (!c.headers.some(([n]) => n.toLowerCase() === 'host')) headers.push('Host', `${hostname}:${port}`);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method: c.method, path: c.path, headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function explain(c: Case, requestId: string, now: number): Promise<any> {
  const res = await fetch(`${gw.admin}/debug/explain`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ method: c.method, url: `${gw.proxy}${c.path}`, headers: [...c.headers.map(([n, v]) => `${n}: ${v}`), `X-Request-ID: ${requestId}`], now }),
  });
  const text = await res.text();
  outputs.push(text);
  expect(res.status, text).toBe(200);
  expect(res.headers.get('cache-control')).toBe('no-store');
  return JSON.parse(text);
}

const results = new Map<string, { real: Real; predicted: any; requestId: string }>();

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gw = await startStandalone(config(upstream.url), { args: ['--access-log', 'on'] });
  for (const c of CASES) {
    const requestId = `explain-${c.name}`;
    const now = NOW();
    const predicted = await explain(c, requestId, now);
    const real = await send(c, requestId);
    results.set(c.name, { real, predicted, requestId });
  }
  manifestsDir = await mkdtemp(path.join(os.tmpdir(), 'pc-explain-'));
  await writeFile(path.join(manifestsDir, 'shop.yaml'), MANIFESTS);
});

afterAll(async () => {
  agent.destroy();
  await gw?.close();
  await upstream?.close();
  if (manifestsDir) await rm(manifestsDir, { recursive: true, force: true });
});

describe('POST /debug/explain predicts the real answer', () => {
  it.each(CASES.map((c) => c.name))('%s', (name) => {
    const { real, predicted } = results.get(name)!;
    expect(predicted.routerDisagrees).toBeUndefined();
    if (predicted.verdict.proxied) {
      expect(real.status).toBe(200);
      expect(real.headers['x-upstream']).toBe('echo');
      const seen = JSON.parse(real.body);
      expect(seen.url.split('?')[0]).toBe(predicted.upstream.path);
      for (const [k, v] of Object.entries(predicted.upstream.identityHeaders)) expect(seen.headers[k]).toBe(v);
      return;
    }
    expect(predicted.verdict.reason).toBe(name.replace(/_text$/, ''));
    expect(real.status).toBe(predicted.response.status);
    expect(real.body).toBe(predicted.response.body);
    for (const [k, v] of Object.entries(predicted.response.headers)) expect(real.headers[k], k).toBe(v);
    // And the proxy sets no header of its own beyond those (node adds date, connection, keep-alive).
    const own = Object.keys(real.headers).filter((k) => !['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(k));
    expect(own.sort()).toEqual(Object.keys(predicted.response.headers).filter((k) => k !== 'connection').sort());
  });

  it('explains where the token was, the decoded claims and each check', () => {
    const { predicted } = results.get('expired')!;
    expect(predicted.auth.tokensFound).toEqual([{ source: 'query', name: 'jwt' }]);
    expect(predicted.auth.token.claims.iss).toBe('it-key');
    expect(predicted.auth.lookup.credential).toMatchObject({ key: 'it-key', consumer: { username: 'alice' } });
    expect(predicted.auth.checks.find((c: any) => c.check === 'exp')).toMatchObject({ result: 'fail', reason: 'expired' });
    expect(predicted.request.url).toMatch(/\?jwt=REDACTED$/);
    const better = results.get('no_token')!.predicted.route;
    expect(better.matched.route).toBe('api');
    // admin-only ranks first (three match fields); the longer prefixes rank above /api too.
    expect(better.notMatched[0]).toEqual({ route: 'admin-only', id: expect.any(String), path: '/api', failed: [
      { field: 'host', wanted: 'one of admin.example.com', got: '127.0.0.1' },
      { field: 'method', wanted: 'one of POST', got: 'GET' },
    ] });
    expect(better.notMatched.slice(1).map((c: any) => c.route).sort()).toEqual(['broken', 'ghost', 'guest', 'public', 'secure']);
    for (const c of better.notMatched.slice(1)) expect(c.failed).toEqual([{ field: 'path', wanted: `prefix ${c.path}`, got: '/api' }]);
  });
});

describe('the admin endpoint', () => {
  it('takes JSON only (no form or text/plain from a browser page), and echoes no input in errors', async () => {
    const marker = `Bearer ${hs()}`;
    const plain = await fetch(`${gw.admin}/debug/explain`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ url: '/api', headers: [`Authorization: ${marker}`] }) });
    expect(plain.status).toBe(415);
    const bad = await fetch(`${gw.admin}/debug/explain`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: `ftp://x/${marker}` }) });
    expect(bad.status).toBe(400);
    const badText = await bad.text();
    outputs.push(badText);
    expect(badText).not.toContain(marker.slice(7));
    const broken = await fetch(`${gw.admin}/debug/explain`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"url": "${marker}` });
    expect(broken.status).toBe(400);
    expect(await broken.text()).not.toContain(marker.slice(7));
    // Other writes stay 405.
    expect((await fetch(`${gw.admin}/consumers`, { method: 'POST' })).status).toBe(405);
  });

  it('with --workers, answers from the primary\'s live snapshot what the workers answer', async () => {
    const workers = await startStandalone(config(upstream.url), { args: ['--workers', '1'] });
    try {
      const token = hs({ exp: NOW() - 5 });
      const res = await fetch(`${workers.admin}/debug/explain`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: `${workers.proxy}/api`, headers: [`Authorization: Bearer ${token}`] }) });
      const predicted = (await res.json()) as { verdict: unknown; response: { body: string } };
      const real = await fetch(`${workers.proxy}/api`, { headers: { authorization: `Bearer ${token}` } });
      expect(predicted.verdict).toEqual({ proxied: false, status: 401, reason: 'expired', by: 'jwt' });
      expect(real.status).toBe(401);
      expect(await real.text()).toBe(predicted.response.body);
    } finally {
      await workers.close();
    }
  });

  it('is off with --admin-explain off (405 like any write)', async () => {
    const off = await startStandalone(config(upstream.url), { args: ['--admin-explain', 'off'] });
    try {
      const res = await fetch(`${off.admin}/debug/explain`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"url":"/api"}' });
      expect(res.status).toBe(405);
    } finally {
      await off.close();
    }
  });
});

describe('portcullis explain (a real process)', () => {
  it('prints the same document as the admin endpoint, exit 0 proxied / 3 refused', async () => {
    for (const name of ['ok', 'expired', 'no_route', 'https_required']) {
      const c = CASES.find((x) => x.name === name)!;
      const now = NOW();
      const fromAdmin = await explain(c, `cli-${name}`, now);
      const args = ['explain', '--config', gw.configPath, '--json', '--now', String(now), `${c.method} ${gw.proxy}${c.path}`];
      for (const [n, v] of c.headers) args.push('-H', `${n}: ${v}`);
      args.push('-H', `X-Request-ID: cli-${name}`);
      const cli = await runCliWith(args);
      outputs.push(cli.stdout, cli.stderr);
      expect(cli.code, cli.stderr).toBe(fromAdmin.verdict.proxied ? 0 : 3);
      const doc = JSON.parse(cli.stdout);
      expect({ ...doc, snapshot: null }).toEqual({ ...fromAdmin, snapshot: null });
    }
  });

  it('text output names the verdict, the failing check and the response', async () => {
    const token = hs({ exp: NOW() - 100 });
    const cli = await runCliWith(['explain', '-c', gw.configPath, 'GET http://h/api', '-H', `Authorization: Bearer ${token}`]);
    outputs.push(cli.stdout, cli.stderr);
    expect(cli.code).toBe(3);
    expect(cli.stdout).toContain('REFUSED 401 expired (by jwt)');
    expect(cli.stdout).toMatch(/FAIL exp +exp \d+ <= now \d+ {2}\[expired\]/);
    expect(cli.stdout).toContain('{"exp":"token expired"}');
    expect(cli.stdout).not.toContain(token.split('.')[2]);
  });

  it('--manifests: CR manifests as the controller would serve them', async () => {
    const good = mintToken({ algorithm: 'HS256', key: 'm-key', secret: MANIFEST_SECRET, expiresInSeconds: 60 });
    const ok = await runCliWith(['explain', '--manifests', manifestsDir, 'GET http://m.example.com/m', '-H', `Authorization: Bearer ${good}`]);
    const none = await runCliWith(['explain', '--manifests', path.join(manifestsDir, 'shop.yaml'), 'http://m.example.com/m', '--json']);
    outputs.push(ok.stdout, ok.stderr, none.stdout, none.stderr);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('PROXIED as consumer dave');
    expect(none.code).toBe(3);
    expect(JSON.parse(none.stdout).verdict).toEqual({ proxied: false, status: 401, reason: 'no_token', by: 'jwt' });
  });

  it('usage errors exit 2 without echoing the header', async () => {
    const both = await runCliWith(['explain', '--config', gw.configPath, '--manifests', manifestsDir, 'GET http://h/']);
    expect(both.code).toBe(2);
    const badHeader = await runCliWith(['explain', '--config', gw.configPath, 'GET http://h/', '-H', `Bearer ${SECRET}`]);
    expect(badHeader.code).toBe(2);
    expect(badHeader.stderr).not.toContain(SECRET);
  });
});

describe('the access log', () => {
  it('carries the reason explain gave, for every refused request, and none for proxied ones', async () => {
    expect(await gw.close()).toBe(0);
    output = gw.output();
    const lines = output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).filter((l) => l.type === 'access');
    for (const c of CASES) {
      const { predicted, requestId } = results.get(c.name)!;
      const line = lines.find((l) => l.request_id === requestId);
      expect(line, requestId).toBeDefined();
      expect(line.reason, c.name).toBe(predicted.verdict.proxied ? undefined : predicted.verdict.reason);
    }
  });

  it('no secret in any output: admin answers, CLI output, gateway log', () => {
    const all = [...outputs, output].join('\n');
    expect(all.length).toBeGreaterThan(1000);
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(MANIFEST_SECRET);
  });
});

const RSA_PUBLIC = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAlKLv2EpVFMgv62u1PMGB
MGpuLw139tgyrAOE3bvFpUhxtuigpDIfHLfa35x5LJYEtPl7F87pii6q+RMUQb6U
MPNzOhPANu46DB93QR4h2HUdPl8c/uSgBgA0crS+l9j3XjoUzjHjG7RqL14/YpmE
z9pZ+snnGz2LvkEu5nQsIfeJ+JXk12M82lYWNsGC7HPDmPP3lGQqEgV3In6I8c8E
1f8JacyqARk+0+rU7hZkFzGkA+7udpla3b8pxCXBIcIhZqaaC/4Zd+VgbPTsc2AY
pqV4ImawB2ZoDsM5ygWYfrdrwUGvZ5tJsTuoyN9xvzcdGA3tClUv+NfqtXMTkMto
twIDAQAB
-----END PUBLIC KEY-----
`;

const MANIFESTS = `apiVersion: portcullis.dev/v1alpha1
kind: KongConsumer
metadata: { name: dave }
spec: { username: dave }
---
apiVersion: v1
kind: Secret
metadata: { name: dave-jwt, labels: { portcullis.dev/credential: "true" } }
stringData: { secret: ${MANIFEST_SECRET} }
---
apiVersion: portcullis.dev/v1alpha1
kind: JwtCredential
metadata: { name: dave-hs }
spec: { consumerRef: { name: dave }, key: m-key, algorithm: HS256, secretRef: { name: dave-jwt, key: secret } }
---
apiVersion: portcullis.dev/v1alpha1
kind: Route
metadata: { name: m }
spec:
  paths: [/m]
  backend: { service: { name: m, port: 80 } }
  plugins: { jwt: {} }
`;
