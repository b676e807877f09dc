import { describe, expect, it } from 'vitest';
import { buildUpstreamHeaders, foldsOntoProtected, SPOOFABLE_IDENTITY_HEADERS, type ForwardContext } from '../../../src/proxy/forward-headers.js';
import { HeaderNameSet } from '../../../src/snapshot/header-name-set.js';

const ctx: ForwardContext = {
  clientIp: '10.1.2.3',
  proto: 'http',
  host: 'api.example.com',
  port: 8000,
  rawPath: '/api/x',
  strippedPrefix: '/api',
  preserveHost: false,
  upstreamHostHeader: 'backend.svc:3000',
};

/** All values of a header, by lower-case name. */
function all(headers: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() === name) out.push(headers[i + 1]!);
  return out;
}

describe('buildUpstreamHeaders', () => {
  it('adds the gateway headers', () => {
    const h = buildUpstreamHeaders(['Host', 'api.example.com:8000', 'Accept', '*/*'], ctx);
    expect(all(h, 'host')).toEqual(['backend.svc:3000']);
    expect(all(h, 'x-forwarded-for')).toEqual(['10.1.2.3']);
    expect(all(h, 'x-forwarded-proto')).toEqual(['http']);
    expect(all(h, 'x-forwarded-host')).toEqual(['api.example.com']);
    expect(all(h, 'x-forwarded-port')).toEqual(['8000']);
    expect(all(h, 'x-forwarded-path')).toEqual(['/api/x']);
    expect(all(h, 'x-forwarded-prefix')).toEqual(['/api']);
    expect(all(h, 'x-real-ip')).toEqual(['10.1.2.3']);
    expect(all(h, 'via')).toEqual(['1.1 portcullis']);
    expect(all(h, 'accept')).toEqual(['*/*']);
  });

  it('appends the client ip to X-Forwarded-For (repeated headers joined in order)', () => {
    const h = buildUpstreamHeaders(['X-Forwarded-For', '1.1.1.1', 'x-forwarded-for', '2.2.2.2, 3.3.3.3'], ctx);
    expect(all(h, 'x-forwarded-for')).toEqual(['1.1.1.1, 2.2.2.2, 3.3.3.3, 10.1.2.3']);
  });

  it('appends to Via with the inbound HTTP version', () => {
    const h = buildUpstreamHeaders(['Via', '1.0 fred'], { ...ctx, httpVersion: '2' });
    expect(all(h, 'via')).toEqual(['1.0 fred, 2 portcullis']);
  });

  it('removes spoofed identity headers on every request, any case', () => {
    const raw = ['X-Consumer-ID', 'evil', 'x-consumer-custom-id', 'evil', 'X-CONSUMER-USERNAME', 'admin',
      'X-Credential-Identifier', 'k', 'X-Anonymous-Consumer', 'false', 'X-Other', 'ok'];
    const h = buildUpstreamHeaders(raw, ctx);
    for (const name of SPOOFABLE_IDENTITY_HEADERS) expect(all(h, name)).toEqual([]);
    expect(all(h, 'x-other')).toEqual(['ok']);
  });

  it('replaces client X-Forwarded-* and X-Real-IP unless trusted', () => {
    const raw = ['X-Forwarded-Proto', 'https', 'X-Forwarded-Host', 'spoof', 'X-Forwarded-Port', '1',
      'X-Forwarded-Path', '/spoof', 'X-Forwarded-Prefix', '/spoof', 'X-Real-IP', '6.6.6.6'];
    const h = buildUpstreamHeaders(raw, { ...ctx, strippedPrefix: '' });
    expect(all(h, 'x-forwarded-proto')).toEqual(['http']);
    expect(all(h, 'x-forwarded-host')).toEqual(['api.example.com']);
    expect(all(h, 'x-forwarded-port')).toEqual(['8000']);
    expect(all(h, 'x-forwarded-path')).toEqual(['/api/x']);
    expect(all(h, 'x-forwarded-prefix')).toEqual([]);
    expect(all(h, 'x-real-ip')).toEqual(['10.1.2.3']);

    const t = buildUpstreamHeaders(raw, { ...ctx, trustForwarded: true });
    expect(all(t, 'x-forwarded-proto')).toEqual(['https']);
    expect(all(t, 'x-forwarded-host')).toEqual(['spoof']);
    expect(all(t, 'x-forwarded-prefix')).toEqual(['/spoof']);
    expect(all(t, 'x-real-ip')).toEqual(['10.1.2.3']);
  });

  it('sends no X-Forwarded-Prefix for the root prefix', () => {
    expect(all(buildUpstreamHeaders([], { ...ctx, strippedPrefix: '/' }), 'x-forwarded-prefix')).toEqual([]);
  });

  it('preserve_host sends the client Host (with port), first occurrence', () => {
    const h = buildUpstreamHeaders(['Host', 'API.example.com:8000', 'host', 'other'], { ...ctx, preserveHost: true });
    expect(all(h, 'host')).toEqual(['API.example.com:8000']);
  });

  it('removes hop-by-hop headers and those named in Connection', () => {
    const raw = ['Connection', 'keep-alive, X-Secret-Hop, Upgrade', 'X-Secret-Hop', 'x', 'Keep-Alive', 'timeout=5',
      'Transfer-Encoding', 'chunked', 'Upgrade', 'websocket', 'Proxy-Connection', 'keep-alive', 'Proxy', 'http://evil',
      'Expect', '100-continue', 'Trailer', 'X-T', 'TE', 'gzip', 'Proxy-Authorization', 'Basic x', 'Content-Length', '3'];
    const h = buildUpstreamHeaders(raw, ctx);
    for (const name of ['connection', 'x-secret-hop', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection',
      'proxy', 'expect', 'trailer', 'te']) {
      expect(all(h, name)).toEqual([]);
    }
    expect(all(h, 'proxy-authorization')).toEqual(['Basic x']);
    expect(all(h, 'content-length')).toEqual(['3']);
  });

  it('keeps TE: trailers when the client asked for trailers', () => {
    expect(all(buildUpstreamHeaders(['TE', 'gzip, trailers'], ctx), 'te')).toEqual(['trailers']);
  });

  it('keeps repeated ordinary headers and their order', () => {
    const h = buildUpstreamHeaders(['Cookie', 'a=1', 'X-A', '1', 'cookie', 'b=2'], ctx);
    expect(h.slice(0, 6)).toEqual(['Cookie', 'a=1', 'X-A', '1', 'cookie', 'b=2']);
  });
});

