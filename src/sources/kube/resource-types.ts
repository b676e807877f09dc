import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { CRD_GROUP, CRD_PLURALS, CRD_VERSION, CREDENTIAL_SECRET_SELECTOR } from './kube-objects.js';
import type { StatusRead } from './object-change.js';
import { listRaw } from './raw-list.js';

/** One page of a list call, normalised across typed (core) and raw (custom object) responses. */
export interface ListPage {
  items: KubernetesObject[];
  resourceVersion: string;
  continueToken?: string;
}

export interface ListParams {
  limit: number;
  continueToken?: string;
}

/** What the generic watcher needs to know about one resource type. */
export interface ResourceType {
  /** Short name used in logs and in sync reports, e.g. "secrets". */
  name: string;
  /** Collection path for the watch, e.g. "/api/v1/namespaces/demo/secrets". */
  watchPath: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** True for our CRDs: a 404 means "CRD not installed yet", which is reported, not fatal. */
  isCustom: boolean;
  /** What of `.status` the gateway reads (default 'all'); 'none' for the types whose status we write. */
  statusRead?: StatusRead;
  list(params: ListParams): Promise<ListPage>;
}

export type BaseResourceName = 'kongconsumers' | 'jwtcredentials' | 'routes' | 'secrets' | 'services' | 'endpointslices';
/** The base types, plus Ingress's with --ingress (docs/ingress.md) and the Gateway API ones with --gateway-api (gateway-api/resource-types.ts). */
export type ResourceName = BaseResourceName | 'ingresses' | 'ingressclasses' | 'gatewayclasses' | 'gateways' | 'httproutes' | 'referencegrants' | 'jwtpolicies' | 'namespaces' | 'tlssecrets'
  // --kic-resources (kic/resource-types.ts)
  | 'kic-consumers' | 'kic-consumergroups' | 'kic-plugins' | 'kic-clusterplugins' | 'kic-secrets';

/** Builds the watched types for one namespace (or all, when namespace is undefined). */
export function resourceTypes(kc: KubeConfig, namespace?: string): Record<BaseResourceName | 'ingresses' | 'ingressclasses', ResourceType> {
  const nsPath = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  // Lists are plain JSON over the collection path the watch uses (raw-list.ts), not client-node's typed calls.
  const type = (name: string, watchPath: string, isCustom: boolean, opts: { labelSelector?: string; statusRead?: StatusRead } = {}): ResourceType => ({
    name,
    watchPath,
    ...(opts.labelSelector !== undefined && { labelSelector: opts.labelSelector }),
    isCustom,
    ...(opts.statusRead !== undefined && { statusRead: opts.statusRead }),
    list: (params) => listRaw(kc, watchPath, params, opts),
  });
  // Our CRs' status is our conditions: a status PATCH must not rebuild.
  const crd = (plural: string): ResourceType => type(plural, `/apis/${CRD_GROUP}/${CRD_VERSION}${nsPath}/${plural}`, true, { statusRead: 'none' });

  return {
    kongconsumers: crd(CRD_PLURALS.KongConsumer),
    jwtcredentials: crd(CRD_PLURALS.JwtCredential),
    routes: crd(CRD_PLURALS.Route),
    secrets: type('secrets', `/api/v1${nsPath}/secrets`, false, { labelSelector: CREDENTIAL_SECRET_SELECTOR }),
    services: type('services', `/api/v1${nsPath}/services`, false),
    endpointslices: type('endpointslices', `/apis/discovery.k8s.io/v1${nsPath}/endpointslices`, false),
    // status.loadBalancer is ours to write.
    ingresses: type('ingresses', `/apis/networking.k8s.io/v1${nsPath}/ingresses`, false, { statusRead: 'none' }),
    // Cluster-scoped: watched whole even when one namespace is.
    ingressclasses: type('ingressclasses', '/apis/networking.k8s.io/v1/ingressclasses', false),
  };
}
