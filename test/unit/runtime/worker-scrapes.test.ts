import { afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayMetrics } from '../../../src/observability/metrics.js';
import { aggregateMetrics } from '../../../src/runtime/cluster-metrics.js';
import type { MetricsJson } from '../../../src/runtime/worker-protocol.js';
import { WorkerScrapes } from '../../../src/runtime/worker-scrapes.js';
import type { CompiledRoute } from '../../../src/snapshot/types.js';

const route = { label: 'r1' } as CompiledRoute;

async function workerMetrics(requests: number): Promise<MetricsJson> {
  const m = new GatewayMetrics({ defaultMetrics: false });
  for (let i = 0; i < requests; i++) m.observe(route, 200, 0.001);
  return (await m.registry.getMetricsAsJSON()) as MetricsJson;
}

async function requestsIn(sets: MetricsJson[]): Promise<number | undefined> {
  const text = await aggregateMetrics(sets).metrics();
  const line = text.split('\n').find((l) => l.startsWith('portcullis_requests_total{route="r1",status="200"} '));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

/** Collects with the asks recorded: [workerId, requestId]. */
function collect(scrapes: WorkerScrapes, workerIds: number[]) {
  const asked: Array<[number, number]> = [];
  const result = scrapes.collect(workerIds, (workerId, requestId) => asked.push([workerId, requestId]));
  return { asked, result };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('WorkerScrapes', () => {
  it('asks every worker and resolves once all answered, with the retired totals last', async () => {
    const scrapes = new WorkerScrapes();
    const { asked, result } = collect(scrapes, [3, 4]);
    expect(asked.map(([w]) => w)).toEqual([3, 4]);
    const [, id] = asked[0]!;
    const m3 = await workerMetrics(2);
    const m4 = await workerMetrics(5);
    scrapes.answered(4, id, m4);
    scrapes.answered(3, id, m3);
    const sets = await result;
    expect(sets).toEqual([m4, m3, []]);
    expect(await requestsIn(sets)).toBe(7);
  });

  it('with no serving worker: only the retired totals, and nobody is asked', async () => {
    const scrapes = new WorkerScrapes();
    const { asked, result } = collect(scrapes, []);
    expect(await result).toEqual([[]]);
    expect(asked).toEqual([]);
  });

  it('a worker that exits mid-scrape is no longer waited for', async () => {
    const scrapes = new WorkerScrapes();
    const { asked, result } = collect(scrapes, [1, 2]);
    const m1 = await workerMetrics(1);
    scrapes.answered(1, asked[0]![1], m1);
    scrapes.exited(2);
    expect(await result).toEqual([m1, []]);
  });

  it('a worker that does not answer is left out after the timeout; a late answer is ignored', async () => {
    vi.useFakeTimers();
    const scrapes = new WorkerScrapes();
    const { asked, result } = collect(scrapes, [1, 2]);
    const m1 = await workerMetrics(3);
    scrapes.answered(1, asked[0]![1], m1);
    vi.advanceTimersByTime(2_000);
    expect(await result).toEqual([m1, []]);
    scrapes.answered(2, asked[1]![1], await workerMetrics(9));
    // The late answer was not kept as worker 2's last scrape: its exit retires nothing.
    scrapes.exited(2);
    const next = collect(scrapes, []);
    expect(await next.result).toEqual([[]]);
  });

  it('keeps a dead worker\'s last scraped totals, so the pod total does not go down', async () => {
    const scrapes = new WorkerScrapes();
    const first = collect(scrapes, [1, 2]);
    const id = first.asked[0]![1];
    scrapes.answered(1, id, await workerMetrics(4));
    scrapes.answered(2, id, await workerMetrics(6));
    expect(await requestsIn(await first.result)).toBe(10);
    scrapes.exited(1);
    // Worker 1's replacement (id 3) starts from zero; the retired 4 keep the sum at least 10.
    const second = collect(scrapes, [2, 3]);
    const id2 = second.asked[0]![1];
    expect(id2).not.toBe(id);
    scrapes.answered(2, id2, await workerMetrics(6));
    scrapes.answered(3, id2, await workerMetrics(1));
    expect(await requestsIn(await second.result)).toBe(11);
  });
});
