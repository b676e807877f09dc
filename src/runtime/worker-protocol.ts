import type { ResourceSet } from '../model/resources.js';
import type { RejectionEntry } from '../observability/rejections.js';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';

/**
 * IPC between the cluster primary and its proxy workers. Every message carries `t` with a
 * `portcullis:` prefix so it cannot be confused with node:cluster's or prom-client's own messages.
 */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** Primary → worker. */
export type ToWorker =
  /** A ResourceSet the primary accepted; `version` is assigned by the primary so all processes agree. */
  | { t: 'portcullis:apply'; resources: ResourceSet; hash: string; version: number }
  /** Shutdown delay: keep accepting, answer with `connection: close` until `drain`. */
  | { t: 'portcullis:end-keep-alive' }
  /** Stop accepting, finish in-flight requests, exit. */
  | { t: 'portcullis:drain' }
  | { t: 'portcullis:metrics-request'; id: number }
  /** The status page: the worker's last refused requests (docs/status-page.md#workers). */
  | { t: 'portcullis:rejections-request'; id: number };

/** Worker → primary. */
export type FromWorker =
  /** The worker's message handler is installed: send it the current ResourceSet. */
  | { t: 'portcullis:hello' }
  | { t: 'portcullis:applied'; version: number }
  | { t: 'portcullis:apply-failed'; version: number; message: string }
  /** The proxy listener is up (only ever after the first snapshot is live). */
  | { t: 'portcullis:listening' }
  | { t: 'portcullis:listen-failed'; message: string }
  | { t: 'portcullis:metrics'; id: number; metrics: MetricsJson }
  | { t: 'portcullis:rejections'; id: number; entries: RejectionEntry[] };

const TO_WORKER = new Set<string>(['portcullis:apply', 'portcullis:end-keep-alive', 'portcullis:drain', 'portcullis:metrics-request', 'portcullis:rejections-request']);
const FROM_WORKER = new Set<string>([
  'portcullis:hello',
  'portcullis:applied',
  'portcullis:apply-failed',
  'portcullis:listening',
  'portcullis:listen-failed',
  'portcullis:metrics',
  'portcullis:rejections',
]);

function tagOf(msg: unknown): string | undefined {
  if (typeof msg !== 'object' || msg === null) return undefined;
  const t = (msg as { t?: unknown }).t;
  return typeof t === 'string' ? t : undefined;
}

export function isToWorker(msg: unknown): msg is ToWorker {
  const t = tagOf(msg);
  return t !== undefined && TO_WORKER.has(t);
}

export function isFromWorker(msg: unknown): msg is FromWorker {
  const t = tagOf(msg);
  return t !== undefined && FROM_WORKER.has(t);
}

/** Environment variables through which the primary hands a worker its settings. */
export const WORKER_ENV = { slot: 'PORTCULLIS_WORKER_SLOT', options: 'PORTCULLIS_WORKER_OPTIONS' } as const;
