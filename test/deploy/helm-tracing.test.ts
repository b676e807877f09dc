import { beforeAll, describe, expect, it } from 'vitest';
import { gatewayOptions } from '../../src/cli/gateway-options.js';
import { chartDir, findObject, helm, helmBinary, HELM_BUILD_TIMEOUT_MS, LOCAL_IMAGE_SET, renderChart, type K8sObject } from './helm.js';

/** The chart's tracing values (docs/tracing.md#flags) as PORTCULLIS_OTEL_*, read back by the gateway's own option parser. */
type Env = Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
const envList = (objs: K8sObject[]): Env =>
  (findObject(objs, 'Deployment') as K8sObject & { spec: { template: { spec: { containers: Array<{ env: Env }> } } } }).spec.template.spec.containers[0]!.env;
const plainEnv = (env: Env): Record<string, string> => Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));

describe('tracing values', () => {
  beforeAll(() => void helmBinary(), HELM_BUILD_TIMEOUT_MS);

  it('off by default: no PORTCULLIS_OTEL_* at all', () => {
    const env = envList(renderChart());
    expect(env.filter((e) => e.name.startsWith('PORTCULLIS_OTEL_'))).toEqual([]);
    expect(gatewayOptions({}, plainEnv(env)).tracing).toBeUndefined();
  });

  it('endpoint, sampler, ratio and service name reach the gateway; the headers come from a Secret', () => {
    const env = envList(
      renderChart([], {
        extra: [
          '--set', 'tracing.endpoint=http://otel-collector.observability:4318/v1/traces',
          '--set', 'tracing.sampleRatio=0.01',
          '--set', 'tracing.serviceName=edge',
          '--set', 'tracing.headersSecret=otel-token',
        ],
      }),
    );
    expect(gatewayOptions({}, plainEnv(env)).tracing).toMatchObject({
      endpoint: 'http://otel-collector.observability:4318/v1/traces', sampler: 'parentbased_traceidratio', ratio: 0.01, serviceName: 'edge',
    });
    expect(env.find((e) => e.name === 'PORTCULLIS_OTEL_HEADERS')?.valueFrom?.secretKeyRef).toEqual({ name: 'otel-token', key: 'headers' });
  });

  it.each([
    ['tracing.endpoint=grpc://c:4317', /endpoint/],
    ['tracing.sampler=sometimes', /sampler/],
    ['tracing.sampleRatio=2', /sampleRatio/],
  ])('refuses %s', (set, re) => {
    const r = helm(['template', 'portcullis', chartDir, ...LOCAL_IMAGE_SET, '--set', set]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(re);
  });
});
