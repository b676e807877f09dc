import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { SnapshotStore } from '../snapshot/store.js';
import type { MetricsJson } from './worker-protocol.js';

/**
 * The primary's registry: /metrics shows its own metrics folded together with every serving
 * worker's, combined by each metric's `aggregator` (prom-client's AggregatorRegistry.aggregate).
 * Collection goes over our own IPC (not prom-client's clusterMetrics) so a worker that is starting
 * or just died is left out instead of failing the whole scrape.
 */
export class ClusterMetricsRegistry extends Registry {
  /** `collectWorkers`: the serving workers' metrics, plus the retired totals of dead ones. */
  constructor(private readonly collectWorkers: () => Promise<MetricsJson[]>) {
    super();
  }

  override async metrics(): Promise<string> {
    const own = (await this.getMetricsAsJSON()) as MetricsJson;
    return aggregateMetrics([own, ...(await this.collectWorkers())]).metrics();
  }
}

/** Combine registries' JSON (the first decides each metric's aggregator). */
export function aggregateMetrics(sets: MetricsJson[]): Registry {
  return AggregatorRegistry.aggregate(sets);
}

/**
 * Per-worker series, labelled by slot and pid, registered in each worker: which snapshot version
 * it serves (reload convergence) and how many requests it handled (balance). The request count
 * is read from the worker's own request counter at scrape time, so the hot path pays nothing.
 */
export function registerWorkerMetrics(metrics: GatewayMetrics, store: SnapshotStore, slot: number): void {
  const labels = { worker: String(slot), pid: String(process.pid) };
  const registers = [metrics.registry];
  const version = new Gauge({
    name: 'portcullis_worker_snapshot_version',
    help: 'Snapshot version each proxy worker serves',
    labelNames: ['worker', 'pid'],
    registers,
  });
  const sync = () => {
    const cur = store.current();
    if (cur) version.set(labels, cur.version);
  };
  sync();
  store.onSwap(sync);
  const requests = metrics.requests;
  new Counter({
    name: 'portcullis_worker_requests_total',
    help: 'Requests handled by each proxy worker',
    labelNames: ['worker', 'pid'],
    registers,
    async collect() {
      const { values } = await requests.get();
      this.reset();
      this.inc(labels, values.reduce((sum, v) => sum + v.value, 0));
    },
  });
}

/** Cumulative types a dead worker's totals are kept for; gauges describe the living only. */
const CUMULATIVE = new Set(['counter', 'histogram']);
const PER_WORKER_PREFIX = 'portcullis_worker_';

/**
 * Fold a dead worker's last scraped counters and histograms into `retired`, which the primary
 * keeps adding to the live workers' values. Without it a worker restart would make the pod's
 * summed counters go down, which Prometheus reads as a reset of the whole pod's counter.
 * (Requests counted between that last scrape and the death are lost; the sum stays monotonic.)
 */
export function retireWorkerMetrics(retired: MetricsJson, dead: MetricsJson): MetricsJson {
  const keep = dead.filter((m) => CUMULATIVE.has(String(m.type)) && !m.name.startsWith(PER_WORKER_PREFIX));
  if (retired.length === 0) return keep;
  return aggregateMetricsJson([retired, keep]);
}

function aggregateMetricsJson(sets: MetricsJson[]): MetricsJson {
  // aggregate() builds metric wrappers whose get() returns the combined values synchronously.
  const reg = aggregateMetrics(sets) as unknown as { getMetricsAsArray(): Array<{ get(): MetricsJson[number] }> };
  return reg.getMetricsAsArray().map((m) => m.get());
}
