import type { Socket } from 'node:net';
import { SpanKind, SpanStatusCode, type Context, type Span, type Tracer } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import type { Dispatcher } from 'undici';
import type { TracedDispatcher } from './traced-exchange.js';

/** A traced request as its upstream tries see it (otel-tracer.ts's RequestTrace). */
export interface TraceLink {
  /** Holds the SERVER span: the CLIENT spans' parent. */
  readonly context: Context;
  /** Set here: the server span reports it. */
  upstreamStatus: number;
  /** The target asked last, host:port (the WebSocket path keeps its own, not the Exchange's). */
  upstreamAddress: string | undefined;
}

/**
 * A request the sampler does not record, begun without the SDK (docs/tracing.md#cost): only its ids
 * go upstream, with a fresh parent id and the sampled flag 00, as the SDK's non-recording span would.
 */
export class UnsampledTrace {
  constructor(
    readonly traceId: string,
    /** The client's tracestate as the SDK re-serialises it; undefined: none. */
    readonly traceState: string | undefined,
  ) {}
}

/** Where the traced requests are (otel-tracer.ts's OtelRequestTracer). */
export interface TraceRegistry {
  readonly tracer: Tracer;
  /** By the client response object, which the proxy's dispatch handler holds as `res`. */
  readonly traces: WeakMap<object, TraceLink | UnsampledTrace>;
  /** A fresh span id (the upstream's parent id of an unsampled request). */
  spanId(): string;
}

/**
 * The upstream half of tracing (docs/tracing.md): each dispatch of a traced request gets a CLIENT
 * span, child of the request's SERVER span, and its traceparent/tracestate replace the client's in
 * the upstream request. Requests begun before tracing was switched on go through untouched.
 */
export class UpstreamSpans {
  readonly #wrapped = new WeakMap<TracedDispatcher, TracedDispatcher>();

  constructor(
    readonly owner: TraceRegistry,
    /** Kong's propagation.clear (lower-case names). */
    readonly clear: readonly string[],
  ) {}

  wrap(pool: TracedDispatcher, target: { host: string; port: number; origin: string }): TracedDispatcher {
    let w = this.#wrapped.get(pool);
    if (w === undefined) {
      w = {
        dispatch: (opts, handler) => this.dispatch(pool, target, opts, handler),
        close: () => pool.close(),
        destroy: () => pool.destroy(),
        get closed() {
          return pool.closed;
        },
        get destroyed() {
          return pool.destroyed;
        },
      };
      this.#wrapped.set(pool, w);
    }
    return w;
  }

  dispatch(
    pool: TracedDispatcher,
    target: { host: string; port: number; origin: string },
    opts: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandler,
  ): boolean {
    const res = (handler as { res?: object }).res;
    const t = res === undefined ? undefined : this.owner.traces.get(res);
    if (t === undefined || !Array.isArray(opts.headers)) return pool.dispatch(opts, handler);
    if (t instanceof UnsampledTrace) {
      propagateIds(opts.headers as string[], `00-${t.traceId}-${this.owner.spanId()}-00`, t.traceState, this.clear);
      return pool.dispatch(opts, handler);
    }
    const span = this.owner.tracer.startSpan(opts.method, { kind: SpanKind.CLIENT }, t.context);
    propagate(opts.headers as string[], span, this.clear);
    // Unsampled (the server span too: same trace id, same decision): ids only, no relay in between.
    if (!span.isRecording()) return pool.dispatch(opts, handler);
    t.upstreamAddress = `${target.host}:${target.port}`;
    const path = opts.path;
    const q = path.indexOf('?');
    span.setAttributes({
      [ATTR_HTTP_REQUEST_METHOD]: opts.method,
      [ATTR_SERVER_ADDRESS]: target.host,
      [ATTR_SERVER_PORT]: target.port,
      // No query: it may carry a token (docs/tracing.md#what-is-never-recorded).
      [ATTR_URL_FULL]: target.origin + (q === -1 ? path : path.slice(0, q)),
    });
    return pool.dispatch(opts, new TracedHandler(handler, span, t));
  }
}

/** Replaces traceparent/tracestate (and Kong's `clear` names) in a flat [name, value, …] list with the span's. */
export function propagate(headers: string[], span: Span, clear: readonly string[]): void {
  const sc = span.spanContext();
  const state = sc.traceState?.serialize();
  propagateIds(headers, `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 1) === 1 ? '01' : '00'}`, state, clear);
}

/** propagate() with the ids given: `traceparent` as sent, `state` the tracestate ('' or undefined: none). */
export function propagateIds(headers: string[], traceparent: string, state: string | undefined, clear: readonly string[]): void {
  let w = 0;
  const clearing = clear.length > 0;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const raw = headers[i]!;
    // Only names of traceparent's or tracestate's length are lower-cased, unless names are cleared.
    if (clearing || raw.length === 11 || raw.length === 10) {
      const name = raw.toLowerCase();
      if (name === 'traceparent' || name === 'tracestate' || (clearing && clear.includes(name))) continue;
    }
    headers[w++] = headers[i]!;
    headers[w++] = headers[i + 1]!;
  }
  headers.length = w;
  headers.push('traceparent', traceparent);
  if (state !== undefined && state !== '') headers.push('tracestate', state);
}

/** undici's raw handler protocol, passed through to the proxy's handler; ends the CLIENT span. */
class TracedHandler implements Dispatcher.DispatchHandler {
  #done = false;

  constructor(
    readonly inner: Dispatcher.DispatchHandler,
    readonly span: Span,
    readonly trace: TraceLink,
  ) {}

  onConnect(abort: (err?: Error) => void, context?: object): void {
    (this.inner.onConnect as (a: typeof abort, c?: object) => void)(abort, context);
  }

  onBodySent(chunkSize: number, totalBytesSent: number): void {
    this.inner.onBodySent?.(chunkSize, totalBytesSent);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode >= 200) this.trace.upstreamStatus = statusCode;
    return this.inner.onHeaders!(statusCode, rawHeaders, resume, statusText);
  }

  onData(chunk: Buffer): boolean {
    return this.inner.onData!(chunk);
  }

  onComplete(trailers: string[] | null): void {
    this.#end(undefined);
    this.inner.onComplete!(trailers);
  }

  onError(err: Error): void {
    this.#end(err);
    this.inner.onError!(err);
  }

  onUpgrade(statusCode: number, rawHeaders: Buffer[] | string[] | null, socket: Socket): void {
    this.trace.upstreamStatus = statusCode;
    this.#end(undefined);
    (this.inner.onUpgrade as (s: number, h: typeof rawHeaders, so: Socket) => void)(statusCode, rawHeaders, socket);
  }

  #end(err: Error | undefined): void {
    if (this.#done) return;
    this.#done = true;
    const span = this.span;
    if (!span.isRecording()) return;
    const status = this.trace.upstreamStatus;
    if (status !== 0) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (err !== undefined) {
      span.setAttribute(ATTR_ERROR_TYPE, (err as NodeJS.ErrnoException).code ?? err.name);
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
    } else if (status >= 500) {
      span.setAttribute(ATTR_ERROR_TYPE, String(status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  }
}
