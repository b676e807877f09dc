import type { V1EndpointSlice, V1Secret, V1Service } from '@kubernetes/client-node';
import type { IngressClassObject, IngressObject } from './ingress-types.js';
import type { JwtCredentialObject, KongConsumerObject, RouteObject } from './types.js';
import type { GatewayApiObjects } from './gateway-api/types.js';
import type { KicObjects } from './kic/types.js';

/**
 * The objects as the watch holds them (client-node types, status included), for the runtime and the
 * status writer. The pure translation reads a narrower view of the same objects (types.ts,
 * ToResourceSetInput); KubeObjects is structurally assignable to it, which the controller relies on.
 */

/** Everything the watch holds, as handed to `toResourceSet` and to the status writer. */
export interface KubeObjects {
  consumers: KongConsumerObject[];
  credentials: JwtCredentialObject[];
  routes: RouteObject[];
  /** "ns/name" -> Secret (only Secrets labelled portcullis.dev/credential=true). */
  secrets: Map<string, V1Secret>;
  /** "ns/serviceName" -> the EndpointSlices of that Service (label kubernetes.io/service-name). */
  endpointSlices: Map<string, V1EndpointSlice[]>;
  /** "ns/name" -> Service. */
  services: Map<string, V1Service>;
  /** Only when Ingresses are watched (--ingress; docs/ingress.md). */
  ingresses?: IngressObject[];
  ingressClasses?: IngressClassObject[];
  /** With --gateway-api only (docs/gateway-api.md). */
  gatewayApi?: GatewayApiObjects;
  /** With --kic-resources only (docs/kong-ingress-controller.md). */
  kic?: KicObjects;
}

/** CRD coordinates, shared by the watcher and the status writer. */
export const CRD_GROUP = 'portcullis.dev';
export const CRD_VERSION = 'v1alpha1';
export const CRD_PLURALS = {
  KongConsumer: 'kongconsumers',
  JwtCredential: 'jwtcredentials',
  Route: 'routes',
  JwtPolicy: 'jwtpolicies',
} as const;
export type CrdKind = keyof typeof CRD_PLURALS;

/** Label a Secret must carry to be watched (we never hold other Secrets' data). */
export const CREDENTIAL_SECRET_LABEL = 'portcullis.dev/credential';
export const CREDENTIAL_SECRET_SELECTOR = `${CREDENTIAL_SECRET_LABEL}=true`;
/** Label linking an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/**
 * EndpointSlices by "namespace/service" (their kubernetes.io/service-name label), each list sorted by
 * slice name so the snapshot does not depend on watch or file order. Slices without the label are
 * left out. `defaultNamespace` stands in for a missing namespace (manifests, where kubectl's is "default").
 */
export function groupEndpointSlices<S extends { metadata?: { name?: string; namespace?: string; labels?: Record<string, string> } }>(
  slices: Iterable<S>,
  defaultNamespace = '',
): Map<string, S[]> {
  const out = new Map<string, S[]>();
  for (const slice of slices) {
    const svc = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc) continue;
    const key = `${slice.metadata?.namespace ?? defaultNamespace}/${svc}`;
    const list = out.get(key);
    if (list) list.push(slice);
    else out.set(key, [slice]);
  }
  for (const list of out.values()) list.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  return out;
}

export function objectKey(meta: { namespace?: string; name?: string } | undefined): string {
  return `${meta?.namespace ?? ''}/${meta?.name ?? ''}`;
}
