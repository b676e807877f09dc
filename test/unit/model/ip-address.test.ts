import net from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalIp, CidrMatcher, formatCidr, parseCidr } from '../../../src/model/ip-address.js';
import { fcParams } from '../../support/fc-settings.js';

/** What the kernel's inet_ntop writes (node's SocketAddress canonicalizes through it). */
const nodeCanonical = (text: string) => new net.SocketAddress({ address: text, family: net.isIP(text) === 6 ? 'ipv6' : 'ipv4' }).address;

const v6Text = fc.ipV6().chain((a) => fc.constantFrom(a, a.toUpperCase()));
const anyIp = fc.oneof(fc.ipV4(), v6Text);

describe('canonicalIp', () => {
  it('accepts exactly what node accepts and prints what inet_ntop prints', () => {
    fc.assert(fc.property(anyIp, (text) => {
      expect(canonicalIp(text)).toBe(nodeCanonical(text));
    }), fcParams(3000));
  });

  it('refuses whatever node refuses (near-miss strings)', () => {
    const alphabet = fc.constantFrom(...'0123456789abcdefABCDEF:.'.split(''), '::', ' ', '%', '/', '[', ']', 'g');
    fc.assert(fc.property(fc.oneof(fc.string({ unit: alphabet, maxLength: 45 }), anyIp.map((s) => s.slice(0, -1)), anyIp.map((s) => `${s}:`)), (text) => {
      const ours = canonicalIp(text);
      // node also accepts zone ids ("fe80::1%eth0") and leading-zero IPv4 parts on some versions: skip those.
      if (text.includes('%') || /(^|\.)0\d/.test(text)) return;
      expect(ours === undefined, text).toBe(net.isIP(text) === 0);
      if (ours !== undefined) expect(ours).toBe(nodeCanonical(text));
    }), fcParams(5000));
  });

  it.each([
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::FFFF:1.2.3.4', '::ffff:1.2.3.4'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['::', '::'],
    ['1::', '1::'],
    ['203.0.113.7', '203.0.113.7'],
  ])('%s → %s', (text, canonical) => expect(canonicalIp(text)).toBe(canonical));

  it.each(['', '1.2.3', '1.2.3.4.5', '01.2.3.4', '256.1.1.1', '1:2:3:4:5:6:7:8:9', '1::2::3', ':1::', '1:2:3:4:5:6:7:1.2.3.4', '[::1]', '1.2.3.4:80', 'fe80::1%eth0'])(
    'refuses %j', (text) => expect(canonicalIp(text)).toBeUndefined(),
  );
});

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['127.0.0.1', '127.0.0.1/32'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['::/0', '::/0'],
    ['::1', '::1/128'],
    ['2001:db8:ffff::1/33', '2001:db8:8000::/33'],
  ])('%s → %s', (text, normalized) => expect(formatCidr(parseCidr(text)!)).toBe(normalized));

  it.each(['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/08', '10.0.0/8', 'unix:', 'example.com', '1.2.3.4/8/8'])('refuses %j', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });
});

describe('CidrMatcher', () => {
  it('agrees with node:net BlockList for any blocks and address', () => {
    const v4Block = fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${a}/${p}`);
    const v6Block = fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([a, p]) => `${a}/${p}`);
    fc.assert(fc.property(fc.array(fc.oneof(v4Block, v6Block), { maxLength: 6 }), fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4().map((a) => `::ffff:${a}`)), (blocks, addr) => {
      const cidrs = blocks.map((b) => parseCidr(b)!);
      const list = new net.BlockList();
      // nginx semantics: a plain IPv4 address never matches an IPv6 block (BlockList maps it into ::ffff:0:0/96).
      for (const c of cidrs) if (c.family === 4 || net.isIP(addr) === 6) list.addSubnet(formatCidr(c).split('/')[0]!, c.prefix, c.family === 4 ? 'ipv4' : 'ipv6');
      const expected = list.check(addr, net.isIP(addr) === 4 ? 'ipv4' : 'ipv6');
      expect(new CidrMatcher(cidrs).contains(addr), `${addr} in ${blocks.join(',')}`).toBe(expected);
    }), fcParams(3000));
  });

  it('IPv4-mapped IPv6 peers match IPv4 blocks; zone ids are ignored', () => {
    const m = new CidrMatcher([parseCidr('127.0.0.0/8')!, parseCidr('fe80::/10')!]);
    expect(m.contains('::ffff:127.0.0.2')).toBe(true);
    expect(m.contains('fe80::1%eth0')).toBe(true);
    expect(m.contains('10.0.0.1')).toBe(false);
    expect(m.contains('not an ip')).toBe(false);
  });

  it('0.0.0.0/0,::/0 trusts every address', () => {
    const m = new CidrMatcher([parseCidr('0.0.0.0/0')!, parseCidr('::/0')!]);
    for (const a of ['1.2.3.4', '::1', '2001:db8::9']) expect(m.contains(a)).toBe(true);
    expect(new CidrMatcher([parseCidr('0.0.0.0/0')!]).contains('::1')).toBe(false);
  });
});
