import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../../../src/observability/metrics.js';
import { aggregateMetrics, registerWorkerMetrics, retireWorkerMetrics } from '../../../src/runtime/cluster-metrics.js';
import type { MetricsJson } from '../../../src/runtime/worker-protocol.js';
import { SnapshotStore } from '../../../src/snapshot/store.js';
import type { CompiledRoute } from '../../../src/snapshot/types.js';

const route = { label: 'r1' } as CompiledRoute;

async function processMetrics(requests: number, version: number, reloads: number, slot?: number): Promise<MetricsJson> {
  const m = new GatewayMetrics({ defaultMetrics: false });
  for (let i = 0; i < requests; i++) m.observe(route, 200, 0.001);
  m.snapshotVersion.set(version);
  m.snapshotReloads.inc(reloads);
  if (slot !== undefined) {
    const store = new SnapshotStore();
    registerWorkerMetrics(m, store, slot);
  }
  return (await m.registry.getMetricsAsJSON()) as MetricsJson;
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('cluster metrics aggregation', () => {
  it('sums request counters and histograms, takes the max of per-pod snapshot facts', async () => {
    const primary = await processMetrics(0, 4, 4);
    const w1 = await processMetrics(3, 4, 2, 1);
    const w2 = await processMetrics(5, 3, 1, 2);
    const text = await aggregateMetrics([primary, w1, w2]).metrics();
    expect(sample(text, 'portcullis_requests_total{route="r1",status="200"}')).toBe(8);
    expect(sample(text, 'portcullis_request_duration_seconds_count{route="r1"}')).toBe(8);
    expect(sample(text, 'portcullis_request_duration_seconds_bucket{le="0.001",route="r1"}')).toBe(8);
    expect(sample(text, 'portcullis_snapshot_version')).toBe(4);
    expect(sample(text, 'portcullis_snapshot_reloads_total')).toBe(4);
    // Per-worker series stay apart (their labels differ).
    expect(sample(text, `portcullis_worker_requests_total{worker="1",pid="${process.pid}"}`)).toBe(3);
    expect(sample(text, `portcullis_worker_requests_total{worker="2",pid="${process.pid}"}`)).toBe(5);
  });

  it('keeps a dead worker’s counters so the pod total never goes down', async () => {
    const primary = await processMetrics(0, 2, 2);
    const dead1 = await processMetrics(7, 2, 2, 1);
    const dead2 = await processMetrics(4, 2, 2, 1);
    let retired = retireWorkerMetrics([], dead1);
    retired = retireWorkerMetrics(retired, dead2);
    expect(retired.map((m) => m.name)).not.toContain('portcullis_snapshot_version');
    expect(retired.map((m) => m.name)).not.toContain('portcullis_worker_requests_total');
    const fresh = await processMetrics(1, 2, 1, 1);
    const text = await aggregateMetrics([primary, fresh, retired]).metrics();
    expect(sample(text, 'portcullis_requests_total{route="r1",status="200"}')).toBe(12);
    expect(sample(text, 'portcullis_request_duration_seconds_count{route="r1"}')).toBe(12);
    expect(sample(text, 'portcullis_snapshot_version')).toBe(2);
  });
});
