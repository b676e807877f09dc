import type { KeyObject } from 'node:crypto';
import type { Socket } from 'node:net';
import type { AclConfig } from '../model/acl-config.js';
import type { CorrelationIdConfig } from '../model/correlation-id-config.js';
import type { CorsConfig } from '../model/cors-config.js';
import type { IpRestrictionConfig } from '../model/ip-restriction-config.js';
import type { LimitBy, RatePeriod } from '../model/rate-limiting-config.js';
import type { JwtAlgorithm } from '../model/algorithms.js';
import type { AuthExplanation } from '../model/explain.js';
import type { JwtClaimsConfig } from '../model/jwt-claims-config.js';
import type { JwtPluginConfig } from '../model/jwt-config.js';
import type { HeaderNameSet } from './header-name-set.js';
import type { TracingSettings } from '../model/tracing-config.js';
import type { Diagnostic, ObjectRef } from '../model/diagnostics.js';
import type { CredentialSpec, RouteSpec, UpstreamProtocol } from '../model/resources.js';
import type { JwksKeySource } from './jwks.js';
import type { GatewayFilters, GatewayHeaderModifier } from '../model/gateway-routes.js';

/** A consumer as the proxy and the admin API see it (ids already derived). */
export interface Consumer {
  id: string;
  username?: string;
  customId?: string;
  /** ACL groups (ConsumerSpec.groups); unset when the consumer has none, to keep 100,000 consumers small. */
  groups?: readonly string[];
  tags: string[];
  scope: string;
  ref: ObjectRef;
  /** Precomputed upstream identity headers (docs/kong-compatibility.md#upstream-headers), so the hot path only copies. */
  upstreamHeaders: Readonly<Record<string, string>>;
}

/** A credential with its key material imported once, at snapshot build time. */
export interface Credential {
  id: string;
  key: string;
  algorithm: JwtAlgorithm;
  consumer: Consumer;
  /** HS*: the secret as a KeyObject, used when the route's secretIsBase64 is false. */
  hmacKey?: KeyObject;
  /** HS*: the base64-decoded secret, used when secretIsBase64 is true; null when not valid base64. */
  hmacKeyFromBase64?: KeyObject | null;
  /** RS/ES/PS/EdDSA: the public key, already checked to fit `algorithm`. */
  publicKey?: KeyObject;
  /** Source spec, for the admin API (it decides whether to redact the secret). */
  spec: CredentialSpec;
  /** X-Credential-Identifier value when it differs from `key` (non-ASCII key: its UTF-8 bytes). */
  keyHeader?: string;
  /** The JOSE header `kid` this credential answers to; undefined: none (docs/key-material.md#rotation). */
  kid?: string;
  /**
   * Set when the token's `kid` picks among the key's credentials (several share the key, or one
   * has a kid): the same table on every credential of the key. Undefined: Kong's lookup, key only.
   */
  kidTable?: KidTable;
  /** JWKS credentials (docs/jwks.md): keys by kid from the runtime's registry; publicKey is then unset. */
  jwks?: JwksKeySource;
}

/** The credentials of one key, by kid (plugins/jwt/kid-selection.ts picks from it). */
export interface KidTable {
  byKid: ReadonlyMap<string, Credential>;
  /** The key's kid-less credential: it answers tokens without a kid or with an unknown one. */
  fallback?: Credential;
}

export interface CredentialIndex {
  /**
   * Lookup by the value of the key claim. One entry per key: the key's credential, or for a key
   * with a kidTable its kid-less credential (else its first), which carries the table.
   */
  byKey: ReadonlyMap<string, Credential>;
  all: readonly Credential[];
}

export interface UpstreamTarget {
  host: string;
  port: number;
  /** "http://10.0.0.5:3000": identity of the connection pool to this target. */
  origin: string;
}

