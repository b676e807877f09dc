import type { AclConfig } from './acl-config.js';
import type { CorrelationIdConfig } from './correlation-id-config.js';
import type { CorsConfig } from './cors-config.js';
import type { IpRestrictionConfig } from './ip-restriction-config.js';
import type { RateLimitingConfig } from './rate-limiting-config.js';
import type { JwtAlgorithm } from './algorithms.js';
import type { JwtClaimsConfig } from './jwt-claims-config.js';
import type { JwtPluginConfig } from './jwt-config.js';
import type { Diagnostic, ObjectRef } from './diagnostics.js';
import type { HostPolicy } from './host-policy.js';
import type { JwksSpec } from './jwks.js';
import type { UpstreamTlsSpec } from './upstream-tls.js';
import type { PemPair } from './certificate-pem.js';
import type { TracingSettings } from './tracing-config.js';

/**
 * ResourceSet: what a source (kong.yml or the Kubernetes watch) hands to the pure translator.
 * Sources validate field shapes and resolve their own syntax (Kong plugin precedence, Secret
 * lookups); the translator resolves cross-object references, key conflicts and key loading.
 *
 * `scope` is the reference scope: the namespace in controller mode, "" in standalone mode.
 * References (consumer of a credential, anonymous consumer) resolve inside one scope only.
 */
export interface ResourceSet {
  consumers: ConsumerSpec[];
  credentials: CredentialSpec[];
  routes: RouteSpec[];
  /** Problems the source already found (schema errors, missing Secrets); carried into the result. */
  diagnostics: Diagnostic[];
  /** Controller mode: which namespaces may claim which hosts (the operator's --host-policy). */
  hostPolicy?: HostPolicy;
  /** TLS certificates with their SNIs (kong.yml `certificates`/`snis`, or Route CR `tls` Secrets); docs/tls.md. */
  certificates?: CertificateSpec[];
  /** kong.yml's global `opentelemetry` plugin (docs/tracing.md); absent when there is none. */
  tracing?: TracingSettings;
}

/**
 * A certificate/key pair served on the TLS listener for its SNIs (docs/tls.md); a kong.yml one is
 * also what a service's client_certificate names (docs/upstream-tls.md). The source only checks
 * shapes; the PEM is checked where it is used (certificate-pem.ts), SNI conflicts by the translator.
 */
export interface CertificateSpec extends PemPair {
  /** The object diagnostics name: a kong.yml certificate, or the Route whose `tls` entry refers to the Secret. */
  ref: ObjectRef;
  scope: string;
  id?: string;
  /** Field paths for diagnostics (e.g. "cert" / "key", or "spec.tls[0].secretName"). */
  certField: string;
  keyField: string;
  /**
   * Server names, each with the field that set it ("snis[0]", "spec.tls[0].hosts[1]"): exact,
   * "*.x", "x.*" or "*". `ref`: a kong.yml top-level `snis` entity, named instead of the certificate.
   */
  snis: Array<{ name: string; field: string; ref?: ObjectRef }>;
  /** Where it came from, for the expiry metric's `source` label ("kong.yml", "Secret ns/name"). */
  source: string;
  /** Kube: metadata.creationTimestamp of the Route; the older claim to an SNI wins. */
  createdAt?: string;
  tags: string[];
}

/** Kong's route protocols (the http subsystem); grpc/grpcs are accepted, gRPC proxying is docs/kong-compatibility.md's. */
export type RouteProtocol = 'http' | 'https' | 'grpc' | 'grpcs';
/** Kong's https_redirect_status_code values. */
export const HTTPS_REDIRECT_CODES = [426, 301, 302, 307, 308] as const;
export type HttpsRedirectCode = (typeof HTTPS_REDIRECT_CODES)[number];

export interface ConsumerSpec {
  ref: ObjectRef;
  scope: string;
  /** Explicit id (kong.yml `id`). When absent the translator derives Kong's DB-less uuidv5. */
  id?: string;
  username?: string;
  customId?: string;
  /**
   * ACL groups of the consumer (Kong's `acls` entities / acl credentials, consumer groups): what the
   * acl plugin checks and X-Consumer-Groups carries. Absent: none.
   */
  groups?: string[];
  tags: string[];
}

export interface CredentialSpec {
  ref: ObjectRef;
  scope: string;
  /** Reference to the consumer: username or id (kong.yml), or the KongConsumer's metadata.name (kube). */
  consumerRef: string;
  /** How consumerRef is resolved: Kong matches id then username; kube matches the object's name. */
  consumerRefKind: 'username-or-id' | 'object-name';
  id?: string;
  /**
   * When the object was created (kube: metadata.creationTimestamp, ISO 8601 in UTC). Decides
   * which of two conflicting objects wins: the older one, then namespace/name. Absent in kong.yml,
   * where the order of the file decides.
   */
  createdAt?: string;
  key: string;
  /**
   * The JOSE header `kid` that selects this credential among those sharing its key (kong.yml
   * `kid`, JwtCredential `spec.kid`); absent: Kong's behaviour (docs/key-material.md#rotation).
   */
  kid?: string;
  algorithm: JwtAlgorithm;
  /**
   * HS*: the shared secret, as stored (maybe base64; the route's secretIsBase64 decides): text
   * from kong.yml, whose UTF-8 bytes are the key, or the bytes of a Kubernetes Secret exactly as
   * stored (never decoded as text: random bytes are not valid UTF-8).
   */
  secret?: string | Uint8Array;
  /** RS/ES/PS/EdDSA: PEM public key (SPKI or PKCS#1 RSA). */
  rsaPublicKey?: string;
  /** Keys from a JWKS instead of rsaPublicKey, selected by the token's kid (docs/jwks.md). */
  jwks?: JwksSpec;
  tags: string[];
}

