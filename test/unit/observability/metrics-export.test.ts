import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { GatewayMetrics, LATENCY_BUCKETS } from '../../../src/observability/metrics.js';
import { RouteLatencyHistogram } from '../../../src/observability/latency-histogram.js';
import type { CompiledRoute } from '../../../src/snapshot/types.js';

const route = (label: string) => ({ label }) as unknown as CompiledRoute;
const lines = (text: string) => text.split('\n').filter((l) => l !== '').sort();

describe('RouteLatencyHistogram', () => {
  it('exports exactly what prom-client Histogram exports for the same observations', async () => {
    const observations: Array<[string, number]> = [
      ['a', 0.0001], ['a', 0.0002], ['a', 0.00021], ['b', 3], ['a', 31], ['c"q', 0.01], ['b', 0],
    ];
    const ref = new Registry();
    const h = new Histogram({ name: 'x_seconds', help: 'h', labelNames: ['route'], buckets: LATENCY_BUCKETS, registers: [ref] });
    const mine = new RouteLatencyHistogram('x_seconds', 'h', 'route', LATENCY_BUCKETS);
    const reg = new Registry();
    reg.registerMetric(mine as never);
    for (const [label, v] of observations) {
      h.labels(label).observe(v);
      mine.series(label).observe(v);
    }
    mine.series('never-observed');
    expect(lines(await reg.metrics())).toEqual(lines(await ref.metrics()));
    const json = (await reg.getMetricsAsJSON())[0]!.values.map((v) => ({ ...v, exemplar: undefined }));
    const refJson = (await ref.getMetricsAsJSON())[0]!.values.map((v) => ({ ...v, exemplar: undefined }));
    expect(json).toEqual(expect.arrayContaining(refJson));
    expect(json).toHaveLength(refJson.length);
  });
});

describe('GatewayMetrics', () => {
  it('counts requests per route label and status, across routes sharing a label and repeated scrapes', async () => {
    const m = new GatewayMetrics({ defaultMetrics: false });
    const r1 = route('r1');
    const r1Again = route('r1'); // the same route in a newer snapshot
    m.observe(r1, 200, 0.0003);
    m.observe(r1Again, 200, 0.0004);
    m.observe(undefined, 404, 0.001);
    const first = await m.registry.metrics();
    expect(first).toContain('portcullis_requests_total{route="r1",status="200"} 2');
    expect(first).toContain('portcullis_requests_total{route="(none)",status="404"} 1');
    m.observe(r1, 200, 0.0003);
    m.observe(r1, 502, 0.0003);
    const second = await m.registry.metrics();
    expect(second).toContain('portcullis_requests_total{route="r1",status="200"} 3');
    expect(second).toContain('portcullis_requests_total{route="r1",status="502"} 1');
    expect(second).toContain('portcullis_request_duration_seconds_count{route="r1"} 4');
    expect(second).toContain('portcullis_request_duration_seconds_bucket{le="0.0005",route="r1"} 4');
    // Alternating statuses on one route (the per-route last-status shortcut must not mix counters).
    for (const status of [200, 401, 401, 200, 502, 200]) m.observe(r1, status, 0.0003);
    const third = await m.registry.metrics();
    expect(third).toContain('portcullis_requests_total{route="r1",status="200"} 6');
    expect(third).toContain('portcullis_requests_total{route="r1",status="401"} 2');
    expect(third).toContain('portcullis_requests_total{route="r1",status="502"} 2');
  });
});
