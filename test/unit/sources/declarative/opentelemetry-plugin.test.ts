import { describe, expect, it } from 'vitest';
import { parseDeclarative } from '../../../../src/sources/declarative/parse.js';

const parseKongYaml = (text: string, file: string) => parseDeclarative(text, file).resources;

/** kong.yml's opentelemetry plugin → ResourceSet.tracing (docs/tracing.md#kongyml). */
const doc = (plugins: unknown[], extra = ''): string =>
  [
    '_format_version: "3.0"',
    'services:',
    '  - name: s',
    '    url: http://127.0.0.1:9',
    '    routes: [{ name: r, paths: [/] }]',
    extra,
    `plugins: ${JSON.stringify(plugins)}`,
  ].join('\n');

const reasons = (set: ReturnType<typeof parseKongYaml>) => set.diagnostics.map((d) => `${d.severity} ${d.reason} ${d.field ?? ''}`.trim());

describe('opentelemetry plugin in kong.yml', () => {
  it("a global instance sets tracing; Kong's sampling_rate default (0.01) and fields map", () => {
    const set = parseKongYaml(
      doc([
        {
          name: 'opentelemetry',
          config: {
            traces_endpoint: 'http://otel:4318/v1/traces',
            headers: { 'x-api-key': 'k' },
            resource_attributes: { 'service.name': 'edge', shard: 3 },
            batch_span_count: 50,
            batch_flush_delay: 2,
            http_response_header_for_traceid: 'X-Trace-Id',
            propagation: { extract: ['w3c'], inject: ['preserve'], default_format: 'w3c', clear: ['X-Old-Trace'] },
          },
        },
      ]),
      'kong.yml',
    );
    expect(reasons(set)).toEqual([]);
    expect(set.tracing).toMatchObject({
      endpoint: 'http://otel:4318/v1/traces', headers: { 'x-api-key': 'k' }, resourceAttributes: { 'service.name': 'edge', shard: '3' },
      sampler: 'parentbased_traceidratio', ratio: 0.01, maxBatchSize: 50, flushDelayMs: 2000, traceIdResponseHeader: 'x-trace-id',
      clearHeaders: ['x-old-trace'], source: 'kong.yml plugins[0]',
    });
    // It never fails a route: it only observes.
    expect(set.routes[0]!.pluginError).toBeUndefined();
  });

  it('endpoint (the deprecated name) and queue.* (the new one) are read; queue wins over batch_*', () => {
    const set = parseKongYaml(doc([{ name: 'opentelemetry', config: { endpoint: 'https://o/v1/traces', sampling_rate: 1, batch_span_count: 9, queue: { max_batch_size: 20, max_coalescing_delay: 0.5, max_entries: 500 } } }]), 'kong.yml');
    expect(set.tracing).toMatchObject({ endpoint: 'https://o/v1/traces', ratio: 1, maxBatchSize: 20, flushDelayMs: 500, maxQueueSize: 500 });
  });

  it('no plugin, or a disabled one: no tracing', () => {
    expect(parseKongYaml(doc([]), 'kong.yml').tracing).toBeUndefined();
    expect(parseKongYaml(doc([{ name: 'opentelemetry', enabled: false, config: { traces_endpoint: 'http://o' } }]), 'kong.yml').tracing).toBeUndefined();
  });

  it('invalid fields: an error naming the field, tracing stays off, routes keep serving', () => {
    const set = parseKongYaml(doc([{ name: 'opentelemetry', config: { traces_endpoint: 'udp://x', sampling_rate: 3, headers: { 'x-key': 'topsecret', 'bad name': 'v' }, bogus: 1 } }]), 'kong.yml');
    expect(set.tracing).toBeUndefined();
    expect(reasons(set)).toEqual(
      expect.arrayContaining([
        'error InvalidPluginConfig config.traces_endpoint',
        'error InvalidPluginConfig config.sampling_rate',
        'error InvalidPluginConfig config.headers.bad name',
        'error InvalidPluginConfig config.bogus',
      ]),
    );
    expect(JSON.stringify(set.diagnostics)).not.toContain('topsecret');
    expect(set.routes[0]!.pluginError).toBeUndefined();
    expect(parseKongYaml(doc([{ name: 'opentelemetry' }]), 'kong.yml').diagnostics.map((d) => d.field)).toContain('config.traces_endpoint');
  });

  it('a route/service-scoped instance, other propagation formats and logs_endpoint: warnings, ignored', () => {
    const scoped = parseKongYaml(doc([{ name: 'opentelemetry', route: 'r', config: { traces_endpoint: 'http://o' } }]), 'kong.yml');
    expect(scoped.tracing).toBeUndefined();
    expect(reasons(scoped)).toEqual(['warning TracingPluginIgnored']);
    const formats = parseKongYaml(doc([{ name: 'opentelemetry', config: { traces_endpoint: 'http://o', logs_endpoint: 'http://o/v1/logs', propagation: { extract: ['b3', 'w3c'], default_format: 'b3' } } }]), 'kong.yml');
    expect(formats.tracing?.endpoint).toBe('http://o');
    expect(reasons(formats)).toEqual([
      'warning TracingPluginIgnored config.logs_endpoint',
      'warning TracingPluginIgnored config.propagation.extract',
      'warning TracingPluginIgnored config.propagation.default_format',
    ]);
  });

  it('two global instances: the first applies, the second is a PluginConflict', () => {
    const set = parseKongYaml(doc([{ name: 'opentelemetry', config: { traces_endpoint: 'http://one' } }, { name: 'opentelemetry', config: { traces_endpoint: 'http://two' } }]), 'kong.yml');
    expect(set.tracing?.endpoint).toBe('http://one');
    expect(reasons(set)).toEqual(['error PluginConflict']);
  });
});
