import { describe, expect, it } from 'vitest';
import { explainRequest, parseExplainTarget } from '../../../src/proxy/explain.js';
import { parseDeclarative } from '../../../src/sources/declarative/parse.js';
import { translate } from '../../../src/translate/translate.js';

/** The request-level parts of explain that need no gateway: the URL as a client sends it, and no configuration yet. */
describe('parseExplainTarget', () => {
  it('keeps the raw path, splits the query, drops the fragment, puts the authority into Host', () => {
    expect(parseExplainTarget({ method: 'GET', url: 'https://API.example.com:8443/a/../b%2F?x=1&y#frag', headers: [] })).toEqual({
      tls: true,
      hostHeader: 'API.example.com:8443',
      rawPath: '/a/../b%2F',
      rawQuery: 'x=1&y',
      rawHeaders: ['Host', 'API.example.com:8443'],
    });
  });

  it('a Host header given wins over the URL; an origin-form URL needs none', () => {
    expect(parseExplainTarget({ method: 'GET', url: 'http://ignored.test', headers: [['host', 'h.test']] })).toMatchObject({ hostHeader: 'h.test', rawPath: '/', rawHeaders: ['host', 'h.test'] });
    expect(parseExplainTarget({ method: 'GET', url: '/p?q', headers: [] })).toMatchObject({ tls: false, hostHeader: undefined, rawPath: '/p', rawQuery: 'q' });
  });

  it('refuses anything else without echoing it (it may hold a token)', () => {
    const r = parseExplainTarget({ method: 'GET', url: 'ftp://x/eyJsecret', headers: [] });
    expect(r).toEqual({ error: expect.any(String) });
    expect(JSON.stringify(r)).not.toContain('eyJsecret');
  });
});

describe('explainRequest', () => {
  it('before any configuration: 503 no_config, as the proxy answers', () => {
    const r = explainRequest(undefined, { method: 'GET', url: 'http://h/', headers: [['X-Request-ID', 'r1']] }, { nowSeconds: 0 });
    expect(r).toMatchObject({
      verdict: { proxied: false, status: 503, reason: 'no_config', by: 'gateway' },
      response: { status: 503, body: '{"message":"no configuration loaded yet","request_id":"r1"}' },
    });
  });

  it('a request id the proxy would replace is shown as generated', () => {
    const { resources } = parseDeclarative('_format_version: "3.0"\n', 'kong.yml');
    const r = explainRequest(translate(resources!, 1), { method: 'get', url: 'http://h/x', headers: [['X-Request-ID', 'has space']] }, { nowSeconds: 0 });
    expect(r).toMatchObject({ request: { method: 'GET' }, verdict: { reason: 'no_route' }, response: { headers: { 'x-request-id': '<generated>' } } });
  });
});
