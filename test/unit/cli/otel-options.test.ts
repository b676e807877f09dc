import { describe, expect, it } from 'vitest';
import { gatewayOptions } from '../../../src/cli/gateway-options.js';
import { parseKeyValues } from '../../../src/cli/otel-options.js';
import { UsageError } from '../../../src/model/usage-error.js';

describe('--otel-* flags (docs/tracing.md#flags)', () => {
  it('no endpoint anywhere: tracing is left to the configuration (undefined)', () => {
    expect(gatewayOptions({}, {}).tracing).toBeUndefined();
    expect(gatewayOptions({ 'otel-sample-ratio': '0.5' }, {}).tracing).toBeUndefined();
  });

  it('--otel-endpoint turns it on with the defaults: parent-based ratio 1, service portcullis', () => {
    expect(gatewayOptions({ 'otel-endpoint': 'http://c:4318/v1/traces' }, {}).tracing).toMatchObject({
      endpoint: 'http://c:4318/v1/traces', sampler: 'parentbased_traceidratio', ratio: 1, serviceName: 'portcullis', headers: {}, source: '--otel-endpoint',
    });
  });

  it('flag, then PORTCULLIS_OTEL_*, then the standard OTEL_* variables', () => {
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://base:4318/',
      OTEL_TRACES_SAMPLER: 'traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_SERVICE_NAME: 'edge',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-team=core',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod',
    };
    expect(gatewayOptions({}, env).tracing).toMatchObject({
      endpoint: 'http://base:4318/v1/traces', sampler: 'traceidratio', ratio: 0.25, serviceName: 'edge',
      headers: { authorization: 'Bearer abc', 'x-team': 'core' }, resourceAttributes: { 'deployment.environment': 'prod' },
    });
    expect(gatewayOptions({}, { ...env, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:1/x' }).tracing?.endpoint).toBe('http://t:1/x');
    expect(gatewayOptions({}, { ...env, PORTCULLIS_OTEL_ENDPOINT: 'http://p:1/v1/traces', PORTCULLIS_OTEL_SAMPLE_RATIO: '0.01' }).tracing).toMatchObject({ endpoint: 'http://p:1/v1/traces', ratio: 0.01 });
    expect(gatewayOptions({ 'otel-service-name': 'flag' }, env).tracing?.serviceName).toBe('flag');
  });

  it('off overrides the standard variables', () => {
    expect(gatewayOptions({ 'otel-endpoint': 'off' }, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://base:4318' }).tracing).toBeUndefined();
  });

  it('bad values are usage errors naming the flag, never echoing a header value', () => {
    expect(() => gatewayOptions({ 'otel-endpoint': 'grpc://c:4317' }, {})).toThrow(/--otel-endpoint: expected an http\(s\) URL/);
    expect(() => gatewayOptions({ 'otel-endpoint': 'not a url' }, {})).toThrow(UsageError);
    expect(() => gatewayOptions({ 'otel-endpoint': 'http://c', 'otel-sampler': 'sometimes' }, {})).toThrow(/--otel-sampler: expected one of/);
    expect(() => gatewayOptions({ 'otel-endpoint': 'http://c', 'otel-sample-ratio': '2' }, {})).toThrow(/--otel-sample-ratio/);
    expect(() => gatewayOptions({ 'otel-endpoint': 'http://c', 'otel-headers': 'x-token=%zz-secret' }, {})).toThrow(/'x-token' has an invalid percent-escape/);
    try {
      parseKeyValues('=topsecret', '--otel-headers');
    } catch (err) {
      expect((err as Error).message).not.toContain('topsecret');
    }
  });
});
