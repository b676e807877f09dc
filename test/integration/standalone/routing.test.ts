import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusedPort, startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { call, portOf, rawRequest, startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * Kong routing through the real process (docs/kong-compatibility.md#routing, docs/kong-compatibility.md#proxy-errors). Every route points at the echo
 * upstream with its name in the service path (`/<route>`), so the echoed URL says which route won.
 */
let upstream: EchoUpstream;
let gw: StandaloneGateway;

const slow = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
  if (!req.url!.startsWith('/slow')) return false;
  setTimeout(() => res.end('late'), 1500);
  return true;
};

beforeAll(async () => {
  upstream = await startEchoUpstream(slow);
  const echo = `http://127.0.0.1:${upstream.port}`;
  const svc = (name: string, route: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    name,
    url: `${echo}/${name}`,
    ...extra,
    routes: [{ name, ...route }],
  });
  gw = await startStandalone({
    services: [
      svc('host-exact', { hosts: ['api.example.com'], paths: ['/h'] }),
      svc('host-wild', { hosts: ['*.example.com'], paths: ['/h'] }),
      svc('host-suffix-wild', { hosts: ['api.*'], paths: ['/h'] }),
      svc('short', { paths: ['/p'] }),
      svc('long', { paths: ['/p/longer'] }),
      svc('prefix', { paths: ['/r/items'] }),
      svc('regex', { paths: ['~/r/items/\\d+$'] }),
      svc('rx-low', { paths: ['~/rp/(a|b)'], regex_priority: 1 }),
      svc('rx-high', { paths: ['~/rp/a'], regex_priority: 5 }),
      svc('get-only', { paths: ['/m'], methods: ['GET'] }),
      svc('post-only', { paths: ['/m'], methods: ['POST'] }),
      svc('hdr', { paths: ['/hd'], headers: { 'x-version': ['v2'] } }),
      svc('no-hdr', { paths: ['/hd'] }),
      svc('join', { paths: ['/join'] }),
      svc('nostrip', { paths: ['/ns'], strip_path: false }),
      { name: 'base-slash', url: `${echo}/`, routes: [{ name: 'root', paths: ['/root'] }] },
      { name: 'refused', url: `http://127.0.0.1:${await refusedPort()}`, routes: [{ name: 'refused', paths: ['/refused'] }] },
      { name: 'slow', url: echo, read_timeout: 300, routes: [{ name: 'slow', paths: ['/slow'], strip_path: false }] },
    ],
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

const winner = (url: string) => url.split('/')[1]!.split('?')[0];

describe('route priority', () => {
  it.each<[string, string, Record<string, string>, string, string?]>([
    ['an exact host beats a wildcard', '/h', { host: 'api.example.com' }, 'host-exact'],
    ['a leading wildcard host', '/h', { host: 'www.example.com' }, 'host-wild'],
    ['a trailing wildcard host', '/h', { host: 'api.example.org' }, 'host-suffix-wild'],
    ['hosts match case-insensitively, port ignored', '/h', { host: 'API.Example.COM:8000' }, 'host-exact'],
    ['the longer prefix wins', '/p/longer/x', {}, 'long'],
    ['prefixes are plain string prefixes', '/p/longerish', {}, 'long'],
    ['the shorter prefix otherwise', '/p/other', {}, 'short'],
    ['regex beats prefix', '/r/items/42', {}, 'regex'],
    ['prefix when the regex does not match', '/r/items/abc', {}, 'prefix'],
    ['higher regex_priority wins', '/rp/a', {}, 'rx-high'],
    ['the lower one still serves what only it matches', '/rp/b', {}, 'rx-low'],
    ['method GET', '/m', {}, 'get-only'],
    ['a header-matching route beats one without', '/hd', { 'x-version': 'v2' }, 'hdr'],
    ['header values are matched case-insensitively', '/hd', { 'x-version': 'V2' }, 'hdr'],
    ['without the header', '/hd', { 'x-version': 'v1' }, 'no-hdr'],
  ])('%s', async (_n, p, headers, route) => {
    const lines = Object.entries({ host: 'gw.test', ...headers }).map(([k, v]) => `${k}: ${v}`);
    const r = await rawRequest(portOf(gw.proxy), [`GET ${p} HTTP/1.1`, ...lines].join('\n'));
    expect(r.status, r.body).toBe(200);
    expect(winner((JSON.parse(r.body) as { url: string }).url)).toBe(route);
  });

  it('methods: POST goes to its own route, DELETE matches none', async () => {
    expect(winner((await call(gw.proxy, '/m', { method: 'POST', body: 'x' })).echo!.url)).toBe('post-only');
    expect((await call(gw.proxy, '/m', { method: 'DELETE' })).status).toBe(404);
  });
});

describe('upstream path and query', () => {
  it.each<[string, string, string]>([
    ['strip_path joins with exactly one slash', '/join/x/y', '/join/x/y'],
    ['no slash after the prefix', '/joinfixed', '/join/fixed'],
    ['empty remainder', '/join', '/join'],
    ['empty remainder with a trailing slash', '/join/', '/join/'],
    ['query string kept verbatim', '/join/x?b=2&a=1&c=%20', '/join/x?b=2&a=1&c=%20'],
    ['strip_path=false: service path + request path', '/ns/x', '/nostrip/ns/x'],
    ['service path "/" and strip_path', '/root/x', '/x'],
    ['dot segments are resolved before matching', '/api/../join/x', '/join/x'],
    ['%7E is decoded to ~ for matching', '/jo%69n/%7Eme', '/join/~me'],
    ['double slashes are merged', '//join//x', '/join/x'],
  ])('%s', async (_n, p, url) => {
    const r = await rawRequest(portOf(gw.proxy), `GET ${p} HTTP/1.1\nHost: gw.test`);
    expect(r.status, r.body).toBe(200);
    expect((JSON.parse(r.body) as { url: string }).url).toBe(url);
  });
});

describe('gateway error bodies', () => {
  const json = 'application/json; charset=utf-8';
  it.each<[string, string, number, string]>([
    ['no route', '/nowhere', 404, 'no Route matched with those values'],
    ['upstream refused', '/refused', 502, 'An invalid response was received from the upstream server'],
    ['upstream slower than read_timeout', '/slow', 504, 'The upstream server is timing out'],
  ])('%s: %i with Kong’s message and a request_id matching X-Request-Id', async (_n, p, status, message) => {
    const r = await call(gw.proxy, p);
    expect(r.status).toBe(status);
    expect(r.headers.get('content-type')).toBe(json);
    const body = JSON.parse(r.body) as { message: string; request_id: string };
    expect(body.message).toBe(message);
    expect(body.request_id).toMatch(/\S{8,}/);
    expect(r.headers.get('x-request-id')).toBe(body.request_id);
  });

  it.each<[string, string, boolean]>([
    ['text/plain', 'text', true],
    ['text/plain, application/json', 'json', false],
    ['*/*', 'json', false],
    ['text/html, text/plain;q=0.9', 'text', true],
  ])('Accept: %s → %s', async (accept, _kind, text) => {
    const r = await call(gw.proxy, '/nowhere', { headers: { accept } });
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toBe(text ? 'text/plain; charset=utf-8' : json);
    const id = r.headers.get('x-request-id')!;
    expect(r.body).toBe(text ? `no Route matched with those values\nrequest_id: ${id}\n` : JSON.stringify({ message: 'no Route matched with those values', request_id: id }));
  });

  it('a client X-Request-Id is passed through to the error body and the upstream', async () => {
    const r = await call(gw.proxy, '/nowhere', { headers: { 'x-request-id': 'client-chosen-id-123' } });
    expect(JSON.parse(r.body).request_id).toBe('client-chosen-id-123');
    const ok = await call(gw.proxy, '/join', { headers: { 'x-request-id': 'client-chosen-id-123' } });
    expect(ok.echo!.headers['x-request-id']).toBe('client-chosen-id-123');
  });
});
