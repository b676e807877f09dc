import type { Registry } from 'prom-client';
import type { ResourceSet } from '../model/resources.js';
import type { Logger } from '../observability/logger.js';
import type { RejectionEntry, RejectionLog } from '../observability/rejections.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { SnapshotStore } from '../snapshot/store.js';
import type { Readiness } from '../health/readiness.js';
import type { GatewayOptions } from './options.js';
import type { ApplyResult } from './snapshot-applier.js';

/** What the runtime core hands its placement once the store, metrics and readiness exist. */
export interface PlacementContext {
  gateway: GatewayOptions;
  store: SnapshotStore;
  metrics: GatewayMetrics;
  readiness: Readiness;
  logger: Logger;
  /** The status page's last refused requests, fed by an in-process proxy (docs/status-page.md). */
  rejections: RejectionLog;
  /** The pod's verified-token cache budget (token-cache.ts). */
  podTokenCacheBytes: number;
  /** Stop the whole gateway, e.g. when the proxy port is taken. */
  shutdown(reason: string, exitCode: number): void;
}

/**
 * Where the proxy runs: in this process (in-process-placement.ts) or in `--workers N` worker
 * processes (worker-placement.ts). Setup, apply, shutdown and signals are the core's (core.ts);
 * a placement only says how the proxy starts, hears of snapshots, and stops.
 */
export interface ProxyPlacement {
  /** Bindings on every log line of this process (the cluster primary's `role`). */
  readonly logBindings: Record<string, string> | undefined;
  /** The registry /metrics serves; undefined: this process's own. */
  readonly registry: Registry | undefined;
  /** The start line and the two shutdown lines, which say where the proxy is. */
  readonly messages: { listening: string; delay: string; drain: string };
  /** How much of the pod's token cache budget this process's cache holds. */
  tokenCacheBudget(podBytes: number): number;
  /** The last refused requests of every process that proxies, newest first (the status page). */
  rejections(): Promise<RejectionEntry[]>;
  /** Wire up before any listener opens. */
  prepare(ctx: PlacementContext): void;
  /** Start serving proxy traffic (the admin and status listeners are up); resolves to the start line's fields. */
  start(): Promise<Record<string, unknown>>;
  /** After every apply (whatever it did). */
  applied(result: ApplyResult, resources: ResourceSet, hash: string): void;
  /** The shutdown delay began: answer with `connection: close` from now on. */
  endKeepAlive(): void;
  /** Stop accepting, drain in-flight requests, run `beforeClose` at the moment this placement needs it. */
  drain(beforeClose: () => Promise<void>): Promise<void>;
}
