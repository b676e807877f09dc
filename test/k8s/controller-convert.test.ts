import { generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { eventually, startController, startKubeEnv, startNetnsUpstream, type KubeEnv, type NetnsUpstream } from '../support/controller-env.js';
import { portOf, rawRequest, runCli, startStandalone, writeKongYml, type StandaloneGateway } from '../support/standalone.js';

/**
 * `portcullis convert` round trip (docs/kong-ingress-controller.md#convert): one kong.yml served
 * by `standalone`, and its conversion (Portcullis CRs; KIC resources with --kic) applied to the
 * real API server and served by `controller` (--kic-resources for the KIC one). The same
 * requests get the same answers from all three: status, body, and what the upstream sees of the
 * consumer (X-Consumer-*, X-Credential-Identifier, X-Anonymous-Consumer) and the correlation id.
 */
let env: KubeEnv;
let upstream: NetnsUpstream;
let standalone: StandaloneGateway;
let crs: GatewayProcess;
let kic: GatewayProcess;
let converted: { crs: string; kic: string };

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const BOB_PRIVATE = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

function kongYml(ip: string): string {
  return stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'orders',
        url: `http://${ip}:8080`,
        routes: [
          { name: 'open', paths: ['/open'], strip_path: false },
          {
            name: 'secure',
            paths: ['/secure'],
            methods: ['GET'],
            plugins: [
              { name: 'jwt', config: { claims_to_verify: ['exp'], anonymous: 'guest' } },
              { name: 'correlation-id', config: { header_name: 'X-Trace', generator: 'uuid#counter', echo_downstream: true } },
            ],
          },
          { name: 'strict', paths: ['/strict'], plugins: [{ name: 'jwt', config: {} }, { name: 'ip-restriction', config: { deny: ['127.0.0.1'] } }] },
        ],
      },
    ],
    consumers: [
      { username: 'alice', custom_id: 'alice-1', jwt_secrets: [{ key: 'alice-key', algorithm: 'HS256', secret: 'alice-s3cret' }] },
      { username: 'bob', jwt_secrets: [{ key: 'bob-key', algorithm: 'ES256', rsa_public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString() }] },
      { username: 'guest' },
    ],
  });
}

const tokens = () => ({
  alice: mintToken({ algorithm: 'HS256', key: 'alice-key', secret: 'alice-s3cret', expiresInSeconds: 600 }),
  bob: mintToken({ algorithm: 'ES256', key: 'bob-key', privateKeyPem: BOB_PRIVATE, expiresInSeconds: 600 }),
  expired: mintToken({ algorithm: 'HS256', key: 'alice-key', secret: 'alice-s3cret', claims: { exp: 1000 } }),
  forged: mintToken({ algorithm: 'HS256', key: 'alice-key', secret: 'wrong', expiresInSeconds: 600 }),
  unknown: mintToken({ algorithm: 'HS256', key: 'nobody', secret: 'x', expiresInSeconds: 600 }),
});

const CASES: Array<[string, string, keyof ReturnType<typeof tokens> | undefined]> = [
  ['GET', '/open/x', undefined],
  ['GET', '/secure', undefined],
  ['GET', '/secure/a', 'alice'],
  ['GET', '/secure/b', 'bob'],
  ['GET', '/secure', 'expired'],
  ['GET', '/secure', 'forged'],
  ['GET', '/secure', 'unknown'],
  ['POST', '/secure', 'alice'],
  ['GET', '/strict', 'alice'],
  ['GET', '/strict', undefined],
  ['GET', '/nowhere', undefined],
];