/** How the gateway talks to an upstream: HTTP/1.1 (http, https) or HTTP/2 (grpc: h2c, grpcs: TLS), as Kong's service protocol. */
export type UpstreamProtocol = 'http' | 'https' | 'grpc' | 'grpcs';

export type BackendSpec =
  | {
      kind: 'url';
      protocol: UpstreamProtocol;
      host: string;
      port: number;
      /** Service path, "" or starting with "/". */
      path: string;
    }
  | {
      /** Kubernetes Service in the route's namespace; endpoints resolved by the source. */
      kind: 'service';
      name: string;
      port: number | string;
      /** Ready endpoints, already resolved from EndpointSlices. Empty = no healthy upstream (503). */
      endpoints: Array<{ host: string; port: number }>;
      /** Host header to send when preserveHost is false: "<name>.<namespace>.svc[:port]". */
      hostHeader: string;
      protocol: UpstreamProtocol;
    };

export interface ServiceInfo {
  /** Kong service id (explicit or derived) and name, shown by the admin API and in route metrics. */
  id: string;
  name?: string;
  connectTimeoutMs: number;
  readTimeoutMs: number;
  writeTimeoutMs: number;
  retries: number;
  tags: string[];
  /** https upstreams: TLS settings (docs/upstream-tls.md); absent = the process defaults. */
  tls?: UpstreamTlsSpec;
}

export interface HeaderMatch {
  /** Lower-cased header name. */
  name: string;
  /** Values; a value starting with "~*" is a case-insensitive regex, as in Kong. */
  values: string[];
}

/** One consumer's rate-limiting instance on a route (RouteSpec.rateLimitingByConsumer). */
export interface RateLimitingForConsumer {
  consumerRef: string;
  consumerRefKind: 'username-or-id' | 'object-name';
  id: string;
  config: RateLimitingConfig;
  counterScope: { routeId?: string; serviceId?: string };
}

export interface RouteSpec {
  ref: ObjectRef;
  scope: string;
  id?: string;
  /**
   * When the object was created (kube: metadata.creationTimestamp, ISO 8601 in UTC). Decides
   * which of two conflicting objects wins: the older one, then namespace/name. Absent in kong.yml,
   * where the order of the file decides.
   */
  createdAt?: string;
  name: string;
  /**
   * Where in its object this route was written, when the object makes several (an Ingress path:
   * "spec.rules[0].http.paths[1]"): the field of diagnostics about the route.
   */
  field?: string;
  protocols: RouteProtocol[];
  /** Answer to a plaintext request on an https-only route (Kong's https_redirect_status_code); default 426. */
  httpsRedirectStatusCode?: HttpsRedirectCode;
  hosts: string[];
  /** Prefixes ("/api") and regexes ("~/users/\\d+$"), as written by the user. */
  paths: string[];
  methods: string[];
  headers: HeaderMatch[];
  stripPath: boolean;
  preserveHost: boolean;
  regexPriority: number;
  backend: BackendSpec;
  service: ServiceInfo;
  /**
   * The ONE jwt plugin instance that applies to this route after Kong's precedence
   * (route > service > global), or undefined for a public route.
   */
  jwt?: {
    id: string;
    config: JwtPluginConfig;
    /**
     * How config.anonymous is resolved: Kong looks up a consumer id, then a username (the default);
     * a Route CR names a KongConsumer's metadata.name.
     */
    anonymousRefKind?: 'username-or-id' | 'object-name';
  };
  /**
   * The ONE jwt-claims plugin instance (same precedence as jwt), which runs after jwt on the token
   * it verified (docs/claims.md). Only together with `jwt`; alone, the source sets pluginError.
   */
  claims?: { id: string; config: JwtClaimsConfig };
  /** Kong's ip-restriction and correlation-id (docs/ip-restriction.md, docs/correlation-id.md): one instance each, same precedence as jwt. */
  ipRestriction?: { id: string; config: IpRestrictionConfig };
  correlationId?: { id: string; config: CorrelationIdConfig };
  /** Kong's acl and cors (docs/acl.md, docs/cors.md): one instance each, same precedence as jwt. */
  acl?: { id: string; config: AclConfig };
  cors?: { id: string; config: CorsConfig };
  /**
   * Kong's rate-limiting (docs/rate-limiting.md): one instance, same precedence as jwt; `counterScope`
   * is where it is configured (Kong's route_id / service_id), which its counters are shared by.
   */
  rateLimiting?: { id: string; config: RateLimitingConfig; counterScope: { routeId?: string; serviceId?: string } };
  /**
   * Consumer-scoped rate-limiting instances, already resolved by Kong's precedence for this route:
   * each replaces `rateLimiting` for requests of its consumer (docs/rate-limiting.md#consumers).
   * The reference is resolved like `anonymous` (consumerRefKind); an unknown consumer is skipped.
   */
  rateLimitingByConsumer?: RateLimitingForConsumer[];
  /**
   * Set when a plugin that applies to this route, or its upstream TLS settings, could not be
   * configured: the route then fails closed (500) instead of proxying unauthenticated or
   * unverified (docs/architecture.md: auth fails closed).
   */
  pluginError?: string;
  tags: string[];
}
