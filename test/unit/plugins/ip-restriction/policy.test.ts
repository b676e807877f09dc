import { describe, expect, it } from 'vitest';
import { ipRestrictionConfigSchema } from '../../../../src/model/ip-restriction-config.js';
import { compileIpRestriction, ipNotAllowedMessage } from '../../../../src/plugins/ip-restriction/policy.js';

const policy = (config: unknown) => compileIpRestriction('p1', ipRestrictionConfigSchema.parse(config));

describe('ip-restriction policy (Kong: deny first, then allow)', () => {
  it('matches IPv4 addresses and CIDR blocks, host bits of a block cleared', () => {
    const p = policy({ deny: ['10.0.0.0/8', '192.0.2.7', '198.51.100.77/24'] });
    expect(p.check('10.255.0.1')).toEqual({ status: 403, message: 'IP address not allowed: 10.255.0.1' });
    expect(p.check('192.0.2.7')).toBeDefined();
    expect(p.check('192.0.2.8')).toBeUndefined();
    expect(p.check('198.51.100.1')).toBeDefined();
    expect(p.check('11.0.0.1')).toBeUndefined();
  });

  it('matches IPv6 blocks, and IPv4-mapped IPv6 peers against IPv4 blocks', () => {
    const p = policy({ allow: ['2001:db8::/32', '::1', '127.0.0.0/8'] });
    expect(p.check('2001:db8:ffff::1')).toBeUndefined();
    expect(p.check('2001:db9::1')).toEqual({ status: 403, message: 'IP address not allowed: 2001:db9::1' });
    expect(p.check('::1')).toBeUndefined();
    expect(p.check('::ffff:127.0.0.5')).toBeUndefined();
    // nginx's remote_addr spells an IPv4 client as dotted quad.
    expect(p.check('::ffff:192.0.2.1')).toEqual({ status: 403, message: 'IP address not allowed: 192.0.2.1' });
    expect(p.check('fe80::1%eth0')).toBeDefined();
  });

  it('an address in both lists is refused; allow alone refuses every other address', () => {
    const p = policy({ allow: ['10.0.0.0/8'], deny: ['10.1.0.0/16'] });
    expect(p.check('10.1.2.3')).toBeDefined();
    expect(p.verdict('10.1.2.3')).toEqual({ list: 'deny', pass: false });
    expect(p.check('10.2.2.3')).toBeUndefined();
    expect(p.verdict('172.16.0.1')).toEqual({ list: 'allow', pass: false });
  });

  it('0.0.0.0/0 and ::/0 cover their whole family only', () => {
    const p = policy({ deny: ['0.0.0.0/0'] });
    expect(p.check('203.0.113.9')).toBeDefined();
    expect(p.check('2001:db8::1')).toBeUndefined();
    expect(policy({ deny: ['::/0'] }).check('2001:db8::1')).toBeDefined();
  });

  it('status and message replace the defaults; empty lists check nothing', () => {
    expect(policy({ deny: ['192.0.2.0/24'], status: 401, message: 'nope' }).check('192.0.2.1')).toEqual({ status: 401, message: 'nope' });
    expect(policy({ allow: [], deny: [] }).check('192.0.2.1')).toBeUndefined();
    expect(ipNotAllowedMessage('2001:db8::1')).toBe('IP address not allowed: 2001:db8::1');
  });
});

describe('ip-restriction config', () => {
  it.each([
    [{}, 'allow', 'at least one of allow or deny is required'],
    [{ allow: ['10.0.0.0/33'] }, 'allow.0', 'must be an IP address or a CIDR block'],
    [{ deny: ['example.com'] }, 'deny.0', 'must be an IP address or a CIDR block'],
    [{ deny: ['::1'], status: 302 }, 'status', 'must be between 400 and 599'],
    [{ deny: ['::1'], status: 403.5 }, 'status', 'must be an integer'],
    [{ deny: ['::1'], whitelist: ['::1'] }, '', 'whitelist'],
  ])('%j is refused at %s', (config, field, message) => {
    const r = ipRestrictionConfigSchema.safeParse(config);
    expect(r.success).toBe(false);
    const issue = r.error!.issues.find((i) => i.path.join('.') === field);
    expect(issue, JSON.stringify(r.error!.issues)).toBeDefined();
    expect(issue!.message + JSON.stringify(issue)).toContain(message);
  });
});