/** What a client and the upstream see of one request, without what legitimately differs (dates, hosts). */
async function observe(base: string, method: string, pathAndQuery: string, token: string | undefined) {
  const res = await rawRequest(portOf(base), `${method} ${pathAndQuery} HTTP/1.1\nHost: shop.test${token ? `\nAuthorization: Bearer ${token}` : ''}`);
  const up = res.status === 200 && res.headers['x-upstream-name'] ? (JSON.parse(res.body) as { url: string; headers: Record<string, string> }) : undefined;
  const pick = (h: Record<string, string> | undefined, names: string[]) => Object.fromEntries(names.filter((n) => h?.[n] !== undefined).map((n) => [n, h![n]]));
  return {
    status: res.status,
    // request_id names the process that answered: the one field that differs by design.
    body: up === undefined ? res.body.replace(/"request_id":"[^"]*"/, '"request_id":"<id>"') : undefined,
    wwwAuthenticate: res.headers['www-authenticate'],
    trace: res.headers['x-trace'] !== undefined,
    upstream: up && { url: up.url, ...pick(up.headers, ['x-consumer-id', 'x-consumer-username', 'x-consumer-custom-id', 'x-credential-identifier', 'x-anonymous-consumer']), trace: up.headers['x-trace'] !== undefined },
  };
}

beforeAll(async () => {
  [env, upstream] = await Promise.all([startKubeEnv(), startNetnsUpstream('conv-up')]);
  const text = kongYml(upstream.host.ip);
  const { configPath } = await writeKongYml(text, 'pc-convert-');
  const [nsCrs, nsKic] = await Promise.all([env.namespace('conv-crs'), env.namespace('conv-kic')]);
  const [a, b] = await Promise.all([runCli(['convert', '--namespace', nsCrs, configPath]), runCli(['convert', '--kic', '-n', nsKic, configPath])]);
  expect(a.code, a.stderr).toBe(0);
  expect(b.code, b.stderr).toBe(0);
  converted = { crs: a.stdout, kic: b.stdout };
  await env.apply(await readFile(path.join(import.meta.dirname, 'fixtures', 'kic-crds.yaml'), 'utf8'));
  await env.apply(converted.crs);
  await env.apply(converted.kic);
  [standalone, crs, kic] = await Promise.all([
    startStandalone(text),
    startController(env, { namespace: nsCrs, args: ['--lease-name', 'conv-crs'] }),
    startController(env, { namespace: nsKic, args: ['--lease-name', 'conv-kic', '--kic-resources'] }),
  ]);
  const t = tokens();
  for (const gw of [crs, kic]) await eventually(async () => (await observe(gw.proxy, 'GET', '/secure', t.bob)).status === 200, 15_000, `${gw.proxy} to serve`);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([standalone?.close(), crs?.stop(), kic?.stop()]);
  await upstream?.stop();
  await env?.stop();
});

describe('portcullis convert', () => {
  it('writes Portcullis CRs by default, KIC resources with --kic', () => {
    expect(converted.crs).toMatch(/kind: Route\n/);
    expect(converted.crs).toMatch(/kind: JwtCredential\n/);
    expect(converted.crs).not.toMatch(/configuration\.konghq\.com/);
    expect(converted.kic).toMatch(/apiVersion: configuration\.konghq\.com\/v1\nkind: KongPlugin\n/);
    expect(converted.kic).toMatch(/kind: Ingress\n/);
    expect(converted.kic).toMatch(/konghq\.com\/credential: jwt/);
  });

  it.each(CASES)('%s %s (%s): the CRs and the KIC resources answer as the kong.yml does', async (method, p, who) => {
    const token = who === undefined ? undefined : tokens()[who];
    const want = await observe(standalone.proxy, method, p, token);
    expect(await observe(crs.proxy, method, p, token)).toEqual(want);
    expect(await observe(kic.proxy, method, p, token)).toEqual(want);
  });

  it('refuses a kong.yml with errors: nothing on stdout, the errors on stderr, exit 1', async () => {
    const { configPath } = await writeKongYml({ services: [{ name: 's', url: 'http://127.0.0.1', routes: [{ paths: ['/x'], plugins: [{ name: 'jwt', config: { claims_to_verify: ['iat'] } }] }] }] }, 'pc-convert-bad-');
    const r = await runCli(['convert', configPath]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/config\.claims_to_verify/);
  });
});
