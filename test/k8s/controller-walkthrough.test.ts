import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import { repoRoot, startGateway, type GatewayProcess } from '../support/gateway-process.js';
import { startHelloUpstream, type HelloUpstream } from '../support/hello-upstream-process.js';
import { startController, startKubeEnv, type KubeEnv } from '../support/controller-env.js';

/**
 * The seed walkthrough as CRs (examples/k8s, unchanged except the namespace and the backend, which
 * points at the real hello upstream) must behave EXACTLY like standalone mode on examples/kong.yml.
 */
const KEY = '1nzcMG9Xg7n1lLgmltHnkAmkt7yp4fjZ';
const SECRET = 'e71829c351aa4242c2719cbfbe671c09';
const COMPARED_HEADERS = ['content-type', 'content-length', 'www-authenticate', 'x-consumer-id'];
const UPSTREAM_HEADERS = ['x-consumer-id', 'x-consumer-username', 'x-consumer-custom-id', 'x-credential-identifier', 'x-anonymous-consumer', 'authorization'];

let env: KubeEnv;
let upstream: HelloUpstream;
let standalone: GatewayProcess;
let controller: GatewayProcess;
let exposing: GatewayProcess;
let dir: string;
let ns: string;

/** examples/k8s/*.yaml in namespace `ns`; the Route's backend becomes the hello upstream's URL. */
async function walkthroughManifests(namespace: string, upstreamPort: number): Promise<string> {
  const docs: string[] = [];
  for (const f of ['10-login-server.yaml', '20-my-api.yaml']) {
    for (const doc of parseAllDocuments(await readFile(path.join(repoRoot, 'examples/k8s', f), 'utf8'))) {
      const o = doc.toJS() as { kind: string; metadata: { namespace?: string }; spec?: { backend?: unknown } } | null;
      if (!o || o.kind === 'Deployment') continue; // nothing schedules pods here; the upstream runs locally
      o.metadata.namespace = namespace;
      if (o.kind === 'Route') o.spec!.backend = { url: `http://127.0.0.1:${upstreamPort}` };
      docs.push(stringify(o));
    }
  }
  return docs.join('---\n');
}

beforeAll(async () => {
  [env, upstream] = await Promise.all([startKubeEnv(), startHelloUpstream()]);
  ns = await env.namespace('walk');
  await env.apply(await walkthroughManifests(ns, upstream.port));

  dir = await mkdtemp(path.join(os.tmpdir(), 'pc-walk-k8s-'));
  const example = await readFile(path.join(repoRoot, 'examples/kong.yml'), 'utf8');
  await writeFile(path.join(dir, 'kong.yml'), example.replace('localhost:3000', `127.0.0.1:${upstream.port}`));
  [standalone, controller, exposing] = await Promise.all([
    startGateway(['standalone', '--config', path.join(dir, 'kong.yml')], { env: { PORTCULLIS_ACCESS_LOG: 'off' } }),
    startController(env, { namespace: ns }),
    startController(env, { namespace: ns, args: ['--admin-expose-secrets', '--lease-name', 'exposing'] }),
  ]);
});

afterAll(async () => {
  await Promise.allSettled([standalone?.stop(), controller?.stop(), exposing?.stop(), upstream?.stop()]);
  await env?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Observed {
  status: number;
  body: string;
  headers: Record<string, string | null>;
  upstream?: Record<string, string | undefined>;
}

async function observe(gw: GatewayProcess, token?: string): Promise<Observed> {
  const before = upstream.requests().length;
  const res = await fetch(`${gw.proxy}/api`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const body = await res.text();
  const headers = Object.fromEntries(COMPARED_HEADERS.map((h) => [h, res.headers.get(h)]));
  const seen = upstream.requests().slice(before);
  const out: Observed = { status: res.status, body, headers };
  if (seen.length > 0) {
    expect(seen).toHaveLength(1);
    out.upstream = Object.fromEntries(UPSTREAM_HEADERS.map((h) => [h, seen[0]!.headers[h]]));
  }
  return out;
}

const now = Math.floor(Date.now() / 1000);
const cases: Array<[string, string | undefined, number]> = [
  ['no token', undefined, 401],
  ['a valid token', mintToken({ algorithm: 'HS256', key: KEY, secret: SECRET, keyClaimName: 'kid', keyClaimIn: 'header', expiresInSeconds: 3600 }), 200],
  ['a wrong secret', mintToken({ algorithm: 'HS256', key: KEY, secret: 'not-the-secret', keyClaimName: 'kid', keyClaimIn: 'header', expiresInSeconds: 3600 }), 401],
  ['an unknown kid', mintToken({ algorithm: 'HS256', key: 'no-such-key', secret: SECRET, keyClaimName: 'kid', keyClaimIn: 'header', expiresInSeconds: 3600 }), 401],
  ['an expired token', mintToken({ algorithm: 'HS256', key: KEY, secret: SECRET, keyClaimName: 'kid', keyClaimIn: 'header', now: now - 7200, expiresInSeconds: 3600 }), 401],
  ['a token without exp', mintToken({ algorithm: 'HS256', key: KEY, secret: SECRET, keyClaimName: 'kid', keyClaimIn: 'header' }), 401],
  ['a malformed token', 'not.a.jwt', 401],
];

describe('controller mode on examples/k8s = standalone mode on examples/kong.yml', () => {
  it.each(cases)('%s: same status, body, headers and upstream view', async (_name, token, status) => {
    const a = await observe(standalone, token);
    const b = await observe(controller, token);
    expect(a.status).toBe(status);
    expect(b).toEqual(a);
    if (status === 200) {
      expect(a.body).toBe('Hello world!');
      expect(b.upstream).toMatchObject({ 'x-consumer-username': 'login_server_issuer', 'x-credential-identifier': KEY, authorization: '[present]' });
      expect(b.upstream!['x-consumer-id']).toMatch(/^[0-9a-f-]{36}$/);
    } else {
      expect(b.upstream).toBeUndefined();
    }
  });

  it('lists the same credential on the admin API, secret redacted unless --admin-expose-secrets', async () => {
    const get = async (gw: GatewayProcess) =>
      ((await (await fetch(`${gw.admin}/consumers/login_server_issuer/jwt`)).json()) as { data: Array<Record<string, unknown>> }).data;
    const [fromFile, redacted, exposed] = await Promise.all([get(standalone), get(controller), get(exposing)]);
    expect(redacted).toHaveLength(1);
    expect(redacted[0]).toMatchObject({ key: KEY, algorithm: 'HS256', consumer: fromFile[0]!.consumer });
    expect(redacted[0]!.secret).not.toBe(SECRET);
    expect(JSON.stringify(redacted)).not.toContain(SECRET);
    expect(exposed[0]!.secret).toBe(SECRET);
    expect(fromFile[0]!.secret).toBe(SECRET);
  });

  it('never logs the secret', () => {
    expect(controller.output()).not.toContain(SECRET);
    expect(controller.output()).toContain('snapshot swapped');
  });
});
