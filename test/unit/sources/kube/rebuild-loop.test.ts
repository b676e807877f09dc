import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import { RebuildLoop } from '../../../../src/sources/kube/rebuild-loop.js';

const logger = pino({ level: 'silent' });

describe('RebuildLoop', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('coalesces a burst into one build after the quiet period', async () => {
    const build = vi.fn();
    const loop = new RebuildLoop({ build, logger, debounceMs: 50, maxWaitMs: 250 });
    for (let i = 0; i < 10; i++) loop.poke();
    await vi.advanceTimersByTimeAsync(49);
    expect(build).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(build).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('a continuous stream of pokes still builds every maxWaitMs', async () => {
    const times: number[] = [];
    const start = Date.now();
    const loop = new RebuildLoop({ build: () => void times.push(Date.now() - start), logger, debounceMs: 50, maxWaitMs: 250 });
    for (let t = 0; t < 600; t += 10) {
      loop.poke();
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(times.slice(0, 2)).toEqual([250, 500]);
  });

  it('never runs two builds at once; pokes during a build cause exactly one more', async () => {
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    const loop = new RebuildLoop({
      logger,
      debounceMs: 10,
      build: async () => {
        calls++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 100));
        running--;
      },
    });
    loop.poke();
    await vi.advanceTimersByTimeAsync(20); // build 1 running
    loop.poke();
    loop.poke();
    await vi.advanceTimersByTimeAsync(50);
    loop.poke();
    await vi.advanceTimersByTimeAsync(500);
    expect(calls).toBe(2);
    expect(maxRunning).toBe(1);
  });

  it('a throwing build is logged and the loop keeps working', async () => {
    let n = 0;
    const loop = new RebuildLoop({
      logger,
      debounceMs: 5,
      build: () => {
        n++;
        if (n === 1) throw new Error('boom');
      },
    });
    loop.poke();
    await vi.advanceTimersByTimeAsync(10);
    loop.poke();
    await vi.advanceTimersByTimeAsync(10);
    expect(n).toBe(2);
    expect(loop.failures).toBe(1);
  });

  it('stop() cancels a scheduled build', async () => {
    const build = vi.fn();
    const loop = new RebuildLoop({ build, logger, debounceMs: 50 });
    loop.poke();
    await loop.stop();
    await vi.advanceTimersByTimeAsync(100);
    loop.poke();
    await vi.advanceTimersByTimeAsync(100);
    expect(build).not.toHaveBeenCalled();
  });
});
