import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';

// What tracing reads of a request and of the upstream dispatch, as structural types: observability
// sits below proxy/ in the layers (docs/architecture.md#layers); the proxy's Exchange, its
// UpstreamDispatcher and ForwardHandler satisfy these without either side importing the other.

/** The proxy's Exchange (src/proxy/handler.ts) as the server span reads it, at begin and at close. */
export interface TracedExchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  /** Host header without port. */
  readonly host: string;
  readonly rawPath: string;
  readonly requestId: string;
  readonly tls: boolean;
  /** HTTP/2 request: its headers' HTTP/1.1 view; null on HTTP/1.x. */
  readonly h2Headers: string[] | null;
  readonly peer: string | undefined;
  readonly realIp: string | undefined;
  readonly route: { readonly label: string; readonly id?: string; readonly auth?: unknown } | undefined;
  readonly consumer: { readonly id: string; readonly username?: string } | undefined;
  /** The refusal reason code (src/model/refusal-reasons.ts), when the gateway refused. */
  readonly reason: string | undefined;
  readonly target: { readonly host: string; readonly port: number; readonly origin: string } | undefined;
  /** The upstream request's headers, flat (x-anonymous-consumer tells an anonymous consumer). */
  readonly headers: string[];
}

/** An upstream connection pool (undici Pool or the gRPC H2Upstream). */
export interface TracedDispatcher {
  dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean;
  close(): Promise<void>;
  destroy(): Promise<void>;
  readonly closed: boolean;
  readonly destroyed: boolean;
}
