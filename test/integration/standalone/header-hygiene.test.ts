import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerId } from '../../../src/model/ids.js';
import { mintToken } from '../../../src/tokens/mint.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { gatewayInMode, MODES, stopModeEnvironments, type Scenario } from '../../support/modes.js';
import { call, portOf, rawRequest } from '../../support/standalone.js';

/** What reaches the upstream: identity headers, forwarding headers, Host, and the untouched token. */
const SECRET = 'hygiene-secret-0123456789';
const SPOOFED = {
  'x-consumer-id': 'spoofed-id',
  'x-consumer-custom-id': 'spoofed-cid',
  'x-consumer-username': 'spoofed-user',
  'x-credential-identifier': 'spoofed-key',
  'x-anonymous-consumer': 'true',
};
const token = () => mintToken({ algorithm: 'HS256', key: 'hy-key', secret: SECRET, expiresInSeconds: 300 });

let upstream: EchoUpstream;

beforeAll(async () => {
  upstream = await startEchoUpstream();
});

afterAll(async () => {
  await stopModeEnvironments();
  await upstream?.close();
});

const scenario = (): Scenario => {
  const url = `http://127.0.0.1:${upstream.port}/base`;
  return {
    routes: [
      { name: 'public', paths: ['/public'], url },
      { name: 'auth', paths: ['/auth'], url, jwt: { uri_param_names: ['tk'], cookie_names: ['sess'] } },
      { name: 'preflight', paths: ['/preflight'], url, jwt: { run_on_preflight: false } },
      { name: 'preserve', paths: ['/preserve'], url, preserve_host: true },
      { name: 'keep', paths: ['/keep'], url, strip_path: false },
    ],
    consumers: [{ username: 'hy', credentials: [{ key: 'hy-key', secret: SECRET }] }],
  };
};

// The same attacks in every mode: one process, `--workers 2`, and CRs through the controller.
describe.each(MODES)('%s', (mode) => {
  const gw = gatewayInMode(mode, scenario);

  describe('client-sent identity headers never reach the upstream', () => {
    it.each<[string, string, RequestInit]>([
      ['public route', '/public', {}],
      ['skipped preflight', '/preflight', { method: 'OPTIONS' }],
    ])('%s: all five are removed', async (_n, p, init) => {
      const r = await call(gw.proxy, p, { ...init, headers: SPOOFED });
      expect(r.status, r.body).toBe(200);
      for (const name of Object.keys(SPOOFED)) expect(r.echo!.headers[name], name).toBeUndefined();
    });

    it('authenticated route: replaced by the real identity, spoofed custom id and anonymous flag dropped', async () => {
      const r = await call(gw.proxy, '/auth', { headers: { ...SPOOFED, authorization: `Bearer ${token()}` } });
      expect(r.status, r.body).toBe(200);
      expect(r.echo!.headers).toMatchObject({ 'x-consumer-id': consumerId('hy'), 'x-consumer-username': 'hy', 'x-credential-identifier': 'hy-key' });
      expect(r.echo!.headers['x-consumer-custom-id']).toBeUndefined();
      expect(r.echo!.headers['x-anonymous-consumer']).toBeUndefined();
    });

    it('mixed-case and repeated spoofed headers are removed too (raw HTTP)', async () => {
      const r = await rawRequest(portOf(gw.proxy), 'GET /public HTTP/1.1\nHost: x\nX-Consumer-ID: a\nx-consumer-id: b\nX-CREDENTIAL-IDENTIFIER: c');
      const seen = JSON.parse(r.body) as { headers: Record<string, unknown> };
      expect(seen.headers['x-consumer-id']).toBeUndefined();
      expect(seen.headers['x-credential-identifier']).toBeUndefined();
    });
  });

  describe('the token is forwarded unchanged', () => {
    it.each<[string, string, Record<string, string>, (h: Record<string, unknown>, url: string, t: string) => void]>([
      ['Authorization header', '/auth', { authorization: 'Bearer @' }, (h, _u, t) => expect(h.authorization).toBe(`Bearer ${t}`)],
      ['lower-case scheme kept as sent', '/auth', { authorization: 'bearer @' }, (h, _u, t) => expect(h.authorization).toBe(`bearer ${t}`)],
      ['uri param', '/auth?a=1&tk=@&b=2', {}, (_h, u, t) => expect(u).toBe(`/base?a=1&tk=${t}&b=2`)],
      ['cookie', '/auth', { cookie: 'x=1; sess=@' }, (h, _u, t) => expect(h.cookie).toBe(`x=1; sess=${t}`)],
    ])('%s', async (_n, p, headers, check) => {
      const t = token();
      const fill = (s: string) => s.replace('@', t);
      const r = await call(gw.proxy, fill(p), { headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, fill(v)])) });
      expect(r.status, r.body).toBe(200);
      check(r.echo!.headers, r.echo!.url, t);
    });
  });

  describe('forwarding headers (src/proxy/forward-headers.ts)', () => {
    it('sets X-Forwarded-*, X-Real-IP and Via; appends to the client X-Forwarded-For and Via; replaces the rest', async () => {
      const port = portOf(gw.proxy);
      const r = await rawRequest(
        port,
        [
          'GET /public/a/b?q=1 HTTP/1.1',
          'Host: Client.Example:9999',
          'X-Forwarded-For: 203.0.113.7',
          'Via: 1.0 edge',
          'X-Forwarded-Proto: https',
          'X-Forwarded-Host: evil.example',
          'X-Forwarded-Port: 1',
          'X-Forwarded-Path: /evil',
          'X-Forwarded-Prefix: /evil',
          'X-Real-IP: 198.51.100.1',
        ].join('\n'),
      );
      const { headers: h, url } = JSON.parse(r.body) as { headers: Record<string, string>; url: string };
      expect(url).toBe('/base/a/b?q=1');
      expect(h).toMatchObject({
        'x-forwarded-for': '203.0.113.7, 127.0.0.1',
        'x-forwarded-proto': 'http',
        'x-forwarded-host': 'client.example',
        'x-forwarded-port': String(port),
        'x-forwarded-path': '/public/a/b',
        'x-forwarded-prefix': '/public',
        'x-real-ip': '127.0.0.1',
        via: '1.0 edge, 1.1 portcullis',
        host: `127.0.0.1:${upstream.port}`,
      });
    });

    it.each<[string, string, string, string | undefined]>([
      ['strip_path=false keeps the path and sends no prefix', '/keep/x', '/base/keep/x', undefined],
      ['strip_path=true with an empty remainder', '/public', '/base', '/public'],
    ])('%s', async (_n, p, upstreamUrl, prefix) => {
      const r = await call(gw.proxy, p);
      expect(r.echo!.url).toBe(upstreamUrl);
      expect(r.echo!.headers['x-forwarded-prefix']).toBe(prefix);
      expect(r.echo!.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(r.echo!.headers.via).toBe('1.1 portcullis');
    });

    it.each<[string, string, string]>([
      ['preserve_host=false sends the service host:port', '/public', 'service'],
      ['preserve_host=true sends the client Host as given', '/preserve', 'client'],
    ])('%s', async (_n, p, which) => {
      const r = await rawRequest(portOf(gw.proxy), `GET ${p} HTTP/1.1\nHost: Api.Example.com:8443`);
      const { headers } = JSON.parse(r.body) as { headers: Record<string, string> };
      expect(headers.host).toBe(which === 'service' ? `127.0.0.1:${upstream.port}` : 'Api.Example.com:8443');
      expect(headers['x-forwarded-host']).toBe('api.example.com');
    });
  });
});
