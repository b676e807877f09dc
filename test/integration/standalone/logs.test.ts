import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { generateTestKeyPair } from '../../../src/tokens/test-keys.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { call, portOf, rawRequest, startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * One gateway with the access log on; tokens in every place a client can put them, good and bad;
 * after SIGTERM (which flushes) nothing secret may appear anywhere in its output
 * (docs/kong-compatibility.md#stricter-than-kong).
 */
const SECRET = 'log-secret-5a4b3c2d1e0f-unique';
const rsa = generateTestKeyPair('ES256');
const pemBody = rsa.publicKeyPem.split('\n')[1]!;

let upstream: EchoUpstream;
let gw: StandaloneGateway;
let output = '';
const sent: string[] = [];

const hs = (claims: Record<string, unknown> = {}, secret = SECRET) => {
  const t = mintToken({ algorithm: 'HS256', key: 'log-key', secret, expiresInSeconds: 300, claims: { nonce: Math.random(), ...claims } });
  sent.push(t);
  return t;
};

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gw = await startStandalone(
    {
      services: [
        {
          name: 'echo',
          url: `http://127.0.0.1:${upstream.port}`,
          routes: [
            { name: 'default', paths: ['/default'], plugins: [{ name: 'jwt' }] },
            { name: 'custom', paths: ['/custom'], plugins: [{ name: 'jwt', config: { uri_param_names: ['access_token', 'jwt'], cookie_names: ['sess'] } }] },
            { name: 'public', paths: ['/public'] },
          ],
        },
      ],
      consumers: [
        { username: 'logger', jwt_secrets: [{ key: 'log-key', secret: SECRET }, { key: 'es-key', algorithm: 'ES256', rsa_public_key: rsa.publicKeyPem }] },
        { username: 'broken', jwt_secrets: [{ key: 'bad-key', algorithm: 'RS256', rsa_public_key: `-----BEGIN PUBLIC KEY-----\n${SECRET}X\n-----END PUBLIC KEY-----` }] },
      ],
    },
    { args: ['--access-log', 'on', '--log-level', 'debug'] },
  );

  const port = portOf(gw.proxy);
  const es = mintToken({ algorithm: 'ES256', key: 'es-key', privateKeyPem: rsa.privateKeyPem });
  sent.push(es);
  const traffic: Array<Promise<unknown>> = [
    call(gw.proxy, '/default', { headers: { authorization: `Bearer ${hs()}` } }),
    call(gw.proxy, '/default', { headers: { authorization: `Bearer ${es}` } }),
    call(gw.proxy, '/default', { headers: { authorization: `Bearer ${hs({}, 'wrong-secret')}` } }),
    call(gw.proxy, `/default?jwt=${hs()}`),
    call(gw.proxy, `/default?a=1&jwt=${hs()}&b=2`),
    call(gw.proxy, `/custom?access_token=${hs()}`),
    call(gw.proxy, `/custom?x=1&access_token=${hs({}, 'wrong-secret')}`),
    call(gw.proxy, '/custom', { headers: { cookie: `sess=${hs()}` } }),
    call(gw.proxy, `/public?jwt=${hs()}`),
    call(gw.proxy, `/nowhere?jwt=${hs()}`),
    call(gw.proxy, `/nowhere?access_token=${hs()}`),
    call(gw.proxy, `/public?access_token=${hs()}`),
    call(gw.proxy, `/default?jwt=${hs()}`, { headers: { authorization: `Bearer ${hs()}` } }),
    rawRequest(port, `GET /default HTTP/1.1\nHost: x\nAuthorization: Bearer ${hs()}\nAuthorization: Bearer ${hs()}`),
    rawRequest(port, `GET /default?jwt&jwt=${hs()} HTTP/1.1\nHost: x`),
  ];
  await Promise.all(traffic);
  expect(await gw.close()).toBe(0);
  output = gw.output();
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

const accessLines = () =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.type === 'access');

describe('logs after traffic with tokens everywhere', () => {
  it('contain no token, token signature or payload, secret or key material', () => {
    expect(output.length).toBeGreaterThan(0);
    expect(sent.length).toBeGreaterThanOrEqual(15);
    for (const t of sent) {
      const [, payload, sig] = t.split('.');
      expect(output).not.toContain(sig);
      expect(output).not.toContain(payload);
    }
    expect(output).not.toContain(SECRET);
    expect(output).not.toContain(pemBody);
  });

  it('has one access line per request, carrying route, status, consumer and latency', () => {
    const lines = accessLines();
    expect(lines).toHaveLength(15);
    for (const l of lines) {
      expect(typeof l.status).toBe('number');
      expect(typeof l.latency_ms).toBe('number');
      expect(l.latency_ms as number).toBeGreaterThanOrEqual(0);
      expect(l).toHaveProperty('route');
    }
    const ok = lines.filter((l) => l.status === 200 && String(l.route).includes('default'));
    expect(ok.length).toBeGreaterThanOrEqual(4);
    for (const l of ok) expect(l.consumer).toBe('logger');
    expect(lines.filter((l) => l.status === 401).every((l) => l.consumer === undefined)).toBe(true);
    expect(lines.find((l) => l.status === 404)?.route).toBeNull();
  });

  it('redacts token query parameters but keeps the others', () => {
    const paths = accessLines().map((l) => String(l.path));
    expect(paths).toContain('/default?a=1&jwt=REDACTED&b=2');
    expect(paths).toContain('/custom?x=1&access_token=REDACTED');
    expect(paths).toContain('/nowhere?jwt=REDACTED');
    expect(paths).toContain('/public?jwt=REDACTED');
    // A name configured on any route is redacted everywhere: a misrouted token is still a token.
    expect(paths).toContain('/nowhere?access_token=REDACTED');
    expect(paths).toContain('/public?access_token=REDACTED');
    for (const p of paths) expect(p).not.toMatch(/eyJ/);
  });

  it('logged the broken credential by name and reason, not its content', () => {
    expect(output).toContain('bad-key');
    expect(output).toMatch(/InvalidKey/);
  });
});
