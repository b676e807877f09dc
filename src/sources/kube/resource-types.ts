import {
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  NetworkingV1Api,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { CRD_GROUP, CRD_PLURALS, CRD_VERSION, CREDENTIAL_SECRET_SELECTOR } from './kube-objects.js';
import type { StatusRead } from './object-change.js';

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

interface AnyList {
  items?: KubernetesObject[];
  metadata?: { resourceVersion?: string; _continue?: string; continue?: string };
}

function page(list: AnyList): ListPage {
  const continueToken = list.metadata?._continue ?? list.metadata?.continue;
  return {
    items: list.items ?? [],
    resourceVersion: list.metadata?.resourceVersion ?? '',
    ...(continueToken ? { continueToken } : {}),
  };
}

/** Builds the watched types for one namespace (or all, when namespace is undefined). */
export function resourceTypes(kc: KubeConfig, namespace?: string): Record<BaseResourceName | 'ingresses' | 'ingressclasses', ResourceType> {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const networking = kc.makeApiClient(NetworkingV1Api);
  const nsPath = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';

  const crd = (plural: string): ResourceType => ({
    name: plural,
    watchPath: `/apis/${CRD_GROUP}/${CRD_VERSION}${nsPath}/${plural}`,
    isCustom: true,
    statusRead: 'none', // our conditions: a status PATCH must not rebuild
    list: async ({ limit, continueToken }) => {
      const base = { group: CRD_GROUP, version: CRD_VERSION, plural, limit, _continue: continueToken };
      const res = namespace
        ? await custom.listNamespacedCustomObject({ ...base, namespace })
        : await custom.listCustomObjectForAllNamespaces(base);
      return page(res as AnyList);
    },
  });

  return {
    kongconsumers: crd(CRD_PLURALS.KongConsumer),
    jwtcredentials: crd(CRD_PLURALS.JwtCredential),
    routes: crd(CRD_PLURALS.Route),
    secrets: {
      name: 'secrets',
      watchPath: `/api/v1${nsPath}/secrets`,
      labelSelector: CREDENTIAL_SECRET_SELECTOR,
      isCustom: false,
      list: async ({ limit, continueToken }) => {
        const p = { labelSelector: CREDENTIAL_SECRET_SELECTOR, limit, _continue: continueToken };
        const res = namespace
          ? await core.listNamespacedSecret({ ...p, namespace })
          : await core.listSecretForAllNamespaces(p);
        return page(res as AnyList);
      },
    },
    services: {
      name: 'services',
      watchPath: `/api/v1${nsPath}/services`,
      isCustom: false,
      list: async ({ limit, continueToken }) => {
        const p = { limit, _continue: continueToken };
        const res = namespace
          ? await core.listNamespacedService({ ...p, namespace })
          : await core.listServiceForAllNamespaces(p);
        return page(res as AnyList);
      },
    },
    endpointslices: {
      name: 'endpointslices',
      watchPath: `/apis/discovery.k8s.io/v1${nsPath}/endpointslices`,
      isCustom: false,
      list: async ({ limit, continueToken }) => {
        const p = { limit, _continue: continueToken };
        const res = namespace
          ? await discovery.listNamespacedEndpointSlice({ ...p, namespace })
          : await discovery.listEndpointSliceForAllNamespaces(p);
        return page(res as AnyList);
      },
    },
    ingresses: {
      name: 'ingresses',
      watchPath: `/apis/networking.k8s.io/v1${nsPath}/ingresses`,
      isCustom: false,
      statusRead: 'none', // status.loadBalancer is ours to write
      list: async ({ limit, continueToken }) => {
        const p = { limit, _continue: continueToken };
        const res = namespace
          ? await networking.listNamespacedIngress({ ...p, namespace })
          : await networking.listIngressForAllNamespaces(p);
        return page(res as AnyList);
      },
    },
    // Cluster-scoped: watched whole even when one namespace is.
    ingressclasses: {
      name: 'ingressclasses',
      watchPath: '/apis/networking.k8s.io/v1/ingressclasses',
      isCustom: false,
      list: async ({ limit, continueToken }) => page((await networking.listIngressClass({ limit, _continue: continueToken })) as AnyList),
    },
  };
}
