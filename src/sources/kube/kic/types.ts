import type { ObjectMeta, SecretObject } from '../types.js';

/** A configuration.konghq.com object as the watch holds it: KIC's fields sit at the top level. */
export interface KicObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta & { annotations?: Record<string, string>; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** What the controller watches with --kic-resources (docs/kong-ingress-controller.md). */
export interface KicObjects {
  consumers: KicObject[];
  consumerGroups: KicObject[];
  plugins: KicObject[];
  /** Cluster-scoped. */
  clusterPlugins: KicObject[];
  /** Secrets labelled konghq.com/credential, "namespace/name" → Secret. */
  credentialSecrets: ReadonlyMap<string, SecretObject>;
}

export interface KicSettings {
  /** The class KongConsumers, KongConsumerGroups and KongClusterPlugins must carry (KIC's --ingress-class; "kong"). */
  className: string;
}

/** Metadata fields the KIC layer reads on core objects (Ingress, Service, HTTPRoute). */
export interface AnnotatedMeta {
  name?: string;
  namespace?: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
}