/** TLS settings of an https upstream, resolved at build time (docs/upstream-tls.md). */
export interface UpstreamTls {
  /** undefined: the process default (--upstream-tls-verify). */
  verify: boolean | undefined;
  /** Most intermediate CAs between the certificate and the trust anchor (OpenSSL's verify depth). */
  verifyDepth: number;
  /** Trusted CAs (PEM); undefined = the system roots. */
  ca?: readonly string[];
  /** Client certificate chain and key (PEM), for mTLS. */
  cert?: string;
  key?: string;
  /** SNI and verified name; undefined = the Host header sent upstream. */
  serverName?: string;
  /** Content hash of the settings: part of the connection pool's identity, so new material gets new connections. */
  hash: string;
}

export interface Upstream {
  /** Stable identity ("service:<id>" or "k8s:<ns>/<svc>:<port>", with "|tls:<hash>" for a Route's own TLS settings). */
  id: string;
  protocol: UpstreamProtocol;
  /** Service path joined in front of the request path ("" or "/base"). */
  basePath: string;
  /** Host header sent when preserve_host is false (includes a non-default port). */
  hostHeader: string;
  /** Round-robin over these. Empty: no healthy endpoint (503). */
  targets: readonly UpstreamTarget[];
  connectTimeoutMs: number;
  readTimeoutMs: number;
  writeTimeoutMs: number;
  retries: number;
  /** The service's name (or id), for log lines. */
  service?: string;
  /** https upstreams with TLS settings; absent = the process defaults. */
  tls?: UpstreamTls;
}

export interface CompiledRoute {
  id: string;
  name: string;
  spec: RouteSpec;
  upstream: Upstream;
  /** The one jwt plugin instance for this route; undefined = public route. */
  auth?: Authenticator;
  /** The jwt-claims plugin instance (docs/claims.md); undefined on every route without one. */
  claims?: ClaimsPolicy;
  /** Kong's ip-restriction (docs/ip-restriction.md), checked after jwt; undefined on every route without one. */
  ipRestriction?: IpRestrictionPolicy;
  /** Kong's correlation-id (docs/correlation-id.md), run before every other plugin; undefined on every route without one. */
  correlationId?: CorrelationIdPolicy;
  /** Kong's acl (docs/acl.md), checked after ip-restriction; undefined on every route without one. */
  acl?: AclPolicy;
  /** Kong's cors (docs/cors.md), run after correlation-id, before jwt; undefined on every route without one. */
  cors?: CorsPolicy;
  /** Kong's rate-limiting (docs/rate-limiting.md), after jwt, ip-restriction and jwt-claims; undefined on every route without one. */
  rateLimiting?: RateLimitingPolicy;
  /** Consumer-scoped rate-limiting by consumer id, replacing `rateLimiting` for that consumer (docs/rate-limiting.md#consumers); undefined on every route without one. */
  rateLimitingByConsumer?: ReadonlyMap<string, RateLimitingPolicy>;
  /** Fail closed: a plugin applies but could not be built → 500 "An unexpected error occurred". */
  pluginError?: string;
  /** Label used in metrics and access logs (route name, or id). */
  label: string;
  /**
   * Set on https-only routes (protocols has https, not http): what a plaintext request gets, 426
   * or a redirect code (proxy/https-redirect.ts). Undefined on every other route: one read per request.
   */
  httpsRedirect?: number;
  /**
   * Set on gRPC-only routes (protocols grpc and/or grpcs, no http or https): Kong's checks that the
   * request is gRPC over HTTP/2 (proxy/grpc-route.ts); `tlsOnly` when grpc is not among them.
   * Undefined on every other route: one read per request.
   */
  grpcOnly?: { tlsOnly: boolean };
  /** HTTPRoute rules only (docs/gateway-api.md): weighted backends and filters; undefined on every Route CR / kong.yml route. */
  gateway?: GatewayRouteRuntime;
}

