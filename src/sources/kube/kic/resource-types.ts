import type { KubeConfig, KubernetesObject, V1Secret } from '@kubernetes/client-node';
import { KIC_CREDENTIAL_LABEL, KIC_GROUP, KIC_PLURALS } from '../../../model/kic.js';
import { listRaw } from '../raw-list.js';
import type { ResourceName, ResourceType } from '../resource-types.js';
import type { KicObject, KicObjects } from './types.js';

/** The types watched with --kic-resources only (docs/kong-ingress-controller.md), so clusters without KIC's CRDs are unaffected. */
export const KIC_RESOURCES = ['kic-consumers', 'kic-consumergroups', 'kic-plugins', 'kic-clusterplugins', 'kic-secrets'] as const satisfies readonly ResourceName[];
export type KicResourceName = (typeof KIC_RESOURCES)[number];

export function kicResourceTypes(kc: KubeConfig, namespace?: string): Record<KicResourceName, ResourceType> {
  const nsPath = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const type = (version: string, plural: string, clusterScoped = false): ResourceType => {
    const watchPath = `/apis/${KIC_GROUP}/${version}${clusterScoped ? '' : nsPath}/${plural}`;
    // Full resource names: "kongconsumers" alone would read as ours in logs and metrics.
    // statusRead 'none': their status is our Programmed condition, so our own PATCH must not rebuild.
    return { name: `${plural}.${KIC_GROUP}`, watchPath, isCustom: true, statusRead: 'none', list: (params) => listRaw(kc, watchPath, params) };
  };
  return {
    'kic-consumers': type('v1', KIC_PLURALS.KongConsumer),
    'kic-consumergroups': type('v1beta1', KIC_PLURALS.KongConsumerGroup),
    'kic-plugins': type('v1', KIC_PLURALS.KongPlugin),
    'kic-clusterplugins': type('v1', KIC_PLURALS.KongClusterPlugin, true),
    // Only Secrets carrying the label (any value): we never hold other Secrets' data.
    'kic-secrets': {
      name: 'secrets(konghq.com/credential)',
      watchPath: `/api/v1${nsPath}/secrets`,
      labelSelector: KIC_CREDENTIAL_LABEL,
      isCustom: false,
      list: (params) => listRaw(kc, `/api/v1${nsPath}/secrets`, params, { labelSelector: KIC_CREDENTIAL_LABEL }),
    },
  };
}

/** The watch caches → KicObjects (lists sorted by namespace/name, Secrets keyed "ns/name"). */
export function collectKic(
  values: (name: KicResourceName) => readonly KubernetesObject[],
  entries: () => Array<[string, KubernetesObject]>,
): KicObjects {
  return {
    consumers: [...values('kic-consumers')] as KicObject[],
    consumerGroups: [...values('kic-consumergroups')] as KicObject[],
    plugins: [...values('kic-plugins')] as KicObject[],
    clusterPlugins: [...values('kic-clusterplugins')] as KicObject[],
    credentialSecrets: new Map(entries() as Array<[string, V1Secret]>),
  };
}
