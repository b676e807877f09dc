import net from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_IP } from '../../../src/model/client-ip-settings.js';
import { ClientIpResolver, createClientIpResolver } from '../../../src/proxy/client-ip.js';
import { fcParams } from '../../support/fc-settings.js';

/**
 * The realip walk against a model written from nginx's documentation of real_ip_recursive and
 * ngx_http_get_forwarded_addr: elements split on "," and " ", read from the right; off: the
 * last; on: skip trusted ones, stop at the first untrusted; an unparsable element stops the walk
 * at the address before it.
 */
const TRUSTED = ['10.0.0.0/8', '2001:db8::/32'];
const inTrusted = (ip: string) => {
  const list = new net.BlockList();
  list.addSubnet('10.0.0.0', 8, 'ipv4');
  list.addSubnet('2001:db8::', 32, 'ipv6');
  return list.check(ip, net.isIP(ip) === 6 ? 'ipv6' : 'ipv4');
};
const canonical = (ip: string) => new net.SocketAddress({ address: ip, family: net.isIP(ip) === 6 ? 'ipv6' : 'ipv4' }).address;

function model(value: string, peer: string, recursive: boolean): string {
  const elements = value.split(/[ ,]+/).filter((e) => e !== '');
  let addr = peer;
  for (let i = elements.length - 1; i >= 0; i--) {
    const e = elements[i]!;
    const bare = /^\[(.+)\]:\d+$/.exec(e)?.[1] ?? (net.isIP(e) ? e : /^([\d.]+):\d+$/.exec(e)?.[1] ?? e);
    if (net.isIP(bare) === 0) return addr;
    addr = canonical(bare);
    if (!recursive || i === 0 || !inTrusted(addr)) return addr;
  }
  return addr;
}

const element = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('10.1.2.3', '10.0.0.1', '2001:db8::1', '2001:DB8:0::9') },
  { weight: 3, arbitrary: fc.oneof(fc.ipV4(), fc.ipV6()) },
  { weight: 1, arbitrary: fc.ipV4().map((a) => `${a}:8080`) },
  { weight: 1, arbitrary: fc.ipV6().map((a) => `[${a}]:443`) },
  { weight: 1, arbitrary: fc.constantFrom('unknown', '_hidden', '', '1.2.3', '[::1]') },
);
const separator = fc.constantFrom(', ', ',', ' ', ' ,  ', ',,');

describe('ClientIpResolver.walk', () => {
  it('matches the nginx model for any list, recursive on and off', () => {
    const on = new ClientIpResolver({ ...DEFAULT_CLIENT_IP, trustedIps: TRUSTED, realIpRecursive: true });
    const off = new ClientIpResolver({ ...DEFAULT_CLIENT_IP, trustedIps: TRUSTED, realIpRecursive: false });
    fc.assert(fc.property(fc.array(fc.tuple(element, separator), { maxLength: 6 }), fc.constantFrom('', ' ', ','), (parts, tail) => {
      const value = parts.map(([e, s], i) => (i === 0 ? e : s + e)).join('') + tail;
      expect(on.walk(value, '10.0.0.254'), value).toBe(model(value, '10.0.0.254', true));
      expect(off.walk(value, '10.0.0.254'), value).toBe(model(value, '10.0.0.254', false));
    }), fcParams(3000));
  });

  it.each([
    ['203.0.113.1', false, '203.0.113.1'],
    ['198.51.100.1, 10.1.1.1', false, '10.1.1.1'],
    ['198.51.100.1, 10.1.1.1', true, '198.51.100.1'],
    ['10.2.2.2, 10.1.1.1', true, '10.2.2.2'],
    ['198.51.100.1, garbage, 10.1.1.1', true, '10.1.1.1'],
    ['garbage', true, '10.0.0.254'],
    ['', true, '10.0.0.254'],
    ['1.2.3.4:80', false, '1.2.3.4'],
    ['[2001:DB8::5]:443', false, '2001:db8::5'],
    ['[2001:db8::5]', false, '10.0.0.254'],
    ['::ffff:1.2.3.4', false, '::ffff:1.2.3.4'],
  ])('%j (recursive %s) → %s', (value, recursive, expected) => {
    const r = new ClientIpResolver({ ...DEFAULT_CLIENT_IP, trustedIps: TRUSTED, realIpRecursive: recursive });
    expect(r.walk(value, '10.0.0.254')).toBe(expected);
  });
});

describe('createClientIpResolver', () => {
  it('is undefined without trusted IPs: the handler then does nothing per request', () => {
    expect(createClientIpResolver(undefined)).toBeUndefined();
    expect(createClientIpResolver(DEFAULT_CLIENT_IP)).toBeUndefined();
    expect(createClientIpResolver({ ...DEFAULT_CLIENT_IP, trustedIps: ['127.0.0.1/32'] })?.trusts('127.0.0.1')).toBe(true);
  });
});
