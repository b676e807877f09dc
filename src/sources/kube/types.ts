import type { IngressClassObject, IngressObject } from './ingress-types.js';

/**
 * Minimal shapes of the Kubernetes objects the kube source reads, as the API returns them
 * (plain JSON). Only the fields we use; everything else is ignored.
 */

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  generation?: number;
  uid?: string;
  resourceVersion?: string;
  /** RFC 3339 text as the API serves it (client-node's typed lists make it a Date). */
  creationTimestamp?: string | Date;
}

/** A status condition as written to `.status.conditions` (metav1.Condition). */
export interface StatusCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

/**
 * A portcullis.dev custom resource, as the watch holds it and as manifests carry it. `spec` is
 * validated with the zod schemas, hence unknown; `status` is what the status writer compares with.
 */
export interface CustomObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: { conditions?: StatusCondition[]; [k: string]: unknown };
}
export type KongConsumerObject = CustomObject;
export type JwtCredentialObject = CustomObject;
export type RouteObject = CustomObject;

export interface SecretObject {
  metadata?: ObjectMeta;
  /** base64-encoded values, as the API returns them. */
  data?: Record<string, string>;
  /** Plain values: only in manifests (the API folds them into data on write). */
  stringData?: Record<string, string>;
}

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
}

export interface ServiceObject {
  metadata?: ObjectMeta;
  spec?: { ports?: ServicePort[]; type?: string };
}

export interface EndpointConditions {
  ready?: boolean | null;
  serving?: boolean | null;
  terminating?: boolean | null;
}

export interface EndpointSliceObject {
  metadata?: ObjectMeta & { labels?: Record<string, string> };
  addressType?: string;
  endpoints?: Array<{ addresses: string[]; conditions?: EndpointConditions }> | null;
  ports?: Array<{ name?: string | null; port?: number | null; protocol?: string | null; appProtocol?: string | null }> | null;
}

export interface ToResourceSetInput {
  consumers: KongConsumerObject[];
  credentials: JwtCredentialObject[];
  routes: RouteObject[];
  /** Keyed "namespace/name". */
  secrets: ReadonlyMap<string, SecretObject>;
  /** Keyed "namespace/serviceName" (the kubernetes.io/service-name label). */
  endpointSlices: ReadonlyMap<string, EndpointSliceObject[]>;
  /** Keyed "namespace/name". */
  services: ReadonlyMap<string, ServiceObject>;
  /** networking.k8s.io/v1, only when Ingresses are watched (--ingress; docs/ingress.md). */
  ingresses?: readonly IngressObject[];
  ingressClasses?: readonly IngressClassObject[];
}
