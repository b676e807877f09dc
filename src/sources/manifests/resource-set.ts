import { parseAllDocuments } from 'yaml';
import { CRD_API_VERSION, isCrdKind } from '../../model/crds.js';
import { diagnostic, type Diagnostic } from '../../model/diagnostics.js';
import type { HostPolicy } from '../../model/host-policy.js';
import type { ResourceSet } from '../../model/resources.js';
import { groupEndpointSlices } from '../kube/kube-objects.js';
import { toResourceSet } from '../kube/to-resource-set.js';
import type { CustomObject, EndpointSliceObject, SecretObject, ServiceObject, ToResourceSetInput } from '../kube/types.js';
import { yamlErrorText } from '../yaml-error-text.js';

export interface ManifestResources {
  resources: ResourceSet;
  /** The file held EndpointSlices: without any, Service endpoints are unknown (they live in the cluster). */
  hasEndpointSlices: boolean;
}

/**
 * CR manifests (multi-document YAML, e.g. `helm template` or a kustomize build) → the ResourceSet
 * the controller would build from the same objects in the cluster: the same toResourceSet as the
 * kube source, so `portcullis explain --manifests` sees what the controller would serve. A missing
 * namespace is "default", as kubectl assumes. Documents that do not parse become diagnostics.
 */
export function manifestsToResourceSet(text: string, fileName: string, opts: { hostPolicy?: HostPolicy } = {}): ManifestResources {
  const input: ToResourceSetInput = { consumers: [], credentials: [], routes: [], secrets: new Map(), endpointSlices: new Map(), services: new Map() };
  const slices: EndpointSliceObject[] = [];
  const problems: Diagnostic[] = [];
  parseAllDocuments(text).forEach((doc, index) => {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) problems.push(diagnostic('error', { kind: 'document', name: `#${index + 1}`, file: fileName }, 'InvalidYAML', yamlErrorText(e)));
      return;
    }
    let obj: unknown;
    try {
      obj = doc.toJS({ maxAliasCount: 100 });
    } catch {
      problems.push(diagnostic('error', { kind: 'document', name: `#${index + 1}`, file: fileName }, 'InvalidYAML', 'document could not be loaded'));
      return;
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return;
    const o = obj as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: string; namespace?: string } };
    const metadata = { ...o.metadata, namespace: o.metadata?.namespace ?? 'default' };
    const key = `${metadata.namespace}/${metadata.name ?? ''}`;
    if (o.apiVersion === CRD_API_VERSION && isCrdKind(o.kind)) {
      const cr = { ...(obj as CustomObject), metadata };
      if (o.kind === 'KongConsumer') input.consumers.push(cr);
      else if (o.kind === 'JwtCredential') input.credentials.push(cr);
      else input.routes.push(cr);
    } else if (o.apiVersion === 'v1' && o.kind === 'Secret') {
      (input.secrets as Map<string, SecretObject>).set(key, { ...(obj as SecretObject), metadata });
    } else if (o.apiVersion === 'v1' && o.kind === 'Service') {
      (input.services as Map<string, ServiceObject>).set(key, { ...(obj as ServiceObject), metadata });
    } else if (o.apiVersion === 'discovery.k8s.io/v1' && o.kind === 'EndpointSlice') {
      slices.push({ ...(obj as EndpointSliceObject), metadata });
    }
  });
  input.endpointSlices = groupEndpointSlices(slices, 'default');
  const resources = toResourceSet(input, opts);
  resources.diagnostics = [...problems, ...resources.diagnostics];
  return { resources, hasEndpointSlices: slices.length > 0 };
}
