import { describe, expect, it } from 'vitest';
import { WriteBudget } from '../../../src/status/write-budget.js';

describe('WriteBudget', () => {
  it('allows a burst, then qps per second', () => {
    let now = 0;
    const b = new WriteBudget({ qps: 10, burst: 3 }, () => now);
    expect([b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([0, 0, 0]);
    expect(b.tryTake()).toBe(100); // one token per 100 ms at 10 qps
    now = 100;
    expect(b.tryTake()).toBe(0);
    now = 10_000; // refills to the burst, not beyond
    expect([b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([0, 0, 0]);
    expect(b.tryTake()).toBeGreaterThan(0);
  });

  it('a Retry-After pause holds every write until it ends', () => {
    let now = 0;
    const b = new WriteBudget({ qps: 100, burst: 100 }, () => now);
    b.pause(2_000);
    expect(b.tryTake()).toBe(2_000);
    now = 1_500;
    expect(b.tryTake()).toBe(500);
    now = 2_000;
    expect(b.tryTake()).toBe(0);
  });

  it('take() paces real time: 30 writes at 100 qps with a burst of 10 take about 200 ms', async () => {
    const b = new WriteBudget({ qps: 100, burst: 10 });
    const t0 = performance.now();
    for (let i = 0; i < 30; i++) await b.take();
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(180);
    expect(ms).toBeLessThan(1_000);
    expect(b.waited).toBeGreaterThan(0);
  });
});
