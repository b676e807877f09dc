import type { ObjectRef } from '../../model/diagnostics.js';
import { TRACING_DEFAULTS, type TracingSettings } from '../../model/tracing-config.js';
import { isMapping } from './fields.js';
import type { Reporter } from './report.js';

/** Kong's `opentelemetry` plugin (docs/tracing.md#kongyml): traces only, W3C propagation only. */
export const OPENTELEMETRY_PLUGIN = 'opentelemetry';

/** Kong's tracing_sampling_rate default (kong.conf): the plugin's sampling_rate falls back to it. */
export const KONG_SAMPLING_RATE = 0.01;

/** Fields Kong has that Portcullis leaves aside (warning, the rest of the plugin applies). */
const IGNORED_FIELDS: Readonly<Record<string, string>> = {
  logs_endpoint: 'only traces are exported',
  metrics_endpoint: 'only traces are exported',
  metrics: 'only traces are exported',
};
const KNOWN = new Set([
  'traces_endpoint', 'endpoint', 'headers', 'resource_attributes', 'queue', 'batch_span_count', 'batch_flush_delay',
  'connect_timeout', 'send_timeout', 'read_timeout', 'http_response_header_for_traceid', 'header_type', 'sampling_rate', 'propagation',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

type Issue = { field: string; message: string };

/** What this reads of plugins.ts's PluginCore (structural: plugins.ts imports this module). */
interface PluginSite {
  ref: ObjectRef;
  path: string;
  ok: boolean;
  enabled: boolean;
  config: unknown;
  consumerScoped: boolean;
}

/**
 * One global, enabled opentelemetry plugin sets the ResourceSet's `tracing`. Scoped instances are
 * ignored with a warning (tracing here is per process, docs/tracing.md#kongyml); an invalid one is
 * an error and leaves tracing off; it never fails a route (it only observes).
 */
export class TracingPluginSlot {
  #settings: TracingSettings | undefined;
  #seen: string | undefined;

  constructor(private readonly rep: Reporter) {}

  /** `scope`: "global", "service:<id>" or "route:<id>" (plugins.ts's ScopeKey). */
  add(p: PluginSite, scope: string): void {
    if (!p.enabled) return;
    if (scope !== 'global' || p.consumerScoped) {
      this.rep.warn(p.ref, 'TracingPluginIgnored', 'the opentelemetry plugin applies to the whole gateway: only a global instance (no route, service or consumer) is honoured; ignored');
      return;
    }
    if (this.#seen !== undefined) {
      this.rep.error(p.ref, 'PluginConflict', `more than one enabled 'opentelemetry' plugin for the same scope; only ${this.#seen} applies`);
      return;
    }
    this.#seen = p.path;
    const issues: Issue[] = [];
    const settings = mapOpenTelemetryConfig(p.config, p.path, issues, (field, why) =>
      this.rep.warn(p.ref, 'TracingPluginIgnored', `${field} is not supported (${why}); ignored`, field),
    );
    for (const issue of issues) this.rep.error(p.ref, 'InvalidPluginConfig', issue.message, issue.field);
    if (p.ok && issues.length === 0) this.#settings = settings;
  }

  get settings(): TracingSettings | undefined {
    return this.#settings;
  }
}

/** Kong's opentelemetry `config` → TracingSettings; problems go to `issues`, unsupported options to `ignore`. */
export function mapOpenTelemetryConfig(raw: unknown, path: string, issues: Issue[], ignore: (field: string, why: string) => void): TracingSettings {
  const c = isMapping(raw) ? raw : {};
  if (!isMapping(raw) && raw !== undefined && raw !== null) issues.push({ field: 'config', message: 'expected a record' });
  for (const k of Object.keys(c)) {
    if (c[k] === null) continue;
    const why = IGNORED_FIELDS[k];
    if (why !== undefined) ignore(`config.${k}`, why);
    else if (!KNOWN.has(k)) issues.push({ field: `config.${k}`, message: 'unknown field' });
  }
  const endpoint = url(c['traces_endpoint'] ?? c['endpoint'], c['traces_endpoint'] != null ? 'config.traces_endpoint' : 'config.endpoint', issues);
  const queue = isMapping(c['queue']) ? c['queue'] : {};
  if (c['queue'] != null && !isMapping(c['queue'])) issues.push({ field: 'config.queue', message: 'expected a record' });
  const batch = int(queue['max_batch_size'], 'config.queue.max_batch_size', 1, 1_000_000, issues) ?? int(c['batch_span_count'], 'config.batch_span_count', 1, 1_000_000, issues);
  const delayS = num(queue['max_coalescing_delay'], 'config.queue.max_coalescing_delay', 0, 3600, issues) ?? int(c['batch_flush_delay'], 'config.batch_flush_delay', 0, 3600, issues);
  const maxEntries = int(queue['max_entries'], 'config.queue.max_entries', 1, 1_000_000, issues);
  const timeouts = ['connect_timeout', 'send_timeout', 'read_timeout'].map((k, i) => int(c[k], `config.${k}`, 0, 2 ** 31 - 2, issues) ?? [1000, 5000, 5000][i]!);
  const ratio = num(c['sampling_rate'], 'config.sampling_rate', 0, 1, issues) ?? KONG_SAMPLING_RATE;
  const traceIdHeader = c['http_response_header_for_traceid'];
  if (traceIdHeader != null && (typeof traceIdHeader !== 'string' || !HEADER_NAME.test(traceIdHeader))) {
    issues.push({ field: 'config.http_response_header_for_traceid', message: 'expected a header name' });
  }
  const headerType = c['header_type'];
  if (headerType != null && headerType !== 'preserve' && headerType !== 'w3c') ignore('config.header_type', `'${String(headerType)}': W3C trace context is the only format read and written`);
  const clear = propagation(c['propagation'], issues, ignore);
  return {
    ...TRACING_DEFAULTS,
    endpoint: endpoint ?? '',
    headers: stringMap(c['headers'], 'config.headers', issues, true),
    resourceAttributes: stringMap(c['resource_attributes'], 'config.resource_attributes', issues, false),
    sampler: 'parentbased_traceidratio',
    ratio,
    ...(batch !== undefined ? { maxBatchSize: batch } : {}),
    ...(delayS !== undefined ? { flushDelayMs: Math.round(delayS * 1000) } : {}),
    ...(maxEntries !== undefined ? { maxQueueSize: maxEntries } : {}),
    exportTimeoutMs: timeouts[0]! + timeouts[1]! + timeouts[2]!,
    ...(typeof traceIdHeader === 'string' && HEADER_NAME.test(traceIdHeader) ? { traceIdResponseHeader: traceIdHeader.toLowerCase() } : {}),
    ...(clear.length > 0 ? { clearHeaders: clear } : {}),
    source: `kong.yml ${path}`,
  };
}

function url(v: unknown, field: string, issues: Issue[]): string | undefined {
  if (v === undefined || v === null) {
    issues.push({ field: 'config.traces_endpoint', message: 'required field missing (the OTLP/HTTP traces URL)' });
    return undefined;
  }
  if (typeof v === 'string') {
    try {
      const u = new URL(v);
      if (u.protocol === 'http:' || u.protocol === 'https:') return v;
    } catch {
      // reported below
    }
  }
  issues.push({ field, message: 'expected an http(s) URL' });
  return undefined;
}

function num(v: unknown, field: string, min: number, max: number, issues: Issue[]): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !(v >= min && v <= max)) {
    issues.push({ field, message: `expected a number from ${min} to ${max}` });
    return undefined;
  }
  return v;
}

