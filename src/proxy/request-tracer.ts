import type { TracedExchange } from '../observability/tracing/traced-exchange.js';
import type { UpstreamTarget } from '../snapshot/types.js';
import type { UpstreamDispatcher } from './h2-upstream.js';

/**
 * What the proxy calls when tracing is on (docs/tracing.md). Both are unset when it is off, so the
 * untraced request path reads one undefined field in handler.ts and one in upstream-pools.ts. The
 * implementation (src/observability/tracing/) is loaded with import() on first enable only, so the
 * OpenTelemetry packages are not in the import graph of a gateway that does not trace.
 */
export interface RequestTracer {
  /**
   * A request begins (HTTP/1.x, HTTP/2, gRPC, WebSocket handshake): `x` is the handler's Exchange,
   * read again when the response closes (route, consumer, refusal reason, upstream target).
   */
  begin(x: TracedExchange): void;
  /** The dispatcher the handler sends the request upstream with: adds the CLIENT span and traceparent. */
  readonly upstream: DispatchTracer;
}

export interface DispatchTracer {
  wrap(pool: UpstreamDispatcher, target: UpstreamTarget): UpstreamDispatcher;
}

/** What the runtime switches tracing on and off with (proxy/server.ts). */
export interface TracerSlot {
  setTracer(tracer: RequestTracer | undefined): void;
}
