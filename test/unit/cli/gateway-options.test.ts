import { describe, expect, it } from 'vitest';
import { gatewayOptions } from '../../../src/cli/gateway-options.js';
import { UsageError } from '../../../src/model/usage-error.js';

describe('--upstream-tls-verify (docs/upstream-tls.md#the-default)', () => {
  it('is on by default: https upstreams are verified, as before upstream TLS settings existed', () => {
    expect(gatewayOptions({}, {}).upstreamTlsVerify).toBe(true);
  });

  it("off (flag or PORTCULLIS_UPSTREAM_TLS_VERIFY) restores Kong's default; the flag wins over the env var", () => {
    expect(gatewayOptions({ 'upstream-tls-verify': 'off' }, {}).upstreamTlsVerify).toBe(false);
    expect(gatewayOptions({}, { PORTCULLIS_UPSTREAM_TLS_VERIFY: 'off' }).upstreamTlsVerify).toBe(false);
    expect(gatewayOptions({ 'upstream-tls-verify': 'on' }, { PORTCULLIS_UPSTREAM_TLS_VERIFY: 'off' }).upstreamTlsVerify).toBe(true);
  });

  it('anything but on or off is a usage error naming the flag', () => {
    expect(() => gatewayOptions({ 'upstream-tls-verify': 'false' }, {})).toThrow(UsageError);
    expect(() => gatewayOptions({}, { PORTCULLIS_UPSTREAM_TLS_VERIFY: 'yes' })).toThrow(/--upstream-tls-verify: expected on or off, got 'yes'/);
  });
});

describe('TLS listener options', () => {
  it('default: 0.0.0.0:8443 with the self-signed default certificate', () => {
    const o = gatewayOptions({}, {});
    expect(o.proxyListenTls).toEqual({ host: '0.0.0.0', port: 8443, proxyProtocol: false });
    expect(o.defaultCertificate).toBeUndefined();
  });

  it('off disables it; flag beats env', () => {
    expect(gatewayOptions({}, { PORTCULLIS_PROXY_LISTEN_TLS: 'off' }).proxyListenTls).toBeUndefined();
    expect(gatewayOptions({ 'proxy-listen-tls': '127.0.0.1:9443' }, { PORTCULLIS_PROXY_LISTEN_TLS: 'off' }).proxyListenTls).toEqual({ host: '127.0.0.1', port: 9443, proxyProtocol: false });
  });

  it("Kong's 'HOST:PORT proxy_protocol' on the TLS listener; it satisfies --real-ip-header proxy_protocol (docs/client-ip.md)", () => {
    const o = gatewayOptions({ 'proxy-listen-tls': '127.0.0.1:9443 proxy_protocol', 'real-ip-header': 'proxy_protocol' }, {});
    expect(o.proxyListenTls).toEqual({ host: '127.0.0.1', port: 9443, proxyProtocol: true });
    expect(o.proxyListen.proxyProtocol).toBe(false);
    expect(o.clientIp?.realIpHeader).toBe('proxy_protocol');
    expect(gatewayOptions({}, { PORTCULLIS_PROXY_LISTEN_TLS: '[::]:8443 proxy_protocol' }).proxyListenTls).toEqual({ host: '::', port: 8443, proxyProtocol: true });
    expect(() => gatewayOptions({ 'proxy-listen-tls': '127.0.0.1:9443 ssl' }, {})).toThrow(/--proxy-listen-tls: unknown listener option 'ssl'/);
    // Neither listener has the flag (the TLS one is off): Kong's rule still applies.
    expect(() => gatewayOptions({ 'proxy-listen-tls': 'off', 'real-ip-header': 'proxy_protocol' }, {})).toThrow(/--real-ip-header: proxy_protocol needs a proxy listener/);
  });

  it('--default-certificate CERT_FILE,KEY_FILE', () => {
    expect(gatewayOptions({ 'default-certificate': '/a/tls.crt, /a/tls.key' }, {}).defaultCertificate).toEqual({ certFile: '/a/tls.crt', keyFile: '/a/tls.key' });
    expect(() => gatewayOptions({ 'default-certificate': '/a/tls.crt' }, {})).toThrow(/--default-certificate: expected CERT_FILE,KEY_FILE/);
    expect(() => gatewayOptions({ 'proxy-listen-tls': 'nope' }, {})).toThrow(/--proxy-listen-tls: expected host:port/);
  });
});

describe('--websocket-idle-timeout', () => {
  it.each<[string | undefined, number | undefined]>([
    [undefined, undefined], // default "service": each service's read_timeout, as in Kong
    ['service', undefined],
    ['0', 0],
    ['90', 90_000],
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
  ])('%j → %j ms', (value, ms) => {
    expect(gatewayOptions(value === undefined ? {} : { 'websocket-idle-timeout': value }, {}).websocketIdleTimeoutMs).toBe(ms);
  });

  it('reads PORTCULLIS_WEBSOCKET_IDLE_TIMEOUT', () => {
    expect(gatewayOptions({}, { PORTCULLIS_WEBSOCKET_IDLE_TIMEOUT: '2m' }).websocketIdleTimeoutMs).toBe(120_000);
  });

  it.each(['-1', '1.5', 'forever', '10ms'])('refuses %j', (value) => {
    expect(() => gatewayOptions({ 'websocket-idle-timeout': value }, {})).toThrow(/--websocket-idle-timeout: expected service or a duration/);
  });
});

describe('--jwks-allow-http (docs/jwks.md#bounds)', () => {
  it('is off by default; on by flag or PORTCULLIS_JWKS_ALLOW_HTTP; anything else is a usage error', () => {
    expect(gatewayOptions({}, {}).jwksAllowHttp).toBe(false);
    expect(gatewayOptions({ 'jwks-allow-http': 'on' }, {}).jwksAllowHttp).toBe(true);
    expect(gatewayOptions({}, { PORTCULLIS_JWKS_ALLOW_HTTP: 'on' }).jwksAllowHttp).toBe(true);
    expect(() => gatewayOptions({ 'jwks-allow-http': 'yes' }, {})).toThrow(/--jwks-allow-http: expected on or off/);
  });
});
