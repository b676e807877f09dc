import { describe, expect, it } from 'vitest';
import { CRD_DEFINITIONS } from '../../../src/model/crd-definitions.js';
import { KIC_API_VERSION, KIC_CONSUMER_GROUP_API_VERSION, isKicKind, kicPluginSchema } from '../../../src/model/kic.js';

/**
 * The name clash with Kong Ingress Controller (docs/kong-ingress-controller.md#the-name-clash):
 * KIC's KongConsumer and ours share a kind, so short names and printer columns must tell them apart.
 * KIC's documented short names: kc (KongConsumer), kcg (KongConsumerGroup), kp (KongPlugin),
 * kcp (KongClusterPlugin), ki (KongIngress), kup (KongUpstreamPolicy), kce (KongCustomEntity), kv (KongVault).
 */
const KIC_SHORT_NAMES = ['kc', 'kcg', 'kp', 'kcp', 'ki', 'kup', 'kce', 'kv'];
/** KIC's KongConsumer columns (kubectl get kongconsumers.configuration.konghq.com). */
const KIC_CONSUMER_COLUMNS = ['Username', 'Age', 'Programmed'];

describe('the KongConsumer name clash', () => {
  it("our short names are none of KIC's", () => {
    const ours = CRD_DEFINITIONS.flatMap((d) => d.shortNames);
    expect(ours.filter((n) => KIC_SHORT_NAMES.includes(n))).toEqual([]);
    expect(CRD_DEFINITIONS.find((d) => d.kind === 'KongConsumer')!.shortNames).toEqual(['kcon']);
  });

  it("our KongConsumer's printer columns differ from KIC's", () => {
    const cols = CRD_DEFINITIONS.find((d) => d.kind === 'KongConsumer')!.printerColumns.map((c) => c.name);
    expect(cols).toContain('Custom ID');
    expect([...cols].sort()).not.toEqual([...KIC_CONSUMER_COLUMNS].sort());
  });

  it('our CRDs are in the portcullis category, not KIC\'s', () => {
    for (const d of CRD_DEFINITIONS) expect(d.categories).toEqual(['portcullis']);
  });
});

describe('KIC kinds', () => {
  it('are recognised with their own apiVersions (KongConsumerGroup is v1beta1)', () => {
    expect(isKicKind(KIC_API_VERSION, 'KongConsumer')).toBe(true);
    expect(isKicKind(KIC_API_VERSION, 'KongPlugin')).toBe(true);
    expect(isKicKind(KIC_API_VERSION, 'KongClusterPlugin')).toBe(true);
    expect(isKicKind(KIC_CONSUMER_GROUP_API_VERSION, 'KongConsumerGroup')).toBe(true);
    expect(isKicKind(KIC_API_VERSION, 'KongConsumerGroup')).toBe(false);
    expect(isKicKind('portcullis.dev/v1alpha1', 'KongConsumer')).toBe(false);
    expect(isKicKind(KIC_API_VERSION, 'toString')).toBe(false);
  });

  it('a KongPlugin sets config or configFrom, not both', () => {
    expect(kicPluginSchema.safeParse({ plugin: 'jwt' }).success).toBe(true);
    const both = kicPluginSchema.safeParse({ plugin: 'jwt', config: {}, configFrom: { secretKeyRef: { name: 's', key: 'k' } } });
    expect(both.success).toBe(false);
    expect(both.error!.issues[0]!.path).toEqual(['configFrom']);
  });
});
