import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { hostPolicyOption } from '../../src/cli/host-policy-option.js';
import { findObject, helm, chartDir, HELM_BUILD_TIMEOUT_MS, LOCAL_IMAGE_SET, renderChart, type K8sObject } from './helm.js';

/** The chart's hostPolicy value reaches the controller as PORTCULLIS_HOST_POLICY, in a form it accepts. */
const dir = mkdtempSync(join(tmpdir(), 'pc-host-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function valuesFile(values: unknown): string {
  const file = join(dir, `values-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify(values));
  return file;
}

function env(objs: K8sObject[]): Array<{ name: string; value?: string }> {
  const d = findObject(objs, 'Deployment') as unknown as { spec: { template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> } } } };
  return d.spec.template.spec.containers[0]!.env;
}

describe('chart hostPolicy', () => {
  it('no rules (the default): no policy', { timeout: HELM_BUILD_TIMEOUT_MS }, () => {
    expect(env(renderChart()).some((e) => e.name === 'PORTCULLIS_HOST_POLICY')).toBe(false);
  });

  it('rules become PORTCULLIS_HOST_POLICY, which the controller parses back to the same rules', () => {
    const rules = [
      { name: 'bank', hosts: ['*.bank.example', 'bank.example'], namespaces: ['bank'] },
      { name: 'default', hosts: ['*'], namespaces: ['platform', 'ops'] },
    ];
    const policy = env(renderChart([], { extra: ['-f', valuesFile({ hostPolicy: { rules } })] })).find((e) => e.name === 'PORTCULLIS_HOST_POLICY');
    expect(hostPolicyOption(policy?.value)).toEqual({ rules });
  });

  it('the values schema refuses a host pattern the controller would refuse', () => {
    const bad = valuesFile({ hostPolicy: { rules: [{ name: 'x', hosts: ['api.*'], namespaces: ['a'] }] } });
    const r = helm(['template', 'portcullis', chartDir, ...LOCAL_IMAGE_SET, '-f', bad]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/hostPolicy/);
  });
});
