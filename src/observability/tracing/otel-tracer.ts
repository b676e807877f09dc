import os from 'node:os';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { TraceState, W3CTraceContextPropagator, parseTraceParent, setGlobalErrorHandler } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import type { TracingSettings } from '../../model/tracing-config.js';
import { CLAIMS_REFUSALS, JWT_REFUSALS } from '../../model/refusal-reasons.js';
import { PooledIds } from './fast-ids.js';
import { LazyOtlpExporter } from './lazy-exporter.js';
import { sampleDecisionOf, type SampleDecision } from './sample-decision.js';
import type { TracedDispatcher, TracedExchange } from './traced-exchange.js';
import { UnsampledTrace, UpstreamSpans } from './upstream-span.js';

/**
 * OpenTelemetry tracing of proxied requests (docs/tracing.md): one SERVER span per request, a
 * CLIENT child per upstream try (upstream-span.ts), W3C traceparent/tracestate taken from the
 * client and sent upstream, batched OTLP/HTTP export. Loaded with import() only when tracing is
 * configured (src/runtime/tracing-control.ts), so a gateway that does not trace never loads it.
 */

/** Status recorded when the client left before a response (as the access log's, nginx's 499). */
const CLIENT_CLOSED = 499;
const AUTH_REFUSALS: ReadonlySet<string> = new Set([...Object.keys(JWT_REFUSALS), ...Object.keys(CLAIMS_REFUSALS)]);

export interface TracerHooks {
  /** An export or SDK failure (receiver down …); the message never carries the export headers. */
  onError(message: string): void;
}

/** The proxy's RequestTracer (src/proxy/request-tracer.ts), plus flushing on shutdown. */
export interface LoadedTracer {
  begin(x: TracedExchange): void;
  readonly upstream: { wrap(pool: TracedDispatcher, target: { host: string; port: number; origin: string }): TracedDispatcher };
  /** Export what is buffered, then stop. */
  shutdown(): Promise<void>;
}

export function createOtelTracer(settings: TracingSettings, hooks: TracerHooks): LoadedTracer {
  setGlobalErrorHandler((err) => hooks.onError(err instanceof Error ? err.message : String(err)));
  const ids = new PooledIds();
  const exporter = new LazyOtlpExporter({ url: settings.endpoint, headers: { ...settings.headers }, timeoutMillis: settings.exportTimeoutMs });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: settings.serviceName,
      // Each process exports its own spans (--workers N: one instance per worker).
      'service.instance.id': `${os.hostname()}/${process.pid}`,
      ...settings.resourceAttributes,
    }),
    sampler: samplerOf(settings),
    idGenerator: ids,
    spanProcessors: [
      new BatchSpanProcessor(exporter, {
        maxExportBatchSize: settings.maxBatchSize,
        scheduledDelayMillis: settings.flushDelayMs,
        maxQueueSize: Math.max(settings.maxQueueSize, settings.maxBatchSize),
        exportTimeoutMillis: settings.exportTimeoutMs,
      }),
    ],
  });
  return new OtelRequestTracer(provider, settings, ids);
}

export function samplerOf(s: Pick<TracingSettings, 'sampler' | 'ratio'>): Sampler {
  switch (s.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(s.ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(s.ratio) });
  }
}

/** One request's server span, found again by its response when the upstream is asked. */
export class RequestTrace {
  /** The upstream's status (101 for a WebSocket that switched), for the server span. */
  upstreamStatus = 0;
  upstreamAddress: string | undefined = undefined;
  readonly context: Context;

  constructor(
    readonly tracer: OtelRequestTracer,
    readonly span: Span,
    readonly x: TracedExchange,
  ) {
    this.context = trace.setSpan(ROOT_CONTEXT, span);
  }

  /** res 'close' (socket 'close' for an upgrade): the request is over. */
  end(): void {
    const x = this.x;
    const res = x.res;
    const status = this.upstreamStatus === 101 ? 101 : res.headersSent ? res.statusCode : CLIENT_CLOSED;
    const span = this.span;
    const attrs: Attributes = {
      [ATTR_HTTP_REQUEST_METHOD]: x.method,
      [ATTR_URL_PATH]: x.rawPath,
      [ATTR_URL_SCHEME]: x.tls ? 'https' : 'http',
      [ATTR_SERVER_ADDRESS]: x.host,
      [ATTR_NETWORK_PROTOCOL_VERSION]: x.h2Headers === null ? x.req.httpVersion : '2',
      [ATTR_HTTP_RESPONSE_STATUS_CODE]: status,
      'portcullis.request_id': x.requestId,
    };
    const client = x.realIp ?? x.peer;
    if (client !== undefined) attrs[ATTR_CLIENT_ADDRESS] = client;
    const ua = x.req.headers['user-agent'];
    if (typeof ua === 'string') attrs[ATTR_USER_AGENT_ORIGINAL] = ua;
    const route = x.route;
    if (route !== undefined) {
      attrs['portcullis.route'] = route.label;
      if (route.id !== undefined) attrs['portcullis.route_id'] = route.id;
      span.updateName(`${x.method} ${route.label}`);
    }
    const consumer = x.consumer;
    if (consumer !== undefined) {
      attrs['portcullis.consumer'] = consumer.username ?? consumer.id;
      attrs['portcullis.consumer_id'] = consumer.id;
    }
    const auth = authOutcome(x);
    if (auth !== undefined) attrs['portcullis.auth'] = auth;
    if (x.reason !== undefined) attrs['portcullis.refusal_reason'] = x.reason;
    const target = x.target;
    const upstream = this.upstreamAddress ?? (target === undefined ? undefined : `${target.host}:${target.port}`);
    if (upstream !== undefined) attrs['portcullis.upstream.address'] = upstream;
    if (this.upstreamStatus !== 0) attrs['portcullis.upstream.status_code'] = this.upstreamStatus;
    span.setAttributes(attrs);
    if (status >= 500 && status !== CLIENT_CLOSED) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }
}

