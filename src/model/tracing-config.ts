/**
 * How the gateway exports OpenTelemetry traces (docs/tracing.md): from the --otel-* flags (and the
 * standard OTEL_* variables), or from kong.yml's global `opentelemetry` plugin. A plain object, so
 * it crosses the worker IPC (options, ResourceSet) as JSON.
 */

/** The OTEL_TRACES_SAMPLER values; the `*traceidratio` ones use `ratio`. */
export const TRACE_SAMPLERS = [
  'parentbased_traceidratio',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'always_on',
  'always_off',
] as const;
export type TraceSampler = (typeof TRACE_SAMPLERS)[number];

export interface TracingSettings {
  /** OTLP/HTTP traces URL, e.g. http://collector:4318/v1/traces. */
  endpoint: string;
  /** Sent with every export (an APM token: never logged or shown). */
  headers: Record<string, string>;
  /** Added to the OpenTelemetry resource; service.name here wins over `serviceName`. */
  resourceAttributes: Record<string, string>;
  serviceName: string;
  sampler: TraceSampler;
  /** 0..1, for the traceidratio samplers. */
  ratio: number;
  /** Spans per export request (Kong's batch_span_count / queue.max_batch_size). */
  maxBatchSize: number;
  /** Longest a finished span waits before its batch is sent, ms (Kong's batch_flush_delay / queue.max_coalescing_delay). */
  flushDelayMs: number;
  /** Spans kept while the receiver is slow or away; past it new spans are dropped. */
  maxQueueSize: number;
  /** One export request's deadline, ms. */
  exportTimeoutMs: number;
  /** Kong's http_response_header_for_traceid: a response header carrying the trace id. */
  traceIdResponseHeader?: string;
  /** Kong's propagation.clear: request headers removed before the upstream request (lower-case). */
  clearHeaders?: string[];
  /** Where the settings come from ("--otel-endpoint", "kong.yml plugins[0]"), for logs. */
  source: string;
}

/** Defaults shared by the flags and the kong.yml plugin (Kong's own where it has one). */
export const TRACING_DEFAULTS = {
  serviceName: 'portcullis',
  sampler: 'parentbased_traceidratio',
  ratio: 1,
  maxBatchSize: 200,
  flushDelayMs: 1000,
  maxQueueSize: 2048,
  exportTimeoutMs: 10_000,
} as const satisfies Partial<TracingSettings>;

/** Same exporter, sampler and resource: no need to rebuild the tracer on a reload. */
export function sameTracingSettings(a: TracingSettings | undefined, b: TracingSettings | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** The endpoint as logs may show it: no userinfo, no query (either may carry a credential). */
export function endpointForLogs(endpoint: string): string {
  try {
    const u = new URL(endpoint);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
