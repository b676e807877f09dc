/**
 * networking.k8s.io/v1 objects as the watch holds them (plain JSON); `spec` is validated with the
 * schemas of src/model/ingress.ts, hence unknown.
 */
export interface IngressMeta {
  name?: string;
  namespace?: string;
  generation?: number;
  uid?: string;
  resourceVersion?: string;
  /** RFC 3339 text as the API serves it (client-node's typed lists make it a Date). */
  creationTimestamp?: string | Date;
  annotations?: Record<string, string>;
}

export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
}

export interface IngressObject {
  apiVersion?: string;
  kind?: string;
  metadata: IngressMeta;
  spec?: unknown;
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] } };
}

export interface IngressClassObject {
  metadata?: IngressMeta;
  spec?: { controller?: string };
}
