import { describe, expect, it } from 'vitest';
import { PooledIds } from '../../../../src/observability/tracing/fast-ids.js';

describe('PooledIds: W3C ids from a pool of random digits (docs/tracing.md#cost)', () => {
  it('trace ids are 32 and span ids 16 lower-case hex digits, never all zero, distinct across pool refills', () => {
    const ids = new PooledIds();
    const traces = new Set<string>();
    const spans = new Set<string>();
    // 3 × 16 KiB pools' worth.
    for (let i = 0; i < 2000; i++) {
      const t = ids.traceId();
      const s = ids.spanId();
      expect(t).toMatch(/^[0-9a-f]{32}$/);
      expect(s).toMatch(/^[0-9a-f]{16}$/);
      expect(t).not.toBe('0'.repeat(32));
      expect(s).not.toBe('0'.repeat(16));
      traces.add(t);
      spans.add(s);
    }
    expect(traces.size).toBe(2000);
    expect(spans.size).toBe(2000);
  });

  it('as the SDK IdGenerator: a preset trace id is handed out once, then random ones again', () => {
    const ids = new PooledIds();
    const id = '4bf92f3577b34da6a3ce929d0e0e4736';
    ids.preset(id);
    expect(ids.generateTraceId()).toBe(id);
    expect(ids.generateTraceId()).not.toBe(id);
    ids.preset(id);
    ids.preset(undefined);
    expect(ids.generateTraceId()).not.toBe(id);
    expect(ids.generateSpanId()).toMatch(/^[0-9a-f]{16}$/);
  });
});
