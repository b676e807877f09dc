import type { ObservedRoute } from './observed.js';
import { redactPath, redactQuery, redactedParams, redactedParamsAll } from './logger.js';

/** One request the gateway refused, as the status page shows it (docs/status-page.md). */
export interface RejectionEntry {
  /** Milliseconds since the epoch. */
  at: number;
  status: number;
  /** The refusal reason code (src/model/refusal-reasons.ts), as in the access log. */
  reason: string;
  method: string;
  /** Path and query with tokens redacted exactly as the access log does; cut to MAX_TARGET characters. */
  target: string;
  route: string | undefined;
  consumer: string | undefined;
  requestId: string;
}

/** What the proxy hands over for a refused request (raw: redaction happens here, off the success path). */
export interface RejectionInput {
  status: number;
  reason: string;
  method: string;
  rawPath: string;
  rawQuery: string;
  route: ObservedRoute | undefined;
  consumer: { id: string; username?: string } | undefined;
  requestId: string;
  /** Every route of the live snapshot: their uri_param_names are redacted whatever route matched. */
  allRoutes: readonly ObservedRoute[] | undefined;
}

/** The proxy's side: only refused requests are recorded (the handler checks its reason first). */
export interface RejectionRecorder {
  record(e: RejectionInput): void;
}

export const DEFAULT_REJECTIONS = 50;
const MAX_TARGET = 200;
const MAX_FIELD = 100;

/**
 * A fixed-size ring of the last refused requests of this process. Never holds a token: the target
 * is redacted on the way in with the access log's rules, and no header is kept.
 */
export class RejectionLog implements RejectionRecorder {
  readonly #ring: (RejectionEntry | undefined)[];
  #next = 0;
  #total = 0;

  constructor(
    readonly capacity = DEFAULT_REJECTIONS,
    private readonly now: () => number = Date.now,
  ) {
    this.#ring = new Array<RejectionEntry | undefined>(capacity).fill(undefined);
  }

  record(e: RejectionInput): void {
    if (this.capacity === 0) return;
    this.#ring[this.#next] = {
      at: this.now(),
      status: e.status,
      reason: cut(e.reason, MAX_FIELD),
      method: cut(e.method, MAX_FIELD),
      target: cut(redactedTarget(e.rawPath, e.rawQuery, e.route, e.allRoutes), MAX_TARGET),
      route: e.route?.label,
      consumer: e.consumer === undefined ? undefined : e.consumer.username ?? e.consumer.id,
      requestId: cut(e.requestId, MAX_FIELD),
    };
    this.#next = (this.#next + 1) % this.capacity;
    this.#total++;
  }

  /** Refusals recorded since start (also those the ring no longer holds). */
  get total(): number {
    return this.#total;
  }

  /** The entries held, newest first. */
  list(): RejectionEntry[] {
    const out: RejectionEntry[] = [];
    for (let i = 1; i <= this.capacity; i++) {
      const e = this.#ring[(this.#next - i + this.capacity) % this.capacity];
      if (e === undefined) break;
      out.push(e);
    }
    return out;
  }
}

/** The access log's `path` field (docs/access-log.md): JWT-shaped segments and token parameters redacted. */
export function redactedTarget(rawPath: string, rawQuery: string, route: ObservedRoute | undefined, allRoutes: readonly ObservedRoute[] | undefined): string {
  const path = redactPath(rawPath);
  if (rawQuery === '') return path;
  return `${path}?${redactQuery(rawQuery, allRoutes ? redactedParamsAll(allRoutes) : redactedParams(route))}`;
}

/** Cut after whole UTF-16 units; "…" marks the cut (a redacted target stays redacted: only its tail goes). */
function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
