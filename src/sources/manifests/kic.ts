import type { Diagnostic } from '../../model/diagnostics.js';
import { KIC_CONSUMER_KIND, KIC_CREDENTIAL_LABEL, KIC_DEFAULT_CLASS, isKicKind } from '../../model/kic.js';
import type { ResourceSet } from '../../model/resources.js';
import { withKicResources, type KicObjects } from '../kube/kic/index.js';
import type { KicObject } from '../kube/kic/types.js';
import type { SecretObject, ServiceObject } from '../kube/types.js';

export { isKicKind };

/** Reasons about references to objects that may live in the cluster rather than in the file. */
const ELSEWHERE = new Set(['SecretNotFound', 'PluginNotFound', 'ConsumerGroupNotFound']);

interface FileObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown; labels?: unknown };
}

/**
 * Offline check of Kong Ingress Controller's objects in one manifest file (`portcullis validate`,
 * docs/kong-ingress-controller.md#validate): what `controller --kic-resources` (class "kong")
 * would report about them: their fields, each KongPlugin's config with the kong.yml plugin
 * schemas, jwt credential Secrets in the file, konghq.com/plugins on the file's Ingresses and
 * Services. References to objects that are not in the file are not errors.
 */
export function checkKicManifests(objects: ReadonlyArray<{ obj: FileObject; path: string }>, fileName: string): { diagnostics: Diagnostic[]; checked: Partial<Record<string, number>>; loadedSecrets: Set<string> } {
  const kic: KicObjects & { credentialSecrets: Map<string, SecretObject> } = { consumers: [], consumerGroups: [], plugins: [], clusterPlugins: [], credentialSecrets: new Map() };
  const secrets = new Map<string, SecretObject>();
  const services = new Map<string, ServiceObject>();
  const checked: Partial<Record<string, number>> = {};
  const paths = new Map<string, string>();
  for (const { obj: raw, path } of objects) {
    const ns = typeof raw.metadata?.namespace === 'string' ? raw.metadata.namespace : 'default';
    const key = `${ns}/${typeof raw.metadata?.name === 'string' ? raw.metadata.name : ''}`;
    paths.set(`${String(raw.kind)}|${raw.kind === 'KongClusterPlugin' ? '' : ns}|${key.slice(ns.length + 1)}`, path);
    if (isKicKind(raw.apiVersion, raw.kind)) {
      // KongConsumer by its full name: ours is counted as KongConsumer (docs/kong-ingress-controller.md#the-name-clash).
      const label = raw.kind === 'KongConsumer' ? KIC_CONSUMER_KIND : raw.kind;
      checked[label] = (checked[label] ?? 0) + 1;
      const o = raw as unknown as KicObject;
      const obj = raw.kind === 'KongClusterPlugin' ? o : { ...o, metadata: { ...o.metadata, namespace: ns } };
      ({ KongConsumer: kic.consumers, KongConsumerGroup: kic.consumerGroups, KongPlugin: kic.plugins, KongClusterPlugin: kic.clusterPlugins })[raw.kind].push(obj);
    } else if (raw.apiVersion === 'v1' && raw.kind === 'Secret') {
      const labels = (raw.metadata?.labels ?? {}) as Record<string, unknown>;
      const s = { ...(raw as unknown as SecretObject), metadata: { ...(raw as unknown as SecretObject).metadata, namespace: ns } };
      if (labels[KIC_CREDENTIAL_LABEL] !== undefined) kic.credentialSecrets.set(key, s);
      else secrets.set(key, s);
    } else if (raw.apiVersion === 'v1' && raw.kind === 'Service') {
      services.set(key, { ...(raw as unknown as ServiceObject), metadata: { ...(raw as unknown as ServiceObject).metadata, namespace: ns } });
    }
  }
  const loadedSecrets = new Set<string>();
  const total = kic.consumers.length + kic.consumerGroups.length + kic.plugins.length + kic.clusterPlugins.length;
  if (total === 0) return { diagnostics: [], checked, loadedSecrets };
  // The KIC layer on its own; the file's Ingresses are checkIngressManifest's.
  const base: ResourceSet = { consumers: [], credentials: [], routes: [], diagnostics: [] };
  const out = withKicResources(base, { kic, secrets, services }, { className: KIC_DEFAULT_CLASS });
  for (const c of kic.consumers) {
    for (const name of Array.isArray(c['credentials']) ? (c['credentials'] as unknown[]) : []) {
      const key = `${c.metadata.namespace}/${String(name)}`;
      if (kic.credentialSecrets.has(key)) loadedSecrets.add(key);
    }
  }
  // Named as the file's other diagnostics are: file, document and line.
  const diagnostics = out.diagnostics
    .filter((d) => !ELSEWHERE.has(d.reason))
    .map((d) => {
      const kind = d.object.kind === KIC_CONSUMER_KIND ? 'KongConsumer' : d.object.kind;
      const path = paths.get(`${kind}|${d.object.namespace ?? ''}|${d.object.name}`);
      return { ...d, object: { ...d.object, file: fileName, ...(path !== undefined && { path }) } };
    });
  return { diagnostics, checked, loadedSecrets };
}
