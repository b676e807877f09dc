import { beforeAll, describe, expect, it } from 'vitest';
import { heapDecision, oldSpaceMbFor } from '../../src/cli/heap-limit.js';
import { findObject, helmBinary, HELM_BUILD_TIMEOUT_MS, renderChart, type K8sObject } from './helm.js';

/** The chart's NODE_OPTIONS heap size (docs/controller-memory.md#heap-limit): what the gateway would derive from the cgroup, without a relaunch. */
type Env = Array<{ name: string; value?: string }>;
const envList = (objs: K8sObject[]): Env =>
  (findObject(objs, 'Deployment') as K8sObject & { spec: { template: { spec: { containers: Array<{ env: Env }> } } } }).spec.template.spec.containers[0]!.env;
const nodeOptions = (env: Env): string[] => env.filter((e) => e.name === 'NODE_OPTIONS').map((e) => e.value ?? '');
const MiB = 1048576;

describe('heap size from resources.limits.memory', () => {
  beforeAll(() => void helmBinary(), HELM_BUILD_TIMEOUT_MS);

  it.each([
    ['the default 512Mi', [], 512 * MiB],
    ['1Gi', ['--set', 'resources.limits.memory=1Gi'], 1024 * MiB],
    ['768Mi', ['--set', 'resources.limits.memory=768Mi'], 768 * MiB],
    ['bytes', ['--set-string', `resources.limits.memory=${300 * MiB}`], 300 * MiB],
  ])('%s: the flag the gateway derives from the same cgroup limit, so it does not start itself again', (_what, extra, limitBytes) => {
    const opts = nodeOptions(envList(renderChart([], { extra })));
    expect(opts).toEqual([`--max-old-space-size=${oldSpaceMbFor(limitBytes)}`]);
    // With that NODE_OPTIONS the process keeps its heap: no relaunch under the limit.
    expect(heapDecision({ execArgv: [], nodeOptions: opts[0], limitBytes, currentHeapLimitBytes: 0 }).flag).toBeUndefined();
  });

  it('no memory limit (or one in another unit): no NODE_OPTIONS, the gateway derives it from the cgroup itself', () => {
    expect(nodeOptions(envList(renderChart([], { extra: ['--set', 'resources.limits.memory=null'] })))).toEqual([]);
    expect(nodeOptions(envList(renderChart([], { extra: ['--set', 'resources.limits.memory=0.5G'] })))).toEqual([]);
  });

  it("the user's own NODE_OPTIONS in extraEnv wins and is the only one", () => {
    const env = envList(renderChart([], { extra: ['--set', 'extraEnv[0].name=NODE_OPTIONS', '--set', 'extraEnv[0].value=--max-old-space-size=100'] }));
    expect(nodeOptions(env)).toEqual(['--max-old-space-size=100']);
  });
});
