import { Gauge, type Registry } from 'prom-client';

/** What the pod-level series read, at scrape time only (nothing on the request path). */
export interface PodState {
  /** What /readyz answers (true = 200). */
  isReady(): boolean;
  /** Content hash of the live snapshot's inputs (the admin API's /status `snapshot.hash`). */
  snapshotHash(): string | undefined;
}

/** Hex digits of the hash kept in the label: enough to tell configurations apart, short in legends. */
export const SNAPSHOT_HASH_DIGITS = 16;

/**
 * portcullis_ready (1 while /readyz is 200) and portcullis_snapshot_info{hash} (1, labelled with
 * the live snapshot's content hash). Snapshot versions are per-process counters, so pods serving
 * the same configuration can report different versions; the hash is equal exactly when the inputs
 * are (docs/observability.md#snapshot-divergence). Registered once per pod, in the process that
 * owns readiness (the primary with --workers).
 */
export function registerPodStateMetrics(registry: Registry, pod: PodState): void {
  const registers = [registry];
  new Gauge({
    name: 'portcullis_ready',
    help: 'Whether the pod answers /readyz with 200 (1) or not (0)',
    registers,
    collect() {
      this.set(pod.isReady() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'portcullis_snapshot_info',
    help: 'The live snapshot, labelled with the first digits of its content hash (equal on pods serving the same configuration)',
    labelNames: ['hash'],
    registers,
    collect() {
      this.reset();
      const hash = pod.snapshotHash();
      if (hash !== undefined) this.set({ hash: hash.slice(0, SNAPSHOT_HASH_DIGITS) }, 1);
    },
  });
}
