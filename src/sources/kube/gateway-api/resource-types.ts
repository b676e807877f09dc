import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { GATEWAY_API_GROUP, GATEWAY_API_VERSION, GATEWAY_CONTROLLER_NAME } from '../../../model/gateway-api.js';
import type { StatusRead } from '../object-change.js';
import { CRD_GROUP, CRD_VERSION } from '../kube-objects.js';
import { listRaw } from '../raw-list.js';
import type { ResourceName, ResourceType } from '../resource-types.js';
import type { CustomObject, SecretObject } from '../types.js';
import type { GatewayApiObjects } from './types.js';

/** The types watched with --gateway-api only (docs/gateway-api.md), so clusters without the Gateway API CRDs are unaffected. */
export const GATEWAY_API_RESOURCES = ['gatewayclasses', 'gateways', 'httproutes', 'referencegrants', 'jwtpolicies', 'namespaces', 'tlssecrets'] as const satisfies readonly ResourceName[];
export type GatewayApiResourceName = (typeof GATEWAY_API_RESOURCES)[number];

export function gatewayApiResourceTypes(kc: KubeConfig, namespace?: string): Record<GatewayApiResourceName, ResourceType> {
  const nsPath = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const type = (group: string, version: string, plural: string, clusterScoped = false, statusRead: StatusRead = 'all'): ResourceType => {
    const watchPath = `/apis/${group}/${version}${clusterScoped ? '' : nsPath}/${plural}`;
    return { name: plural, watchPath, isCustom: true, statusRead, list: (params) => listRaw(kc, watchPath, params) };
  };
  return {
    // Status we write is not an input: our own status PATCH does not rebuild (docs/controller-scale.md).
    gatewayclasses: type(GATEWAY_API_GROUP, GATEWAY_API_VERSION, 'gatewayclasses', true, 'none'),
    gateways: type(GATEWAY_API_GROUP, GATEWAY_API_VERSION, 'gateways', false, 'none'),
    // Other controllers' parents are merged into ours: only their change is an input.
    httproutes: type(GATEWAY_API_GROUP, GATEWAY_API_VERSION, 'httproutes', false, foreignParentsChanged),
    referencegrants: type(GATEWAY_API_GROUP, GATEWAY_API_VERSION, 'referencegrants'),
    jwtpolicies: type(CRD_GROUP, CRD_VERSION, 'jwtpolicies', false, 'none'),
    // Labels only, for allowedRoutes namespaces selectors.
    namespaces: { name: 'namespaces', watchPath: '/api/v1/namespaces', isCustom: false, list: (params) => listRaw(kc, '/api/v1/namespaces', params) },
    // Listener certificateRefs name kubernetes.io/tls Secrets without our credential label, as with
    // every Gateway API implementation (docs/gateway-api.md#listeners); only listeners read these.
    tlssecrets: {
      name: 'tlssecrets',
      watchPath: `/api/v1${nsPath}/secrets`,
      fieldSelector: TLS_SECRET_SELECTOR,
      isCustom: false,
      list: (params) => listRaw(kc, `/api/v1${nsPath}/secrets`, params, { fieldSelector: TLS_SECRET_SELECTOR }),
    },
  };
}

const TLS_SECRET_SELECTOR = 'type=kubernetes.io/tls';

/** Whether the HTTPRoute status parents of other controllers differ (ours are what we write). */
export function foreignParentsChanged(prev: unknown, next: unknown): boolean {
  const foreign = (s: unknown): string =>
    JSON.stringify(((s as { parents?: Array<{ controllerName?: string }> } | undefined)?.parents ?? []).filter((p) => p.controllerName !== GATEWAY_CONTROLLER_NAME));
  return foreign(prev) !== foreign(next);
}

/** The watch caches → GatewayApiObjects (each list sorted by namespace/name). */
export function collectGatewayApi(values: (name: GatewayApiResourceName) => readonly KubernetesObject[]): GatewayApiObjects {
  const labels = new Map<string, Readonly<Record<string, string>>>();
  for (const n of values('namespaces')) if (n.metadata?.name) labels.set(n.metadata.name, n.metadata.labels ?? {});
  const tlsSecrets = new Map<string, SecretObject>();
  for (const s of values('tlssecrets')) tlsSecrets.set(`${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''}`, s as SecretObject);
  return {
    gatewayClasses: [...values('gatewayclasses')] as CustomObject[],
    gateways: [...values('gateways')] as CustomObject[],
    httpRoutes: [...values('httproutes')] as CustomObject[],
    referenceGrants: [...values('referencegrants')] as CustomObject[],
    jwtPolicies: [...values('jwtpolicies')] as CustomObject[],
    namespaceLabels: labels,
    tlsSecrets,
  };
}
