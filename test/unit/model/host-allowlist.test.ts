import { describe, expect, it } from 'vitest';
import { createHostAllowlist, hostOfHeader, parseAllowedHosts } from '../../../src/model/host-allowlist.js';

describe('hostOfHeader', () => {
  it.each([
    ['Example.COM:8001', 'example.com'],
    ['example.com.', 'example.com'],
    ['[::1]:8001', '::1'],
    ['[0:0:0:0:0:0:0:1]', '::1'],
    ['10.0.0.1:80', '10.0.0.1'],
  ])('%s → %s', (header, host) => expect(hostOfHeader(header)).toBe(host));
});

describe('createHostAllowlist', () => {
  let addresses = ['10.244.1.7', 'fe80::1'];
  const wildcard = createHostAllowlist({ listenHost: '0.0.0.0', names: ['portcullis-internal.ns.svc'], anyIpLiteral: false, localAddresses: () => addresses });

  it('bound to 0.0.0.0: accepts the pod IP and loopback, refuses other IPs and unknown names', () => {
    expect(wildcard('10.244.1.7:8001')).toBe(true);
    expect(wildcard('[fe80::1]:8001')).toBe(true);
    expect(wildcard('127.0.0.1:8001')).toBe(true);
    expect(wildcard('portcullis-internal.ns.svc:8001')).toBe(true);
    expect(wildcard('10.244.1.8:8001')).toBe(false);
    expect(wildcard('attacker.example:8001')).toBe(false);
  });

  it('asks for the interface addresses again when one changed', () => {
    addresses = ['10.244.9.9'];
    expect(wildcard('10.244.9.9')).toBe(true);
  });

  it('bound to one address: that address and loopback only', () => {
    const one = createHostAllowlist({ listenHost: '192.168.5.5', names: [], anyIpLiteral: false, localAddresses: () => ['10.0.0.1'] });
    expect(one('192.168.5.5:8001')).toBe(true);
    expect(one('[::1]')).toBe(true);
    expect(one('10.0.0.1')).toBe(false);
  });

  it('status listener: any IP literal, but no unknown name', () => {
    const status = createHostAllowlist({ listenHost: '0.0.0.0', names: [], anyIpLiteral: true, localAddresses: () => [] });
    expect(status('10.99.0.1:8100')).toBe(true);
    expect(status('[2001:db8::1]:8100')).toBe(true);
    expect(status('evil.example:8100')).toBe(false);
  });

  it('no Host (HTTP/1.0) is accepted; an empty-looking or odd Host is not a name we know', () => {
    expect(wildcard(undefined)).toBe(true);
    expect(wildcard('localhost.evil.example')).toBe(false);
    expect(wildcard('127.0.0.1.nip.io')).toBe(false);
  });
});

describe('parseAllowedHosts', () => {
  it('splits, trims, lower-cases and drops a trailing dot', () => {
    expect(parseAllowedHosts(' A.example., b-c.ns.svc ,,[::1],10.0.0.1', '--x')).toEqual(['a.example', 'b-c.ns.svc', '::1', '10.0.0.1']);
  });
  it.each(['a.example:80', 'http://a', '-a.example', 'a..b', 'a b'])('refuses %s', (v) => {
    expect(() => parseAllowedHosts(v, '--admin-allowed-hosts')).toThrow(/--admin-allowed-hosts: .* is not a host name/);
  });
});