describe('header names with "_"', () => {
  const raw = ['X_Consumer_Username', 'admin', 'X_Custom', '1', 'x-forwarded_for', '9.9.9.9', 'Proxy_Connection', 'x', 'Accept', '*/*'];
  const names = (h: string[]) => h.filter((_v, i) => i % 2 === 0);

  it('are all dropped by default', () => {
    const h = buildUpstreamHeaders(raw, ctx);
    expect(names(h).filter((n) => n.includes('_'))).toEqual([]);
    expect(all(h, 'x-forwarded-for')).toEqual(['10.1.2.3']);
    expect(all(h, 'accept')).toEqual(['*/*']);
  });

  it('are forwarded with keepUnderscoreHeaders, except spellings of headers the gateway sets or strips', () => {
    const h = buildUpstreamHeaders(raw, { ...ctx, keepUnderscoreHeaders: true });
    expect(names(h).filter((n) => n.includes('_'))).toEqual(['X_Custom']);
  });

  it.each([
    ['X_Consumer_ID', true], ['x_consumer_custom_id', true], ['X_CREDENTIAL_IDENTIFIER', true], ['X_Anonymous_Consumer', true],
    ['X_Forwarded_Prefix', true], ['X_Real_Ip', true], ['x_request_id', true], ['Transfer_Encoding', true],
    ['X_Consumer', false], ['X_Consumer_ID_2', false], ['my_header', false],
  ])('foldsOntoProtected(%s) = %s', (name, expected) => {
    expect(foldsOntoProtected(name)).toBe(expected);
  });
});

describe('headers jwt-claims mappings set (docs/claims.md#stripped-headers)', () => {
  const strip = new HeaderNameSet(['X-User-Id', 'x-roles']);
  const raw = ['X-USER-ID', 'admin', 'x-roles', 'root', 'X_User_Id', 'admin', 'x-user-idx', 'kept', 'Accept', '*/*'];

  it('are removed from every client request in any letter case; other names are kept', () => {
    const h = buildUpstreamHeaders(raw, { ...ctx, stripHeaders: strip });
    expect(all(h, 'x-user-id')).toEqual([]);
    expect(all(h, 'x-roles')).toEqual([]);
    expect(all(h, 'x_user_id')).toEqual([]);
    expect(all(h, 'x-user-idx')).toEqual(['kept']);
    expect(all(h, 'accept')).toEqual(['*/*']);
  });

  it('with keepUnderscoreHeaders, an underscore spelling that folds onto one is still removed', () => {
    const h = buildUpstreamHeaders(['X_User_Id', 'admin', 'X_Other', 'ok'], { ...ctx, stripHeaders: strip, keepUnderscoreHeaders: true });
    expect(all(h, 'x_user_id')).toEqual([]);
    expect(all(h, 'x_other')).toEqual(['ok']);
    expect(foldsOntoProtected('x_roles', strip)).toBe(true);
    expect(foldsOntoProtected('x_roles')).toBe(false);
  });

  it('without a set, the same request keeps them (no route maps a claim)', () => {
    const h = buildUpstreamHeaders(raw, ctx);
    expect(all(h, 'x-user-id')).toEqual(['admin']);
  });
});
