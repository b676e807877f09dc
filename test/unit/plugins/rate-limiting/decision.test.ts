import { describe, expect, it } from 'vitest';
import { decide, periodLimit } from '../../../../src/plugins/rate-limiting/decision.js';

const T = Date.UTC(2026, 5, 1, 12, 0, 30) / 1000;
const minuteHour = [periodLimit('minute', 5), periodLimit('hour', 20)];

describe("rate-limiting's verdict and headers (Kong's access phase)", () => {
  it('passes while every period has room; remaining counts this request', () => {
    const d = decide(minuteHour, [2, 10], T, false);
    expect(d.stop).toBe(false);
    expect(d.headers).toEqual([
      ['x-ratelimit-limit-minute', '5'],
      ['x-ratelimit-remaining-minute', '2'],
      ['x-ratelimit-limit-hour', '20'],
      ['x-ratelimit-remaining-hour', '9'],
      ['ratelimit-limit', '5'],
      ['ratelimit-remaining', '2'],
      ['ratelimit-reset', '30'],
    ]);
  });

  it('stops when a period is used up: that period 0, the others not counted down, Retry-After = Reset', () => {
    const d = decide(minuteHour, [5, 10], T, false);
    expect(d.stop).toBe(true);
    expect(Object.fromEntries(d.headers!)).toMatchObject({
      'x-ratelimit-remaining-minute': '0',
      'x-ratelimit-remaining-hour': '10',
      'ratelimit-remaining': '0',
      'ratelimit-reset': '30',
      'retry-after': '30',
    });
  });

  it('a tie on remaining names the longer window', () => {
    const d = decide(minuteHour, [1, 16], T, false);
    expect(Object.fromEntries(d.headers!)).toMatchObject({ 'ratelimit-limit': '20', 'ratelimit-remaining': '3', 'ratelimit-reset': '3570' });
  });

  it('hide_client_headers: the verdict alone', () => {
    expect(decide(minuteHour, [5, 0], T, true)).toEqual({ stop: true, headers: undefined });
    expect(decide(minuteHour, [0, 0], T, true)).toEqual({ stop: false, headers: undefined });
  });

  it('fractional limits, as Kong numbers allow', () => {
    const d = decide([periodLimit('second', 2.5)], [1], T, false);
    expect(Object.fromEntries(d.headers!)['x-ratelimit-remaining-second']).toBe('0.5');
    expect(decide([periodLimit('second', 2.5)], [3], T, false).stop).toBe(true);
  });
});