function int(v: unknown, field: string, min: number, max: number, issues: Issue[]): number | undefined {
  if (v !== undefined && v !== null && !Number.isInteger(v)) {
    issues.push({ field, message: `expected an integer from ${min} to ${max}` });
    return undefined;
  }
  return num(v, field, min, max, issues);
}

/** headers (names checked) / resource_attributes: string values (numbers and booleans as text for attributes). */
function stringMap(v: unknown, field: string, issues: Issue[], headerNames: boolean): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isMapping(v)) {
    issues.push({ field, message: 'expected a map' });
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (headerNames && !HEADER_NAME.test(k)) issues.push({ field: `${field}.${k}`, message: 'expected a header name' });
    else if (typeof val === 'string' && val !== '') out[k] = val;
    else if (!headerNames && (typeof val === 'number' || typeof val === 'boolean')) out[k] = String(val);
    // Never echo a header value: it is usually a token.
    else issues.push({ field: `${field}.${k}`, message: 'expected a non-empty string' });
  }
  return out;
}

/** Kong's propagation record: W3C is what is read and written; `clear` names are removed upstream. */
function propagation(v: unknown, issues: Issue[], ignore: (field: string, why: string) => void): string[] {
  if (v === undefined || v === null) return [];
  if (!isMapping(v)) {
    issues.push({ field: 'config.propagation', message: 'expected a record' });
    return [];
  }
  const list = (k: string): string[] | undefined => {
    const x = v[k];
    if (x === undefined || x === null) return undefined;
    if (!Array.isArray(x) || !x.every((e) => typeof e === 'string')) {
      issues.push({ field: `config.propagation.${k}`, message: 'expected a list of strings' });
      return undefined;
    }
    return x as string[];
  };
  const extract = list('extract');
  if (extract !== undefined && extract.some((f) => f !== 'w3c')) ignore('config.propagation.extract', 'W3C trace context is the only format read');
  const inject = list('inject');
  if (inject !== undefined && inject.some((f) => f !== 'w3c' && f !== 'preserve')) ignore('config.propagation.inject', 'W3C trace context is the only format written');
  const def = v['default_format'];
  if (def !== undefined && def !== null && def !== 'w3c') ignore('config.propagation.default_format', 'W3C trace context is the only format written');
  const clear = list('clear') ?? [];
  for (const [i, name] of clear.entries()) {
    if (!HEADER_NAME.test(name)) issues.push({ field: `config.propagation.clear[${i}]`, message: 'expected a header name' });
  }
  return clear.filter((n) => HEADER_NAME.test(n)).map((n) => n.toLowerCase());
}
