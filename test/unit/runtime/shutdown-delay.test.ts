import { describe, expect, it } from 'vitest';
import { ShutdownDelay } from '../../../src/runtime/shutdown-delay.js';

describe('ShutdownDelay', () => {
  it('waits its time', async () => {
    const started = performance.now();
    await new ShutdownDelay(60).wait();
    expect(performance.now() - started).toBeGreaterThanOrEqual(50);
  });

  it('cut() ends a running wait at once and reports it', async () => {
    const d = new ShutdownDelay(60_000);
    const waiting = d.wait();
    expect(d.cut()).toBe(true);
    await waiting;
  });

  it('a cut before the wait starts (a quick second signal) makes the wait return at once', async () => {
    const d = new ShutdownDelay(60_000);
    expect(d.cut()).toBe(false);
    await d.wait();
  });

  it('0 does not wait', async () => {
    const started = performance.now();
    await new ShutdownDelay(0).wait();
    expect(performance.now() - started).toBeLessThan(20);
  });
});
