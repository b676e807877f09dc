import type { V1EndpointSlice, V1ObjectMeta, V1Secret, V1Service } from '@kubernetes/client-node';

/**
 * The objects as the watch holds them (client-node types, status included), for the runtime and the
 * status writer. The pure translation reads a narrower view of the same objects (types.ts,
 * ToResourceSetInput); KubeObjects is structurally assignable to it, which the controller relies on.
 */

/** A status condition as written to `.status.conditions` (metav1.Condition). */
export interface StatusCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

/** A portcullis.dev/v1alpha1 custom object as served by the API (raw JSON). */
export interface CustomObject<Kind extends string, Spec = Record<string, unknown>> {
  apiVersion?: string;
  kind?: Kind;
  metadata: V1ObjectMeta;
  spec?: Spec;
  status?: { conditions?: StatusCondition[]; [k: string]: unknown };
}

export type KongConsumerObject = CustomObject<'KongConsumer'>;
export type JwtCredentialObject = CustomObject<'JwtCredential'>;
export type RouteObject = CustomObject<'Route'>;

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
}

/** CRD coordinates, shared by the watcher and the status writer. */
export const CRD_GROUP = 'portcullis.dev';
export const CRD_VERSION = 'v1alpha1';
export const CRD_PLURALS = {
  KongConsumer: 'kongconsumers',
  JwtCredential: 'jwtcredentials',
  Route: 'routes',
} as const;
export type CrdKind = keyof typeof CRD_PLURALS;

/** Label a Secret must carry to be watched (we never hold other Secrets' data). */
export const CREDENTIAL_SECRET_LABEL = 'portcullis.dev/credential';
export const CREDENTIAL_SECRET_SELECTOR = `${CREDENTIAL_SECRET_LABEL}=true`;
/** Label linking an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export function objectKey(meta: { namespace?: string; name?: string } | undefined): string {
  return `${meta?.namespace ?? ''}/${meta?.name ?? ''}`;
}
