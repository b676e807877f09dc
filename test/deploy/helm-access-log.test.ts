import { beforeAll, describe, expect, it } from 'vitest';
import { chartDir, findObject, helm, helmBinary, HELM_BUILD_TIMEOUT_MS, LOCAL_IMAGE_SET, renderChart, type K8sObject } from './helm.js';

/** The chart's accessLog values (docs/access-log.md), as PORTCULLIS_ACCESS_LOG and PORTCULLIS_ACCESS_LOG_SAMPLE_SUCCESS. */
type Env = Array<{ name: string; value?: string }>;
const envOf = (objs: K8sObject[], name: string) =>
  (findObject(objs, 'Deployment') as K8sObject & { spec: { template: { spec: { containers: Array<{ env: Env }> } } } }).spec.template.spec
    .containers[0]!.env.find((e) => e.name === name)?.value;

describe('accessLog values', () => {
  beforeAll(() => void helmBinary(), HELM_BUILD_TIMEOUT_MS);

  it('leave the gateway defaults by default (every line written)', () => {
    const objs = renderChart();
    expect(envOf(objs, 'PORTCULLIS_ACCESS_LOG')).toBeUndefined();
    expect(envOf(objs, 'PORTCULLIS_ACCESS_LOG_SAMPLE_SUCCESS')).toBeUndefined();
  });

  it.each([
    [['--set', 'accessLog.sampleSuccess=0'], '0'],
    [['--set', 'accessLog.sampleSuccess=0.25'], '0.25'],
    [['--set-json', 'accessLog={"sampleSuccess":0.05}'], '0.05'],
  ])('%j sets PORTCULLIS_ACCESS_LOG_SAMPLE_SUCCESS=%s', (args, value) => {
    expect(envOf(renderChart([], { extra: args }), 'PORTCULLIS_ACCESS_LOG_SAMPLE_SUCCESS')).toBe(value);
  });

  it('enabled: false turns the log off (and sampling is moot)', () => {
    const objs = renderChart([], { extra: ['--set', 'accessLog.enabled=false', '--set', 'accessLog.sampleSuccess=0.5'] });
    expect(envOf(objs, 'PORTCULLIS_ACCESS_LOG')).toBe('off');
    expect(envOf(objs, 'PORTCULLIS_ACCESS_LOG_SAMPLE_SUCCESS')).toBeUndefined();
  });

  it.each(['1.5', '-0.1', 'half'])('refuses sampleSuccess=%s (outside 0..1)', (v) => {
    const r = helm(['template', 'portcullis', chartDir, ...LOCAL_IMAGE_SET, '--set', `accessLog.sampleSuccess=${v}`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/sampleSuccess/);
  });
});
