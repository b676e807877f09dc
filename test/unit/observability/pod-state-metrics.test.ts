import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerPodStateMetrics, SNAPSHOT_HASH_DIGITS } from '../../../src/observability/pod-state-metrics.js';

describe('registerPodStateMetrics', () => {
  it('reads readiness and the live snapshot hash at scrape time', async () => {
    const registry = new Registry();
    const pod = { ready: false, hash: undefined as string | undefined };
    registerPodStateMetrics(registry, { isReady: () => pod.ready, snapshotHash: () => pod.hash });

    let text = await registry.metrics();
    expect(text).toContain('portcullis_ready 0');
    // No snapshot yet: no info series at all (not a series with an empty hash).
    expect(text).not.toMatch(/^portcullis_snapshot_info\{/m);

    pod.ready = true;
    pod.hash = 'a'.repeat(64);
    text = await registry.metrics();
    expect(text).toContain('portcullis_ready 1');
    expect(text).toContain(`portcullis_snapshot_info{hash="${'a'.repeat(SNAPSHOT_HASH_DIGITS)}"} 1`);

    // A swap replaces the series: one per pod, never the previous configuration's left behind.
    pod.hash = 'b'.repeat(64);
    text = await registry.metrics();
    expect(text.match(/^portcullis_snapshot_info\{.*$/gm)).toEqual([`portcullis_snapshot_info{hash="${'b'.repeat(SNAPSHOT_HASH_DIGITS)}"} 1`]);
  });
});
