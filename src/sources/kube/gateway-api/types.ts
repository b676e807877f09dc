import type { CustomObject, SecretObject, StatusCondition } from '../types.js';

/** The Gateway API objects the controller watches with --gateway-api (docs/gateway-api.md). */
export interface GatewayApiObjects {
  gatewayClasses: CustomObject[];
  gateways: CustomObject[];
  httpRoutes: CustomObject[];
  referenceGrants: CustomObject[];
  /** portcullis.dev JwtPolicy (policy attachment, docs/gateway-api.md#jwt). */
  jwtPolicies: CustomObject[];
  /** Namespace name → labels, for allowedRoutes.namespaces.from: Selector. */
  namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** "ns/name" → kubernetes.io/tls Secrets, labelled or not, for listener certificateRefs only. */
  tlsSecrets?: ReadonlyMap<string, SecretObject>;
}

/** How Gateway listeners map onto the pods' listeners, and the addresses clients use (docs/gateway-api.md#listeners). */
export interface GatewayApiSettings {
  /** Gateway listener port served by the plaintext listener (the chart Service's http port, default 80). */
  httpPort: number;
  /** Gateway listener port served by the TLS listener (the chart Service's https port, default 443). */
  httpsPort: number;
  /** status.addresses of every Gateway (from --publish-service, or none). */
  addresses: Array<{ type: 'IPAddress' | 'Hostname'; value: string }>;
  /** For lastTransitionTime; conditions keep theirs while status and reason are unchanged. */
  now: Date;
  /** Set: one Service and pod ports per Gateway (docs/gateway-api.md#one-address-per-gateway); unset: the shared Service. */
  dataPlane?: GatewayDataPlaneSettings;
}

/** --gateway-service-per-gateway and its settings (docs/gateway-api.md#one-address-per-gateway). */
export interface GatewayDataPlaneSettings {
  /** Where the gateway pods run: a Service selects pods of its own namespace only. */
  podNamespace: string;
  /** Labels selecting the gateway pods. */
  podSelector: Record<string, string>;
  serviceType: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  /** Pod ports allocated to Gateway HTTP listener ports (inclusive). */
  portRange: { from: number; to: number };
  /** The pods' TLS listener port: the targetPort of HTTPS listeners. */
  tlsPodPort: number;
}

export type GatewayApiKindName = 'GatewayClass' | 'Gateway' | 'HTTPRoute';

/** The status one Gateway API object should carry, written by the leader (status/gateway-api-status.ts). */
export interface GatewayApiStatus {
  kind: GatewayApiKindName;
  plural: 'gatewayclasses' | 'gateways' | 'httproutes';
  /** Undefined for the cluster-scoped GatewayClass. */
  namespace?: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
  /** The object's current status (to compare, and for HTTPRoute the other controllers' parents). */
  current: Record<string, unknown> | undefined;
  /** Ours: GatewayClass/Gateway the whole status; HTTPRoute only the parents with our controllerName. */
  desired: Record<string, unknown>;
}

/** A metav1.Condition keeping lastTransitionTime while status and reason are unchanged. */
export function makeCondition(
  type: string,
  ok: boolean,
  reason: string,
  message: string,
  generation: number | undefined,
  previous: readonly StatusCondition[] | undefined,
  now: Date,
): StatusCondition {
  const status = ok ? 'True' : 'False';
  const prev = previous?.find((c) => c.type === type);
  const keep = prev !== undefined && prev.status === status && prev.reason === reason && prev.lastTransitionTime;
  return {
    type,
    status,
    reason,
    message,
    ...(generation !== undefined && { observedGeneration: generation }),
    lastTransitionTime: keep ? prev.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}
