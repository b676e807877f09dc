import { describe, expect, it } from 'vitest';
import { LocalCounters } from '../../../../src/plugins/rate-limiting/local-counters.js';

describe('local counters', () => {
  it('reset when the window moves on, and are swept once it ended', () => {
    const c = new LocalCounters();
    const a = c.counter('minute', 'k', 60_000);
    a.n += 3;
    expect(c.counter('minute', 'k', 60_000).n).toBe(3);
    expect(c.counter('minute', 'k', 120_000).n).toBe(0);
    c.counter('hour', 'k', 0).n++;
    c.sweep(180_000);
    expect(c.size()).toBe(1);
    c.sweep(3_600_000);
    expect(c.size()).toBe(0);
  });
});
