import { beforeAll, describe, expect, it } from 'vitest';
import { chartDir, findObject, helm, helmBinary, HELM_BUILD_TIMEOUT_MS, LOCAL_IMAGE_SET, renderChart, type K8sObject } from './helm.js';

/** The chart's websocketIdleTimeout value (docs/websocket.md), as PORTCULLIS_WEBSOCKET_IDLE_TIMEOUT. */
type Env = Array<{ name: string; value?: string }>;
const idleOf = (objs: K8sObject[]) =>
  (findObject(objs, 'Deployment') as K8sObject & { spec: { template: { spec: { containers: Array<{ env: Env }> } } } }).spec.template.spec
    .containers[0]!.env.find((e) => e.name === 'PORTCULLIS_WEBSOCKET_IDLE_TIMEOUT')?.value;

describe('websocketIdleTimeout', () => {
  beforeAll(() => void helmBinary(), HELM_BUILD_TIMEOUT_MS);

  it("is left to the gateway by default (each service's read_timeout)", () => {
    expect(idleOf(renderChart())).toBeUndefined();
  });

  it.each([
    [['--set-string', 'websocketIdleTimeout=15m'], '15m'],
    [['--set', 'websocketIdleTimeout=300'], '300'],
    [['--set', 'websocketIdleTimeout=0'], '0'],
  ])('%j sets PORTCULLIS_WEBSOCKET_IDLE_TIMEOUT=%s', (args, value) => {
    expect(idleOf(renderChart([], { extra: args }))).toBe(value);
  });

  it('refuses what the gateway would not parse', () => {
    const r = helm(['template', 'portcullis', chartDir, ...LOCAL_IMAGE_SET, '--set-string', 'websocketIdleTimeout=10ms']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/websocketIdleTimeout/);
  });
});
