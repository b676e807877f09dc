import pino, { type DestinationStream, type Logger } from 'pino';
import type { ObservedRoute } from './observed.js';
import { isoTimeField } from './log-time.js';
import { timedFlush } from './timed-flush.js';
import { successSampler } from './access-sampling.js';
import { traceIdOf } from './traceparent.js';

export type { Logger };

/** Application logger (JSON on stdout by default). */
export function createLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: { svc: 'portcullis' },
      timestamp: isoTimeField,
      // Belt and braces: never print credentials even if an object carrying them is logged.
      redact: { paths: ['*.authorization', '*.cookie', '*.secret', '*.token', 'headers.authorization', 'headers.cookie'], censor: '[redacted]' },
    },
    opts.destination,
  );
}

export interface AccessLogEntry {
  route: ObservedRoute | undefined;
  method: string;
  rawPath: string;
  rawQuery: string;
  status: number;
  latencyMs: number;
  upstreamLatencyMs?: number;
  /** The upstream target last asked (retries go to another), for `upstream_addr`; undefined when none was. */
  upstreamTarget?: { readonly host: string; readonly port: number } | undefined;
  requestId: string;
  /** The request's raw `traceparent` header; only its trace-id is logged, and only when valid (traceparent.ts). */
  traceparent?: string | string[] | undefined;
  consumer?: { id: string; username?: string };
  clientIp?: string;
  /** Why the gateway refused the request (src/model/refusal-reasons.ts; docs/access-log.md); undefined when it did not. */
  reason?: string;
  /** Every route of the live snapshot: their uri_param_names are redacted on any request. */
  allRoutes?: readonly ObservedRoute[];
}

export interface AccessLog {
  readonly enabled: boolean;
  log(e: AccessLogEntry): void;
  /** Write out buffered lines (call on exit). */
  flush(): void;
}

export const DISABLED_ACCESS_LOG: AccessLog = { enabled: false, log() {}, flush() {} };

/** A buffered access-log line reaches its destination at most this long after it was logged. */
export const ACCESS_LOG_FLUSH_MS = 1000;

type AccessLogDestination = DestinationStream & { flush?: () => void; flushSync?: () => void };

/**
 * JSON access log, one line per request. Cheap: an asynchronous, buffered pino destination
 * (written out when it holds a few KB, or ACCESS_LOG_FLUSH_MS after its first line), and the
 * query string is only parsed when it exists. Never logs headers (so no Authorization or
 * cookies); query parameters that can carry a token are redacted.
 */
