import { beforeAll, describe, expect, it } from 'vitest';
import { chartDir, findObject, helm, helmBinary, HELM_BUILD_TIMEOUT_MS, LOCAL_IMAGE_SET, renderChart, type K8sObject } from './helm.js';

/** The chart's tokenCacheBytes value: the pod-wide verified-token cache budget, as an env var. */
type Env = Array<{ name: string; value?: string }>;
const envOf = (objs: K8sObject[]) =>
  (findObject(objs, 'Deployment') as K8sObject & { spec: { template: { spec: { containers: Array<{ env: Env }> } } } }).spec.template.spec
    .containers[0]!.env;
const budgetOf = (objs: K8sObject[]) => envOf(objs).find((e) => e.name === 'PORTCULLIS_TOKEN_CACHE_BYTES')?.value;

describe('tokenCacheBytes', () => {
  beforeAll(() => void helmBinary(), HELM_BUILD_TIMEOUT_MS);

  it('is left to the gateway by default (derived from the heap limit)', () => {
    expect(budgetOf(renderChart())).toBeUndefined();
  });

  it.each([
    [['--set-string', 'tokenCacheBytes=32Mi'], '32Mi'],
    [['--set', 'tokenCacheBytes=1048576'], '1048576'],
    [['--set', 'tokenCacheBytes=0'], '0'],
  ])('%j sets PORTCULLIS_TOKEN_CACHE_BYTES=%s', (args, value) => {
    expect(budgetOf(renderChart([], { extra: args }))).toBe(value);
  });

  it('refuses what the gateway would not parse', () => {
    const r = helm(['template', 'portcullis', chartDir, ...LOCAL_IMAGE_SET, '--set-string', 'tokenCacheBytes=32MB']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/tokenCacheBytes/);
  });
});
