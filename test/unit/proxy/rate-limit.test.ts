import { describe, expect, it } from 'vitest';
import { compileRateLimiting } from '../../../src/plugins/rate-limiting/policy.js';
import { rateIdentifier, rateLimit, withRateHeaders, type RateExchange } from '../../../src/proxy/rate-limit.js';
import { rateLimitingConfigSchema } from '../../../src/model/rate-limiting-config.js';

const policy = (raw: Record<string, unknown>) => compileRateLimiting('p', { routeId: `r-${Math.random()}` }, rateLimitingConfigSchema.parse({ minute: 2, ...raw }));
const exchange = (over: Partial<RateExchange> = {}, headers: Record<string, string> = {}): RateExchange => ({
  path: '/a',
  peer: '::ffff:192.0.2.9',
  realIp: undefined,
  authWait: undefined,
  rate: undefined,
  header: (n) => headers[n],
  ...over,
});

describe("rate-limiting's identifier (Kong's get_identifier)", () => {
  it('consumer, else credential, else the client IP (an IPv4-mapped peer as a dotted quad)', () => {
    const p = policy({});
    expect(rateIdentifier(p, exchange(), 'cons', 'cred', 'svc')).toBe('cons');
    expect(rateIdentifier(p, exchange(), undefined, 'cred', 'svc')).toBe('cred');
    expect(rateIdentifier(p, exchange(), undefined, undefined, 'svc')).toBe('192.0.2.9');
    expect(rateIdentifier(p, exchange({ realIp: '2001:db8::1' }), undefined, undefined, 'svc')).toBe('2001:db8::1');
  });

  it('credential, service, header and path, each falling back to the IP', () => {
    expect(rateIdentifier(policy({ limitBy: 'credential' }), exchange(), 'cons', undefined, 'svc')).toBe('192.0.2.9');
    expect(rateIdentifier(policy({ limitBy: 'service' }), exchange(), 'cons', 'cred', 'svc')).toBe('svc');
    const byHeader = policy({ limitBy: 'header', headerName: 'X-Tenant' });
    expect(rateIdentifier(byHeader, exchange({}, { 'x-tenant': 't1' }), 'cons', 'cred', 'svc')).toBe('t1');
    expect(rateIdentifier(byHeader, exchange(), 'cons', 'cred', 'svc')).toBe('192.0.2.9');
    const byPath = policy({ limitBy: 'path', path: '/a' });
    expect(rateIdentifier(byPath, exchange(), undefined, undefined, 'svc')).toBe('/a');
    expect(rateIdentifier(byPath, exchange({ path: '/b' }), undefined, undefined, 'svc')).toBe('192.0.2.9');
    expect(rateIdentifier(policy({ limitBy: 'ip' }), exchange(), 'cons', 'cred', 'svc')).toBe('192.0.2.9');
  });
});

describe('local policy through the proxy call', () => {
  it('counts passes, refuses without counting, per identifier', () => {
    const p = policy({});
    const now = Math.floor(Date.now() / 1000);
    const x = exchange();
    expect([1, 2, 3].map(() => rateLimit(x, p, 'c', undefined, 's', now)!.stop)).toEqual([false, false, true]);
    expect(rateLimit(x, p, 'other', undefined, 's', now)!.stop).toBe(false);
  });

  it('its headers replace same-named upstream modifiers and keep the others', () => {
    const mod = withRateHeaders({ set: [['x-ratelimit-limit-minute', '9'], ['x-a', '1']], add: [['x-b', '2']], remove: ['x-c'] }, [['x-ratelimit-limit-minute', '2']]);
    expect(mod).toEqual({ set: [['x-a', '1'], ['x-ratelimit-limit-minute', '2']], add: [['x-b', '2']], remove: ['x-c'] });
  });
});
