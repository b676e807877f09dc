import { describe, expect, it } from 'vitest';
import { defaultIdentity, leaseIsFree, microTime } from '../../../src/status/leader-election.js';

describe('leaseIsFree', () => {
  const base = { holder: 'other', observedAt: 1_000, now: 5_000, durationMs: 10_000, renewTimeMs: 4_000 };
  it.each([
    ['held and fresh', {}, false],
    ['no holder (released)', { holder: '' }, true],
    ['unchanged for a whole duration on our clock', { observedAt: 1_000, now: 11_000, renewTimeMs: 10_500 }, true],
    ['unchanged for just under a duration', { observedAt: 1_000, now: 10_999, renewTimeMs: 10_500 }, false],
    ['renewTime older than twice the duration', { renewTimeMs: -15_001 }, true],
    ['renewTime old but within skew allowance', { renewTimeMs: -14_000 }, false],
    ['unknown renewTime, recently observed', { renewTimeMs: undefined }, false],
  ] as Array<[string, Partial<typeof base>, boolean]>)('%s -> %s', (_n, patch, expected) => {
    expect(leaseIsFree({ ...base, ...patch })).toBe(expected);
  });
});

describe('microTime', () => {
  it('formats RFC 3339 with microseconds', () => {
    expect(microTime(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03:04:05.678000Z');
  });
});

describe('defaultIdentity', () => {
  it('is the pod name plus a suffix that differs per process, so a restarted container does not inherit the Lease', () => {
    const before = process.env.POD_NAME;
    process.env.POD_NAME = 'portcullis-7d9f-abcde';
    try {
      const a = defaultIdentity();
      const b = defaultIdentity();
      expect(a).toMatch(/^portcullis-7d9f-abcde_[0-9a-f]{8}$/);
      expect(b).not.toBe(a);
    } finally {
      if (before === undefined) delete process.env.POD_NAME;
      else process.env.POD_NAME = before;
    }
  });
});