/** jwt / jwt-claims verdict of a route with auth: rejected (with the reason), authenticated or anonymous. */
function authOutcome(x: TracedExchange): string | undefined {
  if (x.route?.auth === undefined) return undefined;
  if (x.reason !== undefined && AUTH_REFUSALS.has(x.reason)) return 'rejected';
  if (x.consumer === undefined) return undefined;
  return x.headers.includes('x-anonymous-consumer') ? 'anonymous' : 'authenticated';
}

const propagator = new W3CTraceContextPropagator();

export class OtelRequestTracer implements LoadedTracer {
  readonly tracer: Tracer;
  /** Requests in flight by their response object (what the upstream handler holds). */
  readonly traces = new WeakMap<object, RequestTrace | UnsampledTrace>();
  readonly upstream: UpstreamSpans;
  readonly traceIdHeader: string | undefined;
  /** The sampler's decision without the SDK (undefined: the SDK decides every request). */
  readonly #decide: SampleDecision | undefined;

  constructor(
    readonly provider: BasicTracerProvider,
    settings: TracingSettings,
    readonly ids: PooledIds,
  ) {
    this.tracer = provider.getTracer('portcullis');
    this.upstream = new UpstreamSpans(this, settings.clearHeaders ?? []);
    this.traceIdHeader = settings.traceIdResponseHeader;
    this.#decide = sampleDecisionOf(settings);
  }

  spanId(): string {
    return this.ids.spanId();
  }

  begin(x: TracedExchange): void {
    const headers = x.req.headers;
    const decide = this.#decide;
    if (decide !== undefined) {
      // The sampler decides first (docs/tracing.md#cost): an unsampled request (99 % at a 1 % ratio)
      // never reaches the SDK; it only gets ids to propagate.
      const raw = headers.traceparent;
      const remote = raw === undefined || raw === '' ? null : parseTraceParent(typeof raw === 'string' ? raw : String(raw[0]));
      const traceId = remote === null ? this.ids.traceId() : remote.traceId;
      if (!decide(remote === null ? undefined : (remote.traceFlags & 1) === 1, traceId)) return this.#unsampled(x, remote === null, traceId);
      // Sampled: the SDK's root span gets the trace id just decided on (its sampler decides the same).
      if (remote === null) this.ids.preset(traceId);
    }
    this.#sampled(x);
    this.ids.preset(undefined);
  }

  /** Ids only, as the SDK's non-recording span would carry: nothing is recorded or ended. */
  #unsampled(x: TracedExchange, root: boolean, traceId: string): void {
    const headers = x.req.headers;
    let state: string | undefined;
    if (root) {
      // A trace the gateway started (none or an invalid one came): the access log's trace_id is its id.
      headers.traceparent = `00-${traceId}-${this.ids.spanId()}-00`;
    } else {
      const ts = headers.tracestate;
      // As the SDK's W3C propagator reads it (several headers joined), re-serialised by its TraceState.
      if (ts !== undefined && ts !== '') state = new TraceState(Array.isArray(ts) ? ts.join(',') : ts).serialize();
    }
    this.traces.set(x.res, new UnsampledTrace(traceId, state));
    if (this.traceIdHeader !== undefined) x.res.setHeader(this.traceIdHeader, traceId);
  }

  #sampled(x: TracedExchange): void {
    const headers = x.req.headers;
    // A client's traceparent (and tracestate) is the parent; without one the span starts a trace.
    const parent = headers.traceparent === undefined ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    const span = this.tracer.startSpan(x.method, { kind: SpanKind.SERVER }, parent);
    if (parent === ROOT_CONTEXT || trace.getSpanContext(parent) === undefined) {
      // A trace the gateway started (none or an invalid one came): the access log's trace_id is its id.
      const sc = span.spanContext();
      headers.traceparent = `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags & 1}`;
    }
    const t = new RequestTrace(this, span, x);
    this.traces.set(x.res, t);
    if (this.traceIdHeader !== undefined) x.res.setHeader(this.traceIdHeader, span.spanContext().traceId);
    // Unsampled: the span only carries ids upstream; nothing to record or end.
    if (!span.isRecording()) return;
    // An upgrade's response is not the one node closes: its socket is (a tunnel: when it closes, as the access log).
    const end = (): void => t.end();
    // node sets `upgrade` on requests of its 'upgrade' event (not in @types/node 20).
    if ((x.req as { upgrade?: boolean }).upgrade === true) x.req.socket.once('close', end);
    else x.res.once('close', end);
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}