export function createAccessLog(opts: {
  enabled: boolean;
  destination?: AccessLogDestination;
  fd?: number;
  /** Share of successful requests logged, 0..1 (access-sampling.ts); default 1, every one. */
  sampleSuccess?: number;
}): AccessLog {
  if (!opts.enabled) return DISABLED_ACCESS_LOG;
  const keep = successSampler(opts.sampleSuccess ?? 1);
  const dest: AccessLogDestination = opts.destination ?? pino.destination({ dest: opts.fd ?? 1, sync: false, minLength: 4096 });
  const logger = pino({ base: null, messageKey: 'msg', timestamp: isoTimeField }, dest);
  const timer = timedFlush(() => {
    try {
      dest.flush?.();
    } catch {
      // destination closed (process exiting): nothing left to write
    }
  }, ACCESS_LOG_FLUSH_MS);
  return {
    enabled: true,
    log(e) {
      // Decided first: a line sampled out costs no formatting at all.
      if (keep !== undefined && !keep(e.status, e.reason !== undefined)) return;
      timer.noteLine();
      const target = e.upstreamTarget;
      // Field by field in docs/access-log.md.
      logger.info({
        type: 'access',
        request_id: e.requestId,
        trace_id: e.traceparent === undefined ? undefined : traceIdOf(e.traceparent),
        route: e.route ? e.route.label : null,
        route_id: e.route?.id,
        method: e.method,
        path: e.rawQuery
          ? `${redactPath(e.rawPath)}?${redactQuery(e.rawQuery, e.allRoutes ? redactedParamsAll(e.allRoutes) : redactedParams(e.route))}`
          : redactPath(e.rawPath),
        status: e.status,
        latency_ms: round(e.latencyMs),
        upstream_latency_ms: e.upstreamLatencyMs === undefined ? undefined : round(e.upstreamLatencyMs),
        upstream_addr: target === undefined ? undefined : hostPort(target.host, target.port),
        consumer: e.consumer?.username,
        consumer_id: e.consumer?.id,
        client_ip: e.clientIp,
        reason: e.reason,
      });
    },
    flush() {
      timer.cancel();
      try {
        dest.flushSync?.();
      } catch {
        // destination not ready yet (nothing written): nothing to flush
      }
    },
  };
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
/** "10.0.0.5:8080", "[fd00::5]:8080", "orders.shop.svc:80". */
const hostPort = (host: string, port: number) => (host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`);

const DEFAULT_REDACT: ReadonlySet<string> = new Set(['jwt']);
const redactCache = new WeakMap<ObservedRoute, ReadonlySet<string>>();

/** Query parameter names to redact for a route: its jwt uri_param_names, and always `jwt`. */
export function redactedParams(route: ObservedRoute | undefined): ReadonlySet<string> {
  const names = route?.auth?.config.uriParamNames;
  if (!route || !names) return DEFAULT_REDACT;
  let s = redactCache.get(route);
  if (!s) {
    s = new Set(['jwt', ...names]);
    redactCache.set(route, s);
  }
  return s;
}

const redactAllCache = new WeakMap<readonly ObservedRoute[], ReadonlySet<string>>();

/**
 * Query parameter names to redact on any request: `jwt` plus every route's uri_param_names. A token
 * sent to the wrong path (404) or to a route without the jwt plugin is still a token.
 */
export function redactedParamsAll(routes: readonly ObservedRoute[]): ReadonlySet<string> {
  let s = redactAllCache.get(routes);
  if (!s) {
    const names = new Set(['jwt']);
    for (const r of routes) for (const n of r.auth?.config.uriParamNames ?? []) names.add(n);
    redactAllCache.set(routes, (s = names));
  }
  return s;
}

/**
 * Replace the value of every listed parameter (names compared after URL-decoding) by REDACTED, and
 * of every parameter whose value looks like a JWT whatever its name (`?JWT=`, `?access_token=`,
 * `?jwt+=`, percent-encoded tokens): the configured names are not the only ones a client uses.
 */
export function redactQuery(rawQuery: string, names: ReadonlySet<string>): string {
  const shapes = mayHoldJwt(rawQuery);
  const parts = rawQuery.split('&');
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const eq = p.indexOf('=');
    const rawName = eq === -1 ? p : p.slice(0, eq);
    const name = safeDecode(rawName);
    if (shapes && looksLikeJwt(name)) {
      parts[i] = 'REDACTED';
      changed = true;
    } else if (names.has(name) || (shapes && eq !== -1 && looksLikeJwt(safeDecode(p.slice(eq + 1))))) {
      parts[i] = `${rawName}=REDACTED`;
      changed = true;
    }
  }
  return changed ? parts.join('&') : rawQuery;
}

/** Path segments that look like a JWT (`/verify/eyJ…`) become REDACTED. */
export function redactPath(rawPath: string): string {
  if (!mayHoldJwt(rawPath)) return rawPath;
  const segments = rawPath.split('/');
  let changed = false;
  for (let i = 0; i < segments.length; i++) {
    if (looksLikeJwt(safeDecode(segments[i]!))) {
      segments[i] = 'REDACTED';
      changed = true;
    }
  }
  return changed ? segments.join('/') : rawPath;
}

/** A JWT's dots, raw or percent-encoded: cheap pre-check so most lines skip the regexes. */
function mayHoldJwt(s: string): boolean {
  const dot = s.indexOf('.');
  if (dot !== -1 && s.indexOf('.', dot + 1) !== -1) return true;
  return s.includes('%2') && /%2e/i.test(s);
}

/**
 * A JWT anywhere in `value` (whole, after "Bearer ", inside a nested URL): three dot-separated
 * base64 segments whose first two decode to JSON objects. Checking the decoded JSON, not only
 * the shape, keeps host names and file names ("www.example.com", "app.min.js") readable.
 */
export function looksLikeJwt(value: string): boolean {
  // "=" is padding only at a segment's end ("abc=.", "abc=="); elsewhere it separates ("t=eyJ…").
  for (const run of value.split(/[^A-Za-z0-9_\-+/=.]+|=(?![=.]|$)/)) {
    const segments = run.split('.');
    for (let i = 0; i + 2 < segments.length; i++) {
      if (isJsonObjectSegment(segments[i]!) && isJsonObjectSegment(segments[i + 1]!)) return true;
    }
  }
  return false;
}

/** Node's base64 decoder reads both alphabets, as Kong's parser does. "{}" encodes to 3 characters. */
function isJsonObjectSegment(segment: string): boolean {
  if (segment.length < 3) return false;
  const text = Buffer.from(segment, 'base64').toString('latin1').trim();
  return text.startsWith('{') && text.endsWith('}');
}

function safeDecode(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    // A stray "%" elsewhere must not hide an encoded token: decode the dots at least.
    return s.replace(/%2e/gi, '.');
  }
}
