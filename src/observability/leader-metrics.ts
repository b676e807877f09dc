import { Gauge, type Registry } from 'prom-client';

/**
 * portcullis_leader: 1 on the replica holding the status Lease, 0 on the others (controller mode
 * only; standalone has no leader). Read at scrape time from a narrow callback, so observability
 * needs nothing of status/ (docs/architecture.md#layers). Alerts: docs/observability.md#alerts.
 */
export function registerLeaderMetric(registry: Registry, isLeader: () => boolean): void {
  new Gauge({
    name: 'portcullis_leader',
    help: 'Whether this replica holds the leader Lease and writes status (1) or not (0)',
    registers: [registry],
    collect() {
      this.set(isLeader() ? 1 : 0);
    },
  });
}
