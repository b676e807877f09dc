import { describe, expect, it } from 'vitest';
import { isoTimeField } from '../../../src/observability/log-time.js';

const field = (ms: number) => JSON.parse(`{${isoTimeField(ms).slice(1)}}`).time as string;

describe('isoTimeField', () => {
  it('is what Date#toISOString says, for every millisecond of a second and across seconds', () => {
    const base = Date.UTC(2026, 11, 3, 3, 4, 5);
    for (const ms of [0, 1, 9, 10, 99, 100, 678, 999, 1000, 1001, -1, 59_999, 60_000, 86_400_000]) {
      expect(field(base + ms)).toBe(new Date(base + ms).toISOString());
    }
  });

  it('defaults to now', () => {
    const before = Date.now();
    const t = Date.parse(JSON.parse(`{${isoTimeField().slice(1)}}`).time);
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Date.now());
  });
});
