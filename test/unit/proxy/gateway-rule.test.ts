import { describe, expect, it } from 'vitest';
import { gatewayRedirectLocation, gatewayRequestHeaders, modifyHeaders, pickGatewayUpstream, replacePrefix } from '../../../src/proxy/gateway-rule.js';
import type { GatewayRouteRuntime, Upstream } from '../../../src/snapshot/types.js';

const up = (id: string) => ({ id }) as Upstream;

describe('replacePrefix (URLRewrite / RequestRedirect ReplacePrefixMatch)', () => {
  it.each([
    ['/foo/bar', '/foo', '/xyz', '/xyz/bar'],
    ['/foo', '/foo', '/xyz', '/xyz'],
    ['/foo/bar', '/foo', '/', '/bar'],
    ['/foo', '/foo', '/', '/'],
    ['/foo/bar', '/foo', '/xyz/', '/xyz/bar'],
    ['/a', '', '/p', '/p/a'],
  ])('%s with prefix %s → %s gives %s', (path, prefix, replacement, want) => {
    expect(replacePrefix(path, prefix, replacement)).toBe(want);
  });
});

describe('gatewayRedirectLocation', () => {
  const req = { tls: false, host: 'app.test', path: '/old/x', rawQuery: 'q=1' };
  const gw = (redirect: GatewayRouteRuntime['redirect'], prefix = '/old'): GatewayRouteRuntime => ({ backends: [], totalWeight: 0, redirect, prefix });
  it('scheme https without port: no port in Location', () => {
    expect(gatewayRedirectLocation(gw({ statusCode: 302, scheme: 'https' }), req)).toBe('https://app.test/old/x?q=1');
  });
  it('no scheme and no port: the listener port of the request (80 plaintext, 443 TLS)', () => {
    expect(gatewayRedirectLocation(gw({ statusCode: 302, hostname: 'b.test' }), req)).toBe('http://b.test/old/x?q=1');
    expect(gatewayRedirectLocation(gw({ statusCode: 302 }), { ...req, tls: true })).toBe('https://app.test/old/x?q=1');
  });
  it('an explicit non-default port is kept; full path replacement', () => {
    expect(gatewayRedirectLocation(gw({ statusCode: 301, port: 8443, scheme: 'https', path: { type: 'ReplaceFullPath', value: '/n' } }), req)).toBe('https://app.test:8443/n?q=1');
  });
});

describe('header modifiers', () => {
  it('remove, set (replacing every value) and add, case-insensitively', () => {
    const out = modifyHeaders(['Host', 'a', 'X-Set', 'old', 'x-set', 'older', 'X-Drop', 'd', 'X-Add', '1'], {
      set: [['x-set', 'new']],
      add: [['x-add', '2']],
      remove: ['x-drop'],
    });
    expect(out).toEqual(['Host', 'a', 'X-Add', '1', 'x-set', 'new', 'x-add', '2']);
  });
  it('a URLRewrite hostname replaces Host', () => {
    expect(gatewayRequestHeaders(['host', 'client.test', 'a', 'b'], { backends: [], totalWeight: 0, rewrite: { hostname: 'inner.svc' } })).toEqual(['a', 'b', 'host', 'inner.svc']);
  });
});

describe('pickGatewayUpstream', () => {
  const gw: GatewayRouteRuntime = { backends: [{ upstream: up('a'), weight: 1 }, { upstream: up('b'), weight: 3 }, { upstream: up('c'), weight: 0 }], totalWeight: 4 };
  it('chooses by weight; weight 0 never', () => {
    expect(pickGatewayUpstream(gw, () => 0)?.id).toBe('a');
    expect(pickGatewayUpstream(gw, () => 0.26)?.id).toBe('b');
    expect(pickGatewayUpstream(gw, () => 0.999)?.id).toBe('b');
  });
  it('no weight, or an invalid backend chosen: undefined (500)', () => {
    expect(pickGatewayUpstream({ backends: [], totalWeight: 0 })).toBeUndefined();
    expect(pickGatewayUpstream({ backends: [{ upstream: up('a'), weight: 0 }], totalWeight: 0 })).toBeUndefined();
    expect(pickGatewayUpstream({ backends: [{ upstream: undefined, weight: 1 }, { upstream: up('b'), weight: 1 }], totalWeight: 2 }, () => 0.1)).toBeUndefined();
  });
});