/** What an HTTPRoute rule adds to its compiled route (docs/gateway-api.md); the proxy's gateway-rule.ts applies it. */
export interface GatewayRouteRuntime extends GatewayFilters {
  /** Weighted backends; `upstream` undefined = an unresolvable backendRef (500 when chosen). */
  backends: ReadonlyArray<{ upstream: Upstream | undefined; weight: number }>;
  /** Sum of the weights; 0 = no backend (500). */
  totalWeight: number;
  /** The PathPrefix matched, without a trailing "/" ("" for "/"), for ReplacePrefixMatch. */
  prefix?: string;
}

export interface MatchInput {
  method: string;
  /** Host without port, lower-cased. */
  host: string;
  /**
   * Port the client addressed (Host header port, else the listener's port). Only routes whose host
   * entries carry a port ("example.com:8080") look at it; undefined never matches those entries.
   */
  port?: number;
  /** Normalized path (see src/proxy/paths.ts), without query string. */
  path: string;
  /** Header lookup for header-matching routes (lower-case name → first value). */
  header(name: string): string | undefined;
  /** The request came over TLS (routes restricted to http or https look at it); undefined: plaintext. */
  tls?: boolean;
  /** Raw query string without '?' (HTTPRoute query parameter matches only). */
  rawQuery?: string;
  /** The local port the connection arrived on; read only by per-Gateway HTTPRoute entries (docs/gateway-api.md#one-address-per-gateway). */
  listenerPort?(): number | undefined;
}

export interface RouteMatch {
  route: CompiledRoute;
  /** The request path with the matched prefix (or regex match) removed, for strip_path. */
  strippedPath: string;
}

export interface Router {
  match(input: MatchInput): RouteMatch | undefined;
  readonly size: number;
}

export interface Snapshot {
  /** Monotonically increasing per process; bumps on every swap. */
  version: number;
  /** Content hash of the inputs; an unchanged hash means no swap. */
  hash: string;
  createdAt: Date;
  router: Router;
  routes: readonly CompiledRoute[];
  consumers: readonly Consumer[];
  credentials: CredentialIndex;
  /** Everything that was rejected or looked wrong, with the object at fault. */
  diagnostics: readonly Diagnostic[];
  /** Certificates for the TLS listener, by SNI (docs/tls.md); undefined when none is configured. */
  tls?: TlsCertificates;
  /**
   * Every header a jwt-claims mapping of any route sets: removed from every client request on
   * every route (docs/claims.md#stripped-headers). Undefined when no route maps a claim.
   */
  claimHeaders?: HeaderNameSet;
  /** kong.yml's global opentelemetry plugin (docs/tracing.md); the runtime applies it unless flags set tracing. */
  tracing?: TracingSettings;
  /** Per-Gateway data planes' pod ports: every replica opens a plaintext listener on each (runtime/gateway-listeners.ts). */
  gatewayListenerPorts?: readonly number[];
}

/** One certificate the TLS listener may serve, checked at build time (translate/certificates.ts). */
export interface TlsCertificate {
  id: string;
  ref: ObjectRef;
  /** PEM chain and private key, handed to tls.createSecureContext (never logged or shown). */
  cert: string;
  key: string;
  /** sha256 of cert + key: the SecureContext cache key, so a swap reuses unchanged certificates. */
  hash: string;
  /** The SNIs it won (after conflicts). */
  snis: readonly string[];
  /** notAfter, seconds since the epoch (the expiry metric). */
  notAfter: number;
  subject: string;
  /** The expiry metric's `source` label. */
  source: string;
}

/** Kong's SNI lookup tables: exact, then "*.x" (first label replaced), then "x.*" (last label), then "*". */
export interface TlsCertificates {
  all: readonly TlsCertificate[];
  exact: ReadonlyMap<string, TlsCertificate>;
  /** Keyed by the name without its first label: ".example.com" for "*.example.com". */
  leadingWildcard: ReadonlyMap<string, TlsCertificate>;
  /** Keyed by the name without its last label: "example." for "example.*". */
  trailingWildcard: ReadonlyMap<string, TlsCertificate>;
  /** The certificate of the SNI "*", served when nothing else matches (and to clients sending no SNI). */
  catchAll?: TlsCertificate;
}

