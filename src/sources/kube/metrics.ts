import { Counter, Gauge, type Registry } from 'prom-client';
import type { WatchStats } from './watcher.js';

/**
 * The controller's view of the API server as Prometheus metrics: how often each watched type was
 * listed again and why, how its watch streams ended, the events that reached the cache, and how
 * many objects it holds. A climbing `portcullis_kube_list_failures_total` or watch `error` count is
 * what an operator alerts on (RBAC broken, API server unreachable); `stalled` means a connection
 * went silent (a middlebox dropped it) and was replaced; `closed` is the normal end.
 */
export function kubeWatchMetrics(registry: Registry): WatchStats & { rebuilt(): void } {
  const registers = [registry];
  const relists = new Counter({ name: 'portcullis_kube_relists_total', help: 'Full lists of a watched type, by reason (initial, gone = 410 expired, resync)', labelNames: ['resource', 'reason'], registers });
  const listFailures = new Counter({ name: 'portcullis_kube_list_failures_total', help: 'Lists of a watched type that failed (retried with backoff)', labelNames: ['resource'], registers });
  const watchEnds = new Counter({ name: 'portcullis_kube_watch_ends_total', help: 'Watch streams that ended, by how (closed = server timeout, error, gone, resync, stalled = silent past the idle timeout)', labelNames: ['resource', 'end'], registers });
  const events = new Counter({ name: 'portcullis_kube_watch_events_total', help: 'Watch events applied to the cache, by type', labelNames: ['resource', 'type'], registers });
  // A status write of ours must not move this (docs/controller-scale.md#status-writes).
  const rebuilds = new Counter({ name: 'portcullis_kube_rebuilds_total', help: 'Snapshot builds from the watch cache (a change the gateway reads; coalesced)', registers });
  const objects = new Gauge({ name: 'portcullis_kube_objects', help: 'Objects in the watch cache, by type', labelNames: ['resource'], registers, aggregator: 'max' });
  return {
    rebuilt() {
      rebuilds.inc();
    },
    relisted(resource, reason, count) {
      relists.labels(resource, reason).inc();
      objects.labels(resource).set(count);
    },
    listFailed(resource) {
      listFailures.labels(resource).inc();
    },
    watchEnded(resource, end) {
      watchEnds.labels(resource, end).inc();
    },
    event(resource, type, count) {
      events.labels(resource, type).inc();
      objects.labels(resource).set(count);
    },
  };
}
