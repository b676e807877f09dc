import { describe, expect, it } from 'vitest';
import { ReadDeadlines, SWEEP_MS, type Watched } from '../../../src/proxy/read-deadlines.js';

function watched(readTimeoutMs: number): Watched & { errors: Error[] } {
  const errors: Error[] = [];
  return {
    prevWatched: null, nextWatched: null, lastActive: 0, readTimeoutMs, paused: false, headersReceived: false, errors,
    timedOut: (err) => errors.push(err),
  };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ReadDeadlines', () => {
  it('times out an idle exchange no earlier than its timeout, with undici\'s error codes', async () => {
    const d = new ReadDeadlines();
    const headers = watched(100);
    const body = watched(100);
    body.headersReceived = true;
    const t0 = performance.now();
    d.add(headers);
    d.add(body);
    while (headers.errors.length === 0) await sleep(5);
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(100);
    expect(elapsed).toBeLessThan(100 + 3 * SWEEP_MS + 50);
    expect((headers.errors[0] as Error & { code: string }).code).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect((body.errors[0] as Error & { code: string }).code).toBe('UND_ERR_BODY_TIMEOUT');
    expect(d.size).toBe(0);
  });

  it('activity restarts the clock; paused (backpressure) and removed exchanges never time out', async () => {
    const d = new ReadDeadlines();
    const active = watched(150);
    const paused = watched(50);
    const removed = watched(50);
    d.add(active);
    d.add(paused);
    d.add(removed);
    paused.paused = true;
    d.remove(removed);
    d.remove(removed); // twice: no-op
    for (let i = 0; i < 6; i++) {
      await sleep(50);
      active.lastActive = d.stamp;
    }
    expect(active.errors).toHaveLength(0);
    expect(paused.errors).toHaveLength(0);
    expect(removed.errors).toHaveLength(0);
    expect(d.size).toBe(2);
    d.remove(active);
    d.remove(paused);
    expect(d.size).toBe(0);
  });
});
