import { TRACE_SAMPLERS, TRACING_DEFAULTS, type TraceSampler, type TracingSettings } from '../model/tracing-config.js';
import { UsageError } from '../model/usage-error.js';
import { parseSampleRatio } from './access-log-options.js';

/**
 * The --otel-* flags (docs/tracing.md#flags). Each falls back to its PORTCULLIS_OTEL_* variable,
 * then to the standard OpenTelemetry one (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
 * OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces, OTEL_TRACES_SAMPLER(_ARG), OTEL_SERVICE_NAME,
 * OTEL_EXPORTER_OTLP(_TRACES)_HEADERS, OTEL_RESOURCE_ATTRIBUTES). No endpoint: undefined, and
 * kong.yml's opentelemetry plugin decides.
 */
export const OTEL_FLAGS = {
  'otel-endpoint': { type: 'string', env: 'PORTCULLIS_OTEL_ENDPOINT', default: '' },
  'otel-sampler': { type: 'string', env: 'PORTCULLIS_OTEL_SAMPLER', default: '' },
  'otel-sample-ratio': { type: 'string', env: 'PORTCULLIS_OTEL_SAMPLE_RATIO', default: '' },
  'otel-service-name': { type: 'string', env: 'PORTCULLIS_OTEL_SERVICE_NAME', default: '' },
  'otel-headers': { type: 'string', env: 'PORTCULLIS_OTEL_HEADERS', default: '' },
} as const;

export function tracingOptions(get: (name: keyof typeof OTEL_FLAGS) => string, env: NodeJS.ProcessEnv): TracingSettings | undefined {
  const flagEndpoint = get('otel-endpoint');
  if (flagEndpoint === 'off') return undefined;
  const endpoint = flagEndpoint !== '' ? flagEndpoint : standardEndpoint(env);
  if (endpoint === undefined) return undefined;
  checkEndpoint(endpoint, flagEndpoint !== '' ? '--otel-endpoint' : 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const sampler = (get('otel-sampler') || env['OTEL_TRACES_SAMPLER'] || TRACING_DEFAULTS.sampler).toLowerCase();
  if (!(TRACE_SAMPLERS as readonly string[]).includes(sampler)) {
    throw new UsageError(`--otel-sampler: expected one of ${TRACE_SAMPLERS.join(', ')}, got '${sampler}'`);
  }
  const ratioText = get('otel-sample-ratio') || env['OTEL_TRACES_SAMPLER_ARG'] || String(TRACING_DEFAULTS.ratio);
  const headersText = get('otel-headers') || env['OTEL_EXPORTER_OTLP_TRACES_HEADERS'] || env['OTEL_EXPORTER_OTLP_HEADERS'] || '';
  const resourceAttributes = parseKeyValues(env['OTEL_RESOURCE_ATTRIBUTES'] ?? '', 'OTEL_RESOURCE_ATTRIBUTES');
  return {
    ...TRACING_DEFAULTS,
    endpoint,
    headers: parseKeyValues(headersText, '--otel-headers'),
    resourceAttributes,
    serviceName: get('otel-service-name') || env['OTEL_SERVICE_NAME'] || TRACING_DEFAULTS.serviceName,
    sampler: sampler as TraceSampler,
    ratio: parseSampleRatio(ratioText, '--otel-sample-ratio'),
    source: flagEndpoint !== '' ? '--otel-endpoint' : 'OTEL_EXPORTER_OTLP_ENDPOINT',
  };
}

/** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is; OTEL_EXPORTER_OTLP_ENDPOINT is a base URL, /v1/traces appended (the spec's rule). */
function standardEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  const traces = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
  if (traces) return traces;
  const base = env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  if (!base) return undefined;
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

function checkEndpoint(endpoint: string, flag: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError(`${flag}: expected an http(s) URL such as http://otel-collector:4318/v1/traces, got an invalid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${flag}: expected an http(s) URL (OTLP/HTTP), got '${url.protocol}'`);
  }
}

/** "k1=v1,k2=v2" with percent-encoded values (the OTEL_*_HEADERS / OTEL_RESOURCE_ATTRIBUTES format). */
export function parseKeyValues(text: string, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = eq === -1 ? '' : part.slice(0, eq).trim();
    // Never echo the value: headers carry tokens.
    if (key === '') throw new UsageError(`${flag}: expected name=value pairs separated by commas`);
    let value = part.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      throw new UsageError(`${flag}: the value of '${key}' has an invalid percent-escape`);
    }
    out[key] = value;
  }
  return out;
}
