import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../src/model/diagnostics.js';
import type { KubeObjects } from '../../../src/sources/kube/kube-objects.js';
import type { CustomObject } from '../../../src/sources/kube/types.js';
import { conditionsEqual, desiredStatuses } from '../../../src/status/conditions.js';
import { EventRecorder } from '../../../src/status/events.js';
import { StatusWriter } from '../../../src/status/status-writer.js';
import { WriteBudget } from '../../../src/status/write-budget.js';

// A follower's writer: it computes and queues, and never calls the API (the port below is closed).
const kc = new KubeConfig();
kc.loadFromOptions({
  clusters: [{ name: 'c', server: 'http://127.0.0.1:9', skipTLSVerify: true }],
  users: [{ name: 'u' }],
  contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
  currentContext: 'x',
});
const logger = pino({ level: 'silent' });
const writers: StatusWriter[] = [];
function follower(): StatusWriter {
  const budget = new WriteBudget();
  const w = new StatusWriter({ kubeConfig: kc, logger, isLeader: () => false, events: new EventRecorder(kc, 'test', logger, budget), budget });
  writers.push(w);
  return w;
}
afterEach(async () => {
  await Promise.all(writers.splice(0).map((w) => w.stop()));
});

const consumer = (name: string, rv: number, status?: CustomObject['status']): CustomObject => ({
  metadata: { name, namespace: 'demo', uid: `u-${name}`, generation: 1, resourceVersion: String(rv) },
  spec: { username: name },
  ...(status && { status }),
});
const objects = (consumers: CustomObject[]): KubeObjects =>
  ({ consumers, credentials: [], routes: [], secrets: new Map(), services: new Map(), endpointSlices: new Map() }) as unknown as KubeObjects;
const broken = (name: string, message = 'bad'): Diagnostic => ({
  severity: 'error',
  reason: 'InvalidSpec',
  message,
  object: { kind: 'KongConsumer', namespace: 'demo', name, uid: `u-${name}` },
});

describe('StatusWriter incremental reports', () => {
  it('recomputes only the objects whose cached version or diagnostics changed', () => {
    const w = follower();
    const list = [consumer('a', 1), consumer('b', 2), consumer('c', 3)];
    w.report([], objects(list));
    expect(w.lastReport.computed).toBe(3);
    expect(w.pendingCount()).toBe(3);

    w.report([], objects([...list]));
    expect(w.lastReport.computed, 'same object versions, same diagnostics').toBe(0);
    expect(w.pendingCount()).toBe(3);

    w.report([broken('b')], objects(list));
    expect(w.lastReport.computed, 'b is named by a new diagnostic').toBe(1);
    expect(w.queued().get('KongConsumer/demo/b')!.desired.find((c) => c.type === 'Accepted')!.status).toBe('False');

    w.report([broken('b', 'worse')], objects(list));
    expect(w.lastReport.computed, "b's diagnostic changed").toBe(1);

    // Our write came back through the watch: a new version of a carrying the desired status.
    const desiredA = w.queued().get('KongConsumer/demo/a')!.desired;
    const a2 = consumer('a', 4, { conditions: desiredA, observedGeneration: 1 });
    w.report([broken('b', 'worse')], objects([a2, list[1]!, list[2]!]));
    expect(w.lastReport.computed).toBe(1);
    expect([...w.queued().keys()].sort()).toEqual(['KongConsumer/demo/b', 'KongConsumer/demo/c']);

    // c deleted: forgotten without recomputing anything.
    w.report([broken('b', 'worse')], objects([a2, list[1]!]));
    expect(w.lastReport.computed).toBe(0);
    expect([...w.queued().keys()]).toEqual(['KongConsumer/demo/b']);

    w.report([broken('b', 'worse')], objects([a2, list[1]!]), true);
    expect(w.lastReport.computed, 'a full report recomputes all').toBe(2);
  });

  it('queues what a full recompute of the same input queues, over seeded random change sequences', () => {
    for (let seed = 1; seed <= 20; seed++) {
      let state = seed;
      const rand = (n: number) => ((state = (state * 1103515245 + 12345) % 2 ** 31), state % n);
      const w = follower();
      let rv = 1;
      const world = new Map<string, CustomObject>();
      const diags = new Map<string, Diagnostic>();
      for (let step = 0; step < 60; step++) {
        const name = `o${rand(12)}`;
        const op = rand(6);
        if (op === 0) world.delete(name);
        else if (op === 1) diags.set(name, broken(name, `m${rand(3)}`));
        else if (op === 2) diags.delete(name);
        else if (op === 3) {
          // A status that matches what the incremental writer queued (our write coming back), or a stale one.
          const queued = w.queued().get(`KongConsumer/demo/${name}`);
          world.set(name, consumer(name, rv++, queued && rand(2) === 0 ? { conditions: queued.desired, observedGeneration: 1 } : undefined));
        } else world.set(name, world.get(name) ?? consumer(name, rv++));
        const diagnostics = [...diags.values()];
        const input = objects([...world.values()].sort((x, y) => (x.metadata!.name! < y.metadata!.name! ? -1 : 1)));
        w.report(diagnostics, input);
        const reference = follower();
        reference.report(diagnostics, input, true);
        const got = w.queued();
        const want = reference.queued();
        expect([...got.keys()].sort(), `seed ${seed} step ${step}`).toEqual([...want.keys()].sort());
        for (const [key, item] of want) {
          expect(conditionsEqual(got.get(key)!.desired, item.desired), `${key} seed ${seed} step ${step}`).toBe(true);
          expect(got.get(key)!.resourceVersion).toBe(item.resourceVersion);
        }
        // And the reference agrees with the pure desired statuses.
        const differs = desiredStatuses(diagnostics, input, new Date()).filter((d) => !(conditionsEqual(d.current, d.desired) && d.target.generation === (input.consumers.find((c) => c.metadata!.name === d.target.name)!.status?.['observedGeneration'] as number | undefined)));
        expect(differs.length).toBe(want.size);
      }
    }
  });
});
