import { describe, expect, it } from 'vitest';
import { secondsToReset, windowStart } from '../../../../src/plugins/rate-limiting/windows.js';

// 2026-03-31T23:59:58Z
const T = Date.UTC(2026, 2, 31, 23, 59, 58) / 1000;

describe("Kong's fixed windows (UTC)", () => {
  it('start at the period start', () => {
    expect(windowStart('second', T)).toBe(T * 1000);
    expect(windowStart('minute', T)).toBe(Date.UTC(2026, 2, 31, 23, 59));
    expect(windowStart('hour', T)).toBe(Date.UTC(2026, 2, 31, 23));
    expect(windowStart('day', T)).toBe(Date.UTC(2026, 2, 31));
    expect(windowStart('month', T)).toBe(Date.UTC(2026, 2, 1));
    expect(windowStart('year', T)).toBe(Date.UTC(2026, 0, 1));
  });

  it('reset: window length minus elapsed seconds, at least 1; a month is 30 days as in Kong', () => {
    expect(secondsToReset('second', windowStart('second', T), T)).toBe(1);
    expect(secondsToReset('minute', windowStart('minute', T), T)).toBe(2);
    expect(secondsToReset('day', windowStart('day', T), T)).toBe(2);
    // March 31st, 23:59:58: 30 days after March 1st have passed; Kong still says 1.
    expect(secondsToReset('month', windowStart('month', T), T)).toBe(1);
  });
});
