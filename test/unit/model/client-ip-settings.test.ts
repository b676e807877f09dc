import { describe, expect, it } from 'vitest';
import {
  checkProxyProtocolHeader, DEFAULT_CLIENT_IP, parseOnOff, parseProxyListen, parseRealIpHeader, parseTrustedIps,
} from '../../../src/model/client-ip-settings.js';
import { UsageError } from '../../../src/model/usage-error.js';

describe('parseTrustedIps (Kong trusted_ips)', () => {
  it('normalizes, dedupes and accepts everything-trusted', () => {
    expect(parseTrustedIps('', '--trusted-ips')).toEqual([]);
    expect(parseTrustedIps(' 10.1.0.0/16 , 127.0.0.1,::1, 2001:DB8::/32,127.0.0.1/32 ', '--trusted-ips')).toEqual(['10.1.0.0/16', '127.0.0.1/32', '::1/128', '2001:db8::/32']);
    expect(parseTrustedIps('0.0.0.0/0,::/0', '--trusted-ips')).toEqual(['0.0.0.0/0', '::/0']);
  });

  it.each(['10.0.0.0/33', 'example.com', 'unix:', '10.0.0.0/8;rm'])('refuses %j naming the flag', (v) => {
    expect(() => parseTrustedIps(v, '--trusted-ips')).toThrow(UsageError);
    expect(() => parseTrustedIps(v, '--trusted-ips')).toThrow(/^--trusted-ips: /);
  });
});

describe('parseRealIpHeader / parseOnOff / parseProxyListen', () => {
  it('header names lower-cased; proxy_protocol in any case', () => {
    expect(parseRealIpHeader('X-Forwarded-For', 'f')).toBe('x-forwarded-for');
    expect(parseRealIpHeader('CF-Connecting-IP', 'f')).toBe('cf-connecting-ip');
    expect(parseRealIpHeader('PROXY_PROTOCOL', 'f')).toBe('proxy_protocol');
    expect(() => parseRealIpHeader('X Forwarded', 'f')).toThrow(/^f: expected a header name/);
    expect(() => parseRealIpHeader('', 'f')).toThrow(UsageError);
  });

  it('on/off only', () => {
    expect(parseOnOff('on', 'f')).toBe(true);
    expect(parseOnOff('off', 'f')).toBe(false);
    expect(() => parseOnOff('yes', 'f')).toThrow(/^f: expected on or off/);
  });

  it('Kong\'s listen suffix', () => {
    expect(parseProxyListen('0.0.0.0:8000', 'l')).toEqual({ host: '0.0.0.0', port: 8000, proxyProtocol: false });
    expect(parseProxyListen('[::]:8000  proxy_protocol', 'l')).toEqual({ host: '::', port: 8000, proxyProtocol: true });
    expect(() => parseProxyListen('0.0.0.0:8000 http2', 'l')).toThrow(/^l: unknown listener option 'http2'/);
  });

  it('real_ip_header proxy_protocol needs a proxy_protocol listener', () => {
    const pp = { ...DEFAULT_CLIENT_IP, realIpHeader: 'proxy_protocol' };
    expect(() => checkProxyProtocolHeader(pp, [{ host: '0.0.0.0', port: 1, proxyProtocol: false }], 'h')).toThrow(/^h: proxy_protocol needs/);
    expect(() => checkProxyProtocolHeader(pp, [{ host: '0.0.0.0', port: 1, proxyProtocol: true }], 'h')).not.toThrow();
    expect(() => checkProxyProtocolHeader(DEFAULT_CLIENT_IP, [{ host: '0.0.0.0', port: 1 }], 'h')).not.toThrow();
  });
});
