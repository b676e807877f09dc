import pino, { type DestinationStream, type Logger } from 'pino';
import type { CompiledRoute } from '../snapshot/types.js';

export type { Logger };

/** Application logger (JSON on stdout by default). */
export function createLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: { svc: 'portcullis' },
      // Belt and braces: never print credentials even if an object carrying them is logged.
      redact: { paths: ['*.authorization', '*.cookie', '*.secret', '*.token', 'headers.authorization', 'headers.cookie'], censor: '[redacted]' },
    },
    opts.destination,
  );
}

export interface AccessLogEntry {
  route: CompiledRoute | undefined;
  method: string;
  rawPath: string;
  rawQuery: string;
  status: number;
  latencyMs: number;
  upstreamLatencyMs?: number;
  requestId: string;
  consumer?: { id: string; username?: string };
  clientIp?: string;
  /** Every route of the live snapshot: their uri_param_names are redacted on any request. */
  allRoutes?: readonly CompiledRoute[];
}

export interface AccessLog {
  readonly enabled: boolean;
  log(e: AccessLogEntry): void;
  /** Write out buffered lines (call on exit). */
  flush(): void;
}

export const DISABLED_ACCESS_LOG: AccessLog = { enabled: false, log() {}, flush() {} };

/**
 * JSON access log, one line per request. Cheap: an asynchronous, buffered pino destination, and
 * the query string is only parsed when it exists. Never logs headers (so no Authorization or
 * cookies); query parameters that can carry a token are redacted.
 */
export function createAccessLog(opts: { enabled: boolean; destination?: DestinationStream & { flushSync?: () => void }; fd?: number }): AccessLog {
  if (!opts.enabled) return DISABLED_ACCESS_LOG;
  const dest = opts.destination ?? pino.destination({ dest: opts.fd ?? 1, sync: false, minLength: 4096 });
  const logger = pino({ base: null, messageKey: 'msg', timestamp: pino.stdTimeFunctions.isoTime }, dest);
  return {
    enabled: true,
    log(e) {
      logger.info({
        type: 'access',
        request_id: e.requestId,
        route: e.route ? e.route.label : null,
        method: e.method,
        path: e.rawQuery ? `${e.rawPath}?${redactQuery(e.rawQuery, e.allRoutes ? redactedParamsAll(e.allRoutes) : redactedParams(e.route))}` : e.rawPath,
        status: e.status,
        latency_ms: round(e.latencyMs),
        upstream_latency_ms: e.upstreamLatencyMs === undefined ? undefined : round(e.upstreamLatencyMs),
        consumer: e.consumer?.username,
        consumer_id: e.consumer?.id,
        client_ip: e.clientIp,
      });
    },
    flush() {
      const d = dest as { flushSync?: () => void };
      try {
        d.flushSync?.();
      } catch {
        // destination not ready yet (nothing written): nothing to flush
      }
    },
  };
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

const DEFAULT_REDACT: ReadonlySet<string> = new Set(['jwt']);
const redactCache = new WeakMap<CompiledRoute, ReadonlySet<string>>();

/** Query parameter names to redact for a route: its jwt uri_param_names, and always `jwt`. */
export function redactedParams(route: CompiledRoute | undefined): ReadonlySet<string> {
  const names = route?.auth?.config.uriParamNames;
  if (!route || !names) return DEFAULT_REDACT;
  let s = redactCache.get(route);
  if (!s) {
    s = new Set(['jwt', ...names]);
    redactCache.set(route, s);
  }
  return s;
}

const redactAllCache = new WeakMap<readonly CompiledRoute[], ReadonlySet<string>>();

/**
 * Query parameter names to redact on any request: `jwt` plus every route's uri_param_names. A token
 * sent to the wrong path (404) or to a route without the jwt plugin is still a token.
 */
export function redactedParamsAll(routes: readonly CompiledRoute[]): ReadonlySet<string> {
  let s = redactAllCache.get(routes);
  if (!s) {
    const names = new Set(['jwt']);
    for (const r of routes) for (const n of r.auth?.config.uriParamNames ?? []) names.add(n);
    redactAllCache.set(routes, (s = names));
  }
  return s;
}

/** Replace the value of every listed parameter (names compared after URL-decoding) by REDACTED. */
export function redactQuery(rawQuery: string, names: ReadonlySet<string>): string {
  const parts = rawQuery.split('&');
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const eq = p.indexOf('=');
    const rawName = eq === -1 ? p : p.slice(0, eq);
    if (names.has(safeDecode(rawName))) {
      parts[i] = `${rawName}=REDACTED`;
      changed = true;
    }
  }
  return changed ? parts.join('&') : rawQuery;
}

function safeDecode(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
