import { Counter, Gauge, type Registry } from 'prom-client';

/** One JWKS provider's counts, read at scrape time (docs/jwks.md#metrics). */
export interface JwksProviderStats {
  /** Issuer or JWKS URL without credentials or query; "inline:<hash>" for inline key sets. */
  readonly label: string;
  /** Fetch attempts by `${trigger}\u0000${outcome}`: trigger start|scheduled|retry|unknown_kid, outcome updated|unchanged|failed. */
  readonly fetches: ReadonlyMap<string, number>;
  /** Failed fetches by reason (jwks-fetch.ts JwksFailureReason). */
  readonly failures: ReadonlyMap<string, number>;
  /** Seconds since the key set in use was fetched; undefined = none in use. */
  keySetAgeSeconds(): number | undefined;
}

export interface JwksStatsSource {
  providers(): Iterable<JwksProviderStats>;
}

/**
 * The JWKS registry's providers on `registry`. Fetch and failure counts sum across a pod's
 * processes (each process fetches on its own, docs/jwks.md#workers); the key set age takes the
 * max, the oldest key set any process uses. A provider no snapshot uses any more leaves the series.
 */
export function registerJwksMetrics(registry: Registry, source: JwksStatsSource): void {
  const registers = [registry];
  new Counter({
    name: 'portcullis_jwks_fetches_total',
    help: 'JWKS (and OIDC discovery) fetch attempts by provider, trigger and outcome',
    labelNames: ['provider', 'trigger', 'outcome'],
    registers,
    collect() {
      this.reset();
      for (const p of source.providers()) {
        for (const [key, n] of p.fetches) {
          const [trigger, outcome] = key.split('\u0000') as [string, string];
          this.inc({ provider: p.label, trigger, outcome }, n);
        }
      }
    },
  });
  new Counter({
    name: 'portcullis_jwks_fetch_failures_total',
    help: 'Failed JWKS fetches by provider and reason',
    labelNames: ['provider', 'reason'],
    registers,
    collect() {
      this.reset();
      for (const p of source.providers()) for (const [reason, n] of p.failures) this.inc({ provider: p.label, reason }, n);
    },
  });
  new Gauge({
    name: 'portcullis_jwks_key_set_age_seconds',
    help: 'Seconds since the key set in use was fetched, by provider (absent: no usable key set)',
    labelNames: ['provider'],
    aggregator: 'max',
    registers,
    collect() {
      this.reset();
      for (const p of source.providers()) {
        const age = p.keySetAgeSeconds();
        if (age !== undefined) this.set({ provider: p.label }, age);
      }
    },
  });
}
