import { formatDiagnostic, type Diagnostic } from '../model/diagnostics.js';
import type { ResourceSet } from '../model/resources.js';
import type { Logger } from '../observability/logger.js';
import { errorText } from '../observability/error-text.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { SnapshotStore } from '../snapshot/store.js';
import type { Snapshot } from '../snapshot/types.js';
import { hashResources, translate } from '../translate/translate.js';
import { BuildReuse } from '../translate/build-reuse.js';
import { collectStartupGarbage } from './startup-gc.js';
import type { JwksRegistry } from './jwks-registry.js';

/**
 * What one apply() did. `unchanged`: the input hashes like the live snapshot's (or, for a worker,
 * is not newer), which keeps serving. `failed`: the build threw (logged and counted); `serving` is
 * the previous snapshot, still live, if there is one.
 */
export type ApplyResult =
  | { kind: 'swapped'; snapshot: Snapshot }
  | { kind: 'unchanged'; snapshot: Snapshot }
  | { kind: 'failed'; error: Error; serving: Snapshot | undefined };

/** The snapshot serving after an apply, whatever it did. */
export function servingAfter(result: ApplyResult): Snapshot | undefined {
  return result.kind === 'failed' ? result.serving : result.snapshot;
}

export interface SnapshotApplier {
  /**
   * Translate and swap in a new snapshot. Without `version`, the next version is taken and an
   * input hashing like the live snapshot's is skipped; with it (a worker obeying its primary),
   * only a version not newer than the live one is skipped. Never throws: a failed build is logged
   * and counted, and the previous snapshot keeps serving.
   */
  apply(resources: ResourceSet, hash?: string, version?: number): ApplyResult;
}

export interface SnapshotApplierOptions {
  store: SnapshotStore;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Log each new diagnostic (once per pod: the primary, not every worker). */
  logDiagnostics: boolean;
  /** Key sets of JWKS credentials, kept across builds (docs/jwks.md#lifecycle). */
  jwks?: JwksRegistry;
  /**
   * Keep what a build's unchanged inputs gave and reuse it in the next (translate/build-reuse.ts):
   * for a source that hands unchanged objects back as the same objects (the controller).
   */
  incremental?: boolean;
}

export function createSnapshotApplier(opts: SnapshotApplierOptions): SnapshotApplier {
  const { store, metrics, logger } = opts;
  let reported = new Set<string>();
  const reuse = opts.incremental === true ? new BuildReuse() : undefined;

  const logNewDiagnostics = (snapshot: Snapshot) => {
    // Log each problem once, when it appears, not on every rebuild.
    const now = new Set(snapshot.diagnostics.map(formatDiagnostic));
    for (const d of snapshot.diagnostics) {
      const line = formatDiagnostic(d);
      if (!reported.has(line)) logger[d.severity === 'error' ? 'error' : 'warn']({ reason: d.reason }, line);
    }
    reported = now;
  };

  return {
    apply(resources, hash = hashResources(resources), version) {
      const live = store.current();
      if (live !== undefined && (version === undefined ? live.hash === hash : version <= live.version)) {
        return { kind: 'unchanged', snapshot: live };
      }
      const started = performance.now();
      let snapshot: Snapshot;
      const jwks = opts.jwks;
      try {
        jwks?.beginBuild();
        snapshot = translate(resources, version ?? (live?.version ?? 0) + 1, hash, { ...(jwks !== undefined && { jwks }), ...(reuse !== undefined && { reuse }) });
        store.swap(snapshot);
        jwks?.commitBuild();
      } catch (err) {
        jwks?.abortBuild();
        metrics.reloadFailed();
        logger.error({ err: { message: errorText(err) } }, 'snapshot build failed; the previous snapshot keeps serving');
        return { kind: 'failed', error: err instanceof Error ? err : new Error(errorText(err)), serving: live };
      }
      if (opts.logDiagnostics) logNewDiagnostics(snapshot);
      logger.info(
        {
          version: snapshot.version,
          routes: snapshot.routes.length,
          consumers: snapshot.consumers.length,
          credentials: snapshot.credentials.all.length,
          rejected: snapshot.diagnostics.filter((d) => d.severity === 'error').length,
          build_ms: Math.round((performance.now() - started) * 10) / 10,
        },
        'snapshot swapped',
      );
      if (live === undefined) {
        const gcMs = collectStartupGarbage();
        if (gcMs !== undefined) logger.debug({ gc_ms: Math.round(gcMs) }, 'collected the first build\'s garbage');
      }
      return { kind: 'swapped', snapshot };
    },
  };
}

/** For a source that could not produce a ResourceSet at all (e.g. a kong.yml that does not parse). */
export function createSourceFailureReporter(opts: Pick<SnapshotApplierOptions, 'store' | 'metrics' | 'logger'>) {
  return (diagnostics: readonly Diagnostic[]): void => {
    opts.metrics.reloadFailed();
    for (const d of diagnostics) opts.logger.error({ reason: d.reason }, formatDiagnostic(d));
    opts.logger.error(
      opts.store.current() ? 'configuration rejected; the previous snapshot keeps serving' : 'configuration rejected; nothing to serve yet',
    );
  };
}