// The snapshot owns the interface a route's authentication implements (src/plugins/jwt builds it),
// so snapshot types never import a plugin (docs/architecture.md#layers).

/** What the jwt plugin needs from a request; nothing fastify-specific. */
export interface AuthRequest {
  method: string;
  /** node's req.rawHeaders: [name, value, name, value, ...] — repeated headers are kept apart. */
  rawHeaders: readonly string[];
  /** Raw query string without the leading '?' ("" when none). Not decoded. */
  rawQuery: string;
  /** Set on a request that already waited for a JWKS refetch: answer now (docs/jwks.md#unknown-kid). */
  noWait?: boolean;
}

export type AuthOutcome =
  /** run_on_preflight=false and OPTIONS: plugin skipped, request proxied with no identity. */
  | { kind: 'skipped' }
  /** `claims`: the verified payload, kept only by instances a jwt-claims plugin runs after (docs/claims.md). */
  | { kind: 'authenticated'; consumer: Consumer; credential: Credential; claims?: Claims }
  /** Authentication failed but config.anonymous names an existing consumer. */
  | { kind: 'anonymous'; consumer: Consumer }
  /**
   * A JWKS key set is being refetched for this token's unknown kid: authenticate again, with
   * noWait, once `ready` resolves (never rejects; bounded by the fetch timeout). docs/jwks.md.
   */
  | { kind: 'pending'; ready: Promise<void> }
  | {
      kind: 'rejected';
      status: 401 | 500;
      /** Exact JSON body Kong sends, e.g. {"message":"Unauthorized"} or {"exp":"token expired"}. */
      body: string;
      /** WWW-Authenticate value, when Kong sends one. */
      wwwAuthenticate?: string;
      /** Low-cardinality label for the auth-failure metric (e.g. "no_token", "expired", "bad_signature"). */
      reason: string;
    };

/** One compiled plugin instance (shared by every route it applies to); src/plugins/jwt implements it. */
export interface Authenticator {
  readonly pluginId: string;
  readonly config: JwtPluginConfig;
  authenticate(req: AuthRequest, nowSeconds: number): AuthOutcome;
  /**
   * The same decision as authenticate, slowly, with every step recorded (docs/explain.md). Never
   * on the request path; uses no cache and counts in no metric.
   */
  explain?(req: AuthRequest, nowSeconds: number): AuthExplanation;
}

/** A verified token's payload (never changed: shared by every request the token is cached for). */
export type Claims = Readonly<Record<string, unknown>>;

/** What a jwt-claims check refused: Kong's 403 JSON body, and the auth-failure metric's label. */
export interface ClaimsRejection {
  status: 403;
  /** {"message":"..."}: fixed per check, never any token content. */
  body: string;
  reason: string;
}

/** One compiled jwt-claims plugin instance (src/plugins/claims implements it), run after jwt. */
export interface ClaimsPolicy {
  readonly pluginId: string;
  readonly config: JwtClaimsConfig;
  /** undefined: authorized. `claims` undefined: an anonymous request, which satisfies no check. */
  authorize(claims: Claims | undefined): ClaimsRejection | undefined;
  /** Appends the mapped headers (name, value, …) to an upstream header list. */
  appendHeaders(claims: Claims, out: string[]): void;
  /** Every check's outcome, for `portcullis explain` (the same checks authorize runs). */
  evaluate(claims: Claims | undefined): ClaimCheckResult[];
}

/** One jwt-claims check on one claims object (docs/claims.md#for-portcullis-explain). */
export interface ClaimCheckResult {
  kind: 'audience' | 'issuer' | 'scope' | 'claim';
  /** The config field, camelCase as in the Route CRD: "audiences", "scopes", "claims[2]". */
  field: string;
  pass: boolean;
  /** The status and body the client gets when this check is the first to fail. */
  status: 403;
  body: string;
  /** The auth-failure metric's label. */
  reason: string;
}

