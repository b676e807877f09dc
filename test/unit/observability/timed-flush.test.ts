import { describe, expect, it } from 'vitest';
import { timedFlush } from '../../../src/observability/timed-flush.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('timedFlush', () => {
  it('flushes once, one delay after the first line of a quiet period', async () => {
    const at: number[] = [];
    const start = performance.now();
    const t = timedFlush(() => at.push(performance.now() - start), 50);
    t.noteLine();
    await sleep(20);
    expect(at).toEqual([]);
    await sleep(200);
    expect(at).toHaveLength(1);
    expect(at[0]).toBeGreaterThanOrEqual(45);
  });

  it('keeps flushing while lines come, then once more and stops', async () => {
    let flushes = 0;
    const t = timedFlush(() => flushes++, 30);
    for (let i = 0; i < 10; i++) {
      t.noteLine();
      await sleep(10);
    }
    await sleep(200);
    const settled = flushes;
    expect(settled).toBeGreaterThanOrEqual(3);
    await sleep(100);
    expect(flushes).toBe(settled);
  });

  it('cancel stops a pending flush', async () => {
    let flushes = 0;
    const t = timedFlush(() => flushes++, 20);
    t.noteLine();
    t.cancel();
    await sleep(60);
    expect(flushes).toBe(0);
  });
});
