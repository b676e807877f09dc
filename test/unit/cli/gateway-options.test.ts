import { describe, expect, it } from 'vitest';
import { gatewayOptions } from '../../../src/cli/gateway-options.js';

describe('TLS listener options', () => {
  it('default: 0.0.0.0:8443 with the self-signed default certificate', () => {
    const o = gatewayOptions({}, {});
    expect(o.proxyListenTls).toEqual({ host: '0.0.0.0', port: 8443 });
    expect(o.defaultCertificate).toBeUndefined();
  });

  it('off disables it; flag beats env', () => {
    expect(gatewayOptions({}, { PORTCULLIS_PROXY_LISTEN_TLS: 'off' }).proxyListenTls).toBeUndefined();
    expect(gatewayOptions({ 'proxy-listen-tls': '127.0.0.1:9443' }, { PORTCULLIS_PROXY_LISTEN_TLS: 'off' }).proxyListenTls).toEqual({ host: '127.0.0.1', port: 9443 });
  });

  it('--default-certificate CERT_FILE,KEY_FILE', () => {
    expect(gatewayOptions({ 'default-certificate': '/a/tls.crt, /a/tls.key' }, {}).defaultCertificate).toEqual({ certFile: '/a/tls.crt', keyFile: '/a/tls.key' });
    expect(() => gatewayOptions({ 'default-certificate': '/a/tls.crt' }, {})).toThrow(/--default-certificate: expected CERT_FILE,KEY_FILE/);
    expect(() => gatewayOptions({ 'proxy-listen-tls': 'nope' }, {})).toThrow(/--proxy-listen-tls: expected host:port/);
  });
});
