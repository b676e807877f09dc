import { describe, expect, it } from 'vitest';
import { diagnostic } from '../../../src/model/diagnostics.js';
import { KIC_CONSUMER_KIND } from '../../../src/model/kic.js';
import type { KicObject, KicObjects } from '../../../src/sources/kube/kic/types.js';
import { KIC_PROGRAMMED_MESSAGE, kicConditions, kicDesiredStatuses } from '../../../src/status/kic-conditions.js';

const NOW = new Date('2026-01-02T03:04:05.678Z');
const CLASS = { 'kubernetes.io/ingress.class': 'kong' };
const obj = (name: string, extra: Partial<KicObject['metadata']> = {}, namespace: string | undefined = 'ns'): KicObject => ({
  metadata: { name, ...(namespace !== undefined && { namespace }), uid: `uid-${name}`, generation: 3, ...extra },
});
const kic = (over: Partial<KicObjects> = {}): KicObjects => ({ consumers: [], consumerGroups: [], plugins: [], clusterPlugins: [], credentialSecrets: new Map(), ...over });

describe('kicDesiredStatuses', () => {
  it('Programmed True on the objects of our class and on every KongPlugin, each with its group and version', () => {
    const out = kicDesiredStatuses(
      [],
      kic({
        consumers: [obj('a', { annotations: CLASS }), obj('classless')],
        consumerGroups: [obj('g', { annotations: CLASS })],
        plugins: [obj('p')],
        clusterPlugins: [obj('cp', { annotations: CLASS }, undefined), obj('other', { annotations: { 'kubernetes.io/ingress.class': 'nginx' } }, undefined)],
      }),
      { className: 'kong' },
      NOW,
    );
    expect(out.map((d) => [d.target.kind, d.target.apiVersion, d.target.namespace, d.target.name])).toEqual([
      ['KongConsumer', 'configuration.konghq.com/v1', 'ns', 'a'],
      ['KongConsumerGroup', 'configuration.konghq.com/v1beta1', 'ns', 'g'],
      ['KongPlugin', 'configuration.konghq.com/v1', 'ns', 'p'],
      ['KongClusterPlugin', 'configuration.konghq.com/v1', '', 'cp'],
    ]);
    expect(out[0]!.desired).toEqual([
      { type: 'Programmed', status: 'True', reason: 'Programmed', message: KIC_PROGRAMMED_MESSAGE, observedGeneration: 3, lastTransitionTime: '2026-01-02T03:04:05Z' },
    ]);
  });

  it("False with the first error's reason and the errors' messages; diagnostics of another incarnation or kind ignored", () => {
    const ref = { kind: KIC_CONSUMER_KIND, namespace: 'ns', name: 'a', uid: 'uid-a' };
    const out = kicDesiredStatuses(
      [
        diagnostic('error', ref, 'SecretNotFound', "Secret 'ns/x' not found", 'credentials[0]'),
        diagnostic('warning', ref, 'ConsumerGroupNotFound', 'no group', 'consumerGroups[0]'),
        diagnostic('error', { ...ref, uid: 'old' }, 'InvalidSpec', 'stale'),
        diagnostic('error', { kind: 'KongConsumer', namespace: 'ns', name: 'a' }, 'InvalidSpec', 'ours, not KIC'),
        diagnostic('error', { kind: 'KongClusterPlugin', name: 'cp' }, 'InvalidPluginConfig', 'bad', 'config.x'),
      ],
      kic({ consumers: [obj('a', { annotations: CLASS })], clusterPlugins: [obj('cp', { annotations: CLASS }, undefined)] }),
      { className: 'kong' },
      NOW,
    );
    expect(out[0]!.desired[0]).toMatchObject({ status: 'False', reason: 'SecretNotFound', message: "credentials[0]: Secret 'ns/x' not found" });
    expect(out[1]!.desired[0]).toMatchObject({ status: 'False', reason: 'InvalidPluginConfig', message: 'config.x: bad' });
  });
});

describe('kicConditions', () => {
  it('keeps lastTransitionTime while status and reason hold, and other conditions as they are', () => {
    const current = [
      { type: 'Programmed', status: 'True' as const, reason: 'Programmed', message: 'x', lastTransitionTime: '2020-01-01T00:00:00Z', observedGeneration: 1 },
      { type: 'Foreign', status: 'True' as const, reason: 'R', message: '', lastTransitionTime: '2020-01-01T00:00:00Z' },
    ];
    const out = kicConditions([], current, 2, '2026-01-01T00:00:00Z');
    expect(out[0]).toMatchObject({ lastTransitionTime: '2020-01-01T00:00:00Z', observedGeneration: 2 });
    expect(out[1]).toBe(current[1]);
    const failed = kicConditions([diagnostic('error', { kind: 'KongPlugin', name: 'p' }, 'UnknownPlugin', 'no')], current, 2, '2026-01-01T00:00:00Z');
    expect(failed[0]).toMatchObject({ status: 'False', reason: 'UnknownPlugin', lastTransitionTime: '2026-01-01T00:00:00Z' });
  });
});