/** A refusal by ip-restriction: Kong's kong.response.error(status, message). */
export interface IpRefusal {
  readonly status: number;
  readonly message: string;
}

/** A compiled ip-restriction instance (plugins/ip-restriction/policy.ts). */
export interface IpRestrictionPolicy {
  readonly pluginId: string;
  readonly config: IpRestrictionConfig;
  /** undefined: let the request through; else Kong's refusal. Deny is checked first, then allow. */
  check(clientIp: string): IpRefusal | undefined;
  /** Which list decided and whether the address passes, for explain. */
  verdict(clientIp: string): { list: 'deny' | 'allow' | undefined; pass: boolean };
}

/** A compiled correlation-id instance (plugins/correlation-id/policy.ts). */
export interface CorrelationIdPolicy {
  readonly pluginId: string;
  readonly config: CorrelationIdConfig;
  /** Lower-cased header name (HTTP/2 upstreams require lower case). */
  readonly header: string;
  readonly echo: boolean;
  /** The client's value when non-empty (Kong keeps it), else a generated one; `generated` says which. */
  resolve(clientValue: string | undefined, socket: Socket): { id: string; generated: boolean };
}

/** A refusal by acl: Kong's kong.response.error(status, message), and the access log's reason. */
export interface AclRefusal {
  readonly status: 401 | 403;
  readonly message: string;
  readonly reason: 'acl_denied' | 'acl_unauthenticated';
}

/** A compiled acl instance (plugins/acl/policy.ts). */
export interface AclPolicy {
  readonly pluginId: string;
  readonly config: AclConfig;
  /**
   * The decision for the request's consumer (undefined: none); `authenticated`: it came with a
   * credential (not the anonymous consumer). A refusal, or the X-Consumer-Groups value to send
   * upstream (undefined: none, hidden or no groups).
   */
  check(consumer: Consumer | undefined, authenticated: boolean): AclRefusal | string | undefined;
}

/** A compiled cors instance (plugins/cors/policy.ts). */
export interface CorsPolicy {
  readonly pluginId: string;
  readonly config: CorsConfig;
  /**
   * The headers of Kong's preflight answer (200, no body) for a non-empty Origin, and the request's
   * Access-Control-Request-Headers / -Private-Network values.
   */
  preflight(origin: string, requestHeaders: string | undefined, privateNetwork: string | undefined): Array<[string, string]>;
  /** What Kong's header_filter does to a response (proxied or the gateway's own); undefined: nothing. */
  responseHeaders(origin: string | undefined): GatewayHeaderModifier | undefined;
}

/** rate-limiting's verdict on one request (plugins/rate-limiting/decision.ts). */
export interface RateDecision {
  /** A period has no request left: Kong's error_code / error_message. */
  readonly stop: boolean;
  /** Kong's RateLimit-* / X-RateLimit-* (and Retry-After) headers, lower-case, in its order; undefined with hide_client_headers or no usage. */
  readonly headers: ReadonlyArray<readonly [string, string]> | undefined;
  /** The counters could not be read (Redis): proxied without limit (fault_tolerant), or `fatal`: 500. */
  readonly storeError?: boolean;
  readonly fatal?: boolean;
}

/** A compiled rate-limiting instance (plugins/rate-limiting/policy.ts). */
export interface RateLimitingPolicy {
  readonly pluginId: string;
  readonly limitBy: LimitBy;
  /** limit_by header: lower-cased. */
  readonly headerName: string | undefined;
  readonly path: string | undefined;
  readonly policy: 'local' | 'redis';
  readonly errorCode: number;
  readonly errorMessage: string;
  readonly faultTolerant: boolean;
  readonly periods: readonly RatePeriod[];
  /** Counts the request for `identifier` (see proxy/rate-limit.ts); local answers at once, redis after one round trip. */
  check(identifier: string, nowSeconds: number): RateDecision | Promise<RateDecision>;
}
