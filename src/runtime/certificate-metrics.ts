import { Gauge, type Registry } from 'prom-client';
import type { SnapshotStore } from '../snapshot/store.js';

/**
 * portcullis_tls_certificate_expiry_timestamp_seconds{sni,source}: notAfter of the certificate
 * each SNI is served with, read from the live snapshot at scrape time (docs/tls.md#metrics).
 * Every process holding the snapshot reports the same values: the primary folds them with max.
 */
export function registerCertificateMetrics(registry: Registry, store: SnapshotStore): void {
  new Gauge({
    name: 'portcullis_tls_certificate_expiry_timestamp_seconds',
    help: 'When the certificate served for each SNI expires (notAfter, seconds since the epoch)',
    labelNames: ['sni', 'source'],
    aggregator: 'max',
    registers: [registry],
    collect() {
      this.reset();
      for (const cert of store.current()?.tls?.all ?? []) {
        for (const sni of cert.snis) this.set({ sni, source: cert.source }, cert.notAfter);
      }
    },
  });
}
