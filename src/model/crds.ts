import { z } from 'zod';
import { JWT_ALGORITHMS } from './algorithms.js';
import { KID_MAX_LENGTH } from './credential-kid.js';
import { jwtClaimsConfigSchema } from './jwt-claims-config.js';
import { ACL_LIMITS, aclConfigSchema } from './acl-config.js';
import { correlationIdConfigSchema } from './correlation-id-config.js';
import { corsConfigSchema } from './cors-config.js';
import { ipRestrictionConfigSchema } from './ip-restriction-config.js';
import { rateLimitingCrSchema } from './rate-limiting-config.js';
import { jwtPluginConfigSchema } from './jwt-config.js';
import { JWKS_TIMING_BOUNDS, type JwksTiming } from './jwks.js';

/**
 * zod schemas of the portcullis.dev/v1alpha1 custom resources (generated into crds/; usage in docs/install.md).
 * They are the single source of truth: the kube source validates with them and
 * scripts/gen-crds.mjs turns them into the CRD OpenAPI schemas under crds/.
 * Cross-field rules are written twice on purpose: as zod refinements (offline and in the
 * controller) and as CEL rules in src/model/crd-definitions.ts (enforced by the API server).
 * Every field carries a `.describe()`: it becomes the CRD's `description` (what `kubectl explain`
 * prints) and a row of docs/crd-reference.md, and a test fails on a field without one.
 */

export const CRD_GROUP = 'portcullis.dev';
export const CRD_VERSION = 'v1alpha1';
export const CRD_API_VERSION = `${CRD_GROUP}/${CRD_VERSION}`;

const nonEmpty = z.string().min(1, 'must not be empty');
/** DNS-1123 subdomain, what metadata.name of a Secret/KongConsumer must be. */
const objectName = z
  .string()
  .min(1, 'must not be empty')
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS-1123 subdomain (lower-case alphanumerics, "-", ".")');
/** Kubernetes Service names are DNS-1035 labels. */
const serviceName = z
  .string()
  .min(1, 'must not be empty')
  .max(63)
  .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1035 label (lower-case alphanumerics and "-", starting with a letter)');
/** Keys of Secret.data. */
const secretDataKey = z
  .string()
  .min(1, 'must not be empty')
  .max(253)
  .regex(/^[-._a-zA-Z0-9]+$/, 'must consist of alphanumerics, "-", "_" or "."');

export const localObjectRefSchema = z.strictObject({
  name: objectName.describe('metadata.name of the KongConsumer, in the same namespace as this JwtCredential.'),
});
export const secretKeyRefSchema = z.strictObject({
  name: objectName.describe(
    'Name of a Secret in the same namespace. The gateway only sees Secrets labelled portcullis.dev/credential=true; an unlabelled or missing Secret is reported as SecretNotFound.',
  ),
  key: secretDataKey.describe('Key within the Secret\'s data (or stringData) whose value is used.'),
});

// ---------------------------------------------------------------- KongConsumer

export const kongConsumerSpecSchema = z
  .strictObject({
    username: nonEmpty
      .optional()
      .describe(
        "The consumer's name (Kong's username), sent upstream in X-Consumer-Username. The consumer id sent in X-Consumer-ID is a UUIDv5 of it, derived as Kong's DB-less mode does, so it is the same in every mode and replica. Unique among the namespace's KongConsumers (duplicates are all refused). At least one of username and customId is required.",
      ),
    customId: nonEmpty
      .optional()
      .describe(
        "An identifier of the consumer in another system (Kong's custom_id), sent upstream in X-Consumer-Custom-ID. Without a username the consumer id is derived from it. Unique among the namespace's KongConsumers. At least one of username and customId is required.",
      ),
    groups: z
      .array(
        z
          .string()
          .min(1, 'must not be empty')
          .max(ACL_LIMITS.groupLength)
          .regex(/^[^\x00-\x08\x0a-\x1f\x7f]*$/, 'must not contain control characters (it is sent upstream in X-Consumer-Groups)'),
      )
      .max(ACL_LIMITS.groups)
      .optional()
      .describe(
        "The consumer's ACL groups (Kong's acls): what a Route's plugins.acl allows or denies, sent upstream in X-Consumer-Groups (\"a, b\", in this order). Duplicates count once.",
      ),
  })
  .refine((s) => s.username !== undefined || s.customId !== undefined, {
    message: 'username or customId is required',
    path: ['username'],
  })
  .describe('Who the consumer is. At least one of username and customId is required.');
export type KongConsumerSpec = z.output<typeof kongConsumerSpecSchema>;

/** At most this many per-consumer limits on one Route (bounds the CRD's CEL cost). */
export const RATE_LIMITING_BY_CONSUMER_MAX = 64;

// ---------------------------------------------------------------- JwtCredential

const ASYMMETRIC_ALGORITHMS = JWT_ALGORITHMS.filter((a) => !a.startsWith('HS')) as Exclude<(typeof JWT_ALGORITHMS)[number], `HS${string}`>[];
const timingField = (key: keyof JwksTiming, text: string) => {
  const b = JWKS_TIMING_BOUNDS[key];
  return z.number().int().min(b.min).max(b.max).optional().describe(`${text} Default ${b.default}; ${b.min} to ${b.max}.`);
};

export const jwksSchema = z
  .strictObject({
    url: z.string().regex(/^https?:\/\/[^\s#]+$/, 'must be an https:// URL').max(2048).optional().describe(
      'The JWKS URL (https; plain http only with the gateway flag --jwks-allow-http). Exactly one of url, issuer, secretRef and inline is required.',
    ),
    issuer: z.string().regex(/^https?:\/\/[^\s#?]+$/, 'must be an https:// URL').max(2048).optional().describe(
      "An OpenID Connect issuer: its /.well-known/openid-configuration names the jwks_uri, and must name this exact issuer. Usually the same as key (tokens' iss).",
    ),
    secretRef: secretKeyRefSchema.optional().describe('A Secret whose value is a JWKS document (JSON, {"keys": [...]}), read as it changes; nothing is fetched.'),
    inline: z.string().min(2).max(65536).optional().describe('A JWKS document as JSON text ({"keys": [...]}); nothing is fetched.'),
    algorithms: z
      .array(z.enum(ASYMMETRIC_ALGORITHMS).describe('RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512 or EdDSA.'))
      .min(1)
      .optional()
      .describe("Algorithms a token may use (its alg header). Default: the credential's algorithm, which must then be asymmetric. Each key also has to fit the token's algorithm (kty, crv, its own alg): no HMAC, no alg confusion."),
    caSecretRef: z
      .strictObject({
        name: objectName.describe('Name of a Secret in the same namespace, labelled portcullis.dev/credential=true.'),
        key: secretDataKey.default('ca.crt').describe('Key of the Secret holding PEM CA certificates. Default ca.crt.'),
      })
      .optional()
      .describe('CA certificates the provider\'s certificate must chain to; set, they replace the system CAs.'),
    cacheTtlSeconds: timingField('cacheTtlSeconds', 'How long a fetched key set is used when the answer has neither a Cache-Control max-age nor an Expires header.'),
    minTtlSeconds: timingField('minTtlSeconds', 'Lower clamp of the answer\'s freshness, Cache-Control max-age or else Expires (and the longest wait between retries after a failure).'),
    maxTtlSeconds: timingField('maxTtlSeconds', 'Upper clamp of the answer\'s freshness (Cache-Control max-age, else Expires).'),
    maxStaleSeconds: timingField('maxStaleSeconds', 'While the provider is down or answers garbage, the last good key set is used this long after it was fetched; then tokens are refused (JwksUnavailable).'),
    refetchIntervalSeconds: timingField('refetchIntervalSeconds', "A token with an unknown kid triggers at most one refetch per interval (per gateway process); others wait for the one in flight."),
    timeoutMs: timingField('timeoutMs', 'Deadline of one fetch, in milliseconds.'),
    maxBytes: timingField('maxBytes', 'Largest JWKS or discovery document accepted, in bytes.'),
  })
  .refine((j) => [j.url, j.issuer, j.secretRef, j.inline].filter((x) => x !== undefined).length === 1, {
    message: 'exactly one of url, issuer, secretRef, inline is required',
  })
  .describe('Take the public keys from a JWKS (docs/jwks.md): the token\'s kid selects the key. Replaces publicKeyRef.');

export const jwtCredentialSpecSchema = z
  .strictObject({
    consumerRef: localObjectRefSchema.describe(
      'The KongConsumer (in the same namespace) that a token verified with this credential authenticates as. A missing consumer leaves the credential unprogrammed (reason ConsumerNotFound).',
    ),
    key: nonEmpty.describe(
      "The value tokens carry in the key claim (the Route's plugins.jwt.keyClaimName: iss by default, or a JOSE header such as kid) to select this credential. Public, and unique across all namespaces: when two credentials use the same key, the older one keeps it (KeyConflict), unless both reference the same KongConsumer and have distinct kids (see kid).",
    ),
    kid: z
      .string()
      .min(1, 'must not be empty')
      .max(KID_MAX_LENGTH)
      .regex(/^[^\x00-\x1f\x7f]*$/, 'must not contain control characters')
      .optional()
      .describe(
        "The JOSE header kid that selects this credential among the credentials sharing its key, for key rotation without downtime. Credentials may share a key only when they reference the same KongConsumer and have distinct kids (at most one without); otherwise the newer one is refused (KeyConflict). A token whose kid matches uses that credential; any other token uses the key's credential without a kid, and is refused when there is none. Without kid (and with a key of its own) the credential behaves as Kong's. Not Kong's: see docs/key-material.md#rotation.",
      ),
    algorithm: z
      .enum(JWT_ALGORITHMS)
      .default('HS256')
      .describe(
        'The JWS algorithm a token must be signed with (its alg header). Default HS256. HS256/HS384/HS512 verify with a shared secret: set secretRef. RS*, PS*, ES* and EdDSA verify with a public key: set publicKeyRef.',
      ),
    secretRef: secretKeyRefSchema
      .optional()
      .describe(
        "The HMAC secret, for HS256/HS384/HS512 only (required for them, forbidden for the others). The Secret value's bytes are the key, used as stored (no text decoding); with the Route's secretIsBase64 they are read as base64 text. Use random bytes at least as long as the hash (32, 48, 64 bytes).",
      ),
    jwks: jwksSchema.optional(),
    publicKeyRef: secretKeyRefSchema
      .optional()
      .describe(
        'The PEM public key (BEGIN PUBLIC KEY or BEGIN RSA PUBLIC KEY), for RS*, PS*, ES* and EdDSA (required for them, forbidden for HS*). RS*/PS*: RSA of 2048 to 16384 bits; ES256/384/512: EC on P-256/P-384/P-521; EdDSA: Ed25519 or Ed448. A key that cannot be used is reported as InvalidKey.',
      ),
  })
  .superRefine((s, ctx) => {
    const hmac = s.algorithm.startsWith('HS');
    const jwks = s.jwks !== undefined;
    if (hmac && s.secretRef === undefined && !jwks) {
      ctx.addIssue({ code: 'custom', path: ['secretRef'], message: `is required for algorithm ${s.algorithm}` });
    }
    if (hmac && s.publicKeyRef !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['publicKeyRef'], message: `is not allowed for algorithm ${s.algorithm} (use secretRef)` });
    }
    if (jwks) {
      if (s.secretRef !== undefined) ctx.addIssue({ code: 'custom', path: ['secretRef'], message: 'is not allowed with jwks' });
      if (s.publicKeyRef !== undefined) ctx.addIssue({ code: 'custom', path: ['publicKeyRef'], message: 'is not allowed with jwks' });
      if (hmac && s.jwks!.algorithms === undefined) {
        ctx.addIssue({ code: 'custom', path: ['algorithm'], message: 'a JWKS credential needs an asymmetric algorithm (e.g. RS256) or jwks.algorithms' });
      }
    }
    if (!hmac && s.publicKeyRef === undefined && !jwks) {
      ctx.addIssue({ code: 'custom', path: ['publicKeyRef'], message: `is required for algorithm ${s.algorithm}` });
    }
    if (!hmac && s.secretRef !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['secretRef'], message: `is not allowed for algorithm ${s.algorithm} (use publicKeyRef)` });
    }
  })
  .describe('A key that verifies tokens for its consumer: the key tokens name, the algorithm, and a reference to the secret or public key.');
export type JwtCredentialSpec = z.output<typeof jwtCredentialSpecSchema>;

// ---------------------------------------------------------------- Route

const servicePort = z.union([
  z.number().int().min(1).max(65535),
  z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a port number or an IANA port name').max(15),
]);

export const serviceBackendSchema = z.strictObject({
  name: serviceName.describe('Name of a Service in the same namespace. Requests go to its ready endpoints (EndpointSlices); while it has none, the Route answers 503.'),
  port: servicePort.describe(
    'The Service port, by number (1-65535) or by name. Unless protocol is set, the port\'s appProtocol decides how it is reached: https (or a port named https) over TLS, kubernetes.io/h2c or grpc as gRPC over cleartext HTTP/2, grpcs as gRPC over TLS; otherwise HTTP/1.1.',
  ),
  protocol: z
    .enum(['http', 'https', 'grpc', 'grpcs'])
    .optional()
    .describe(
      "How the gateway talks to this Service port, as Kong's service protocol: http or https (HTTP/1.1, plain or TLS), grpc (HTTP/2 cleartext, prior knowledge) or grpcs (HTTP/2 over TLS). gRPC trailers and streams are relayed and gateway errors become gRPC statuses. Unset: derived from the port's appProtocol.",
    ),
});

/** A host name for SNI and verification (no wildcard, no port). */
const sniHostname = z
  .string()
  .max(253)
  .regex(/^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*$/, 'must be a host name (no wildcard or port)');

export const backendTlsSchema = z
  .strictObject({
    verify: z
      .boolean()
      .default(true)
      .describe(
        "Verify the upstream's certificate: its chain against caCertificateRefs (or the system CAs without them), its name against hostname (or the Host header sent upstream), its dates. Default true when a tls section is present; false still sends the client certificate. A failed verification answers 502.",
      ),
    verifyDepth: z
      .number()
      .int()
      .min(0)
      .max(64)
      .optional()
      .describe("Most intermediate CA certificates allowed between the upstream's certificate and the trusted CA (OpenSSL's verify depth, Kong's tls_verify_depth). Default 1, as nginx."),
    caCertificateRefs: z
      .array(
        z.strictObject({
          name: objectName.describe('Name of a Secret in the same namespace, labelled portcullis.dev/credential=true.'),
          key: secretDataKey.default('ca.crt').describe('Key of the Secret holding PEM CA certificates (one or more). Default ca.crt.'),
        }),
      )
      .max(8)
      .optional()
      .describe(
        "CA certificates the upstream's certificate must chain to, as Gateway API's BackendTLSPolicy caCertificateRefs (here Secrets). Set, they replace the system CAs. Each certificate must be a CA (basicConstraints CA:TRUE) and not expired; a missing or bad Secret leaves the Route answering 500 (SecretNotFound, SecretKeyNotFound, InvalidCertificate).",
      ),
    clientCertificateRef: z
      .strictObject({
        name: objectName.describe('Name of a kubernetes.io/tls Secret (tls.crt, tls.key) in the same namespace, labelled portcullis.dev/credential=true.'),
      })
      .optional()
      .describe("Client certificate presented to the upstream (mutual TLS), as Gateway API's clientCertificateRef. The key must match the certificate (InvalidCertificate otherwise)."),
    hostname: sniHostname
      .optional()
      .describe(
        "The name sent as SNI and that the certificate must carry, as BackendTLSPolicy's hostname. Default: the Host header sent upstream (the Service's in-cluster name, the url's host, or the client's Host with preserveHost), as Kong. No SNI is sent for an IP address (RFC 6066); the certificate must then carry it as an IP SAN.",
      ),
  })
  .describe(
    'TLS to the upstream (docs/upstream-tls.md), https and grpcs alike. Present, the backend is reached over TLS (a Service port is then TLS whatever its name: https, or grpcs for a gRPC port) and verified unless verify is false; a url backend must be https:// or grpcs://. Secret rotation applies to new connections.',
  );

export const routeBackendSchema = z
  .strictObject({
    service: serviceBackendSchema
      .optional()
      .describe('A Kubernetes Service in the same namespace. Exactly one of service and url is required.'),
    url: z
      .string()
      .regex(/^(https?:\/\/[^/?#\s]+[^?#\s]*|grpcs?:\/\/[^/?#\s]+\/?)$/, 'must be an http:// or https:// URL without query or fragment, or a grpc:// or grpcs:// URL without path')
      .optional()
      .describe(
        'An upstream outside the cluster (or any fixed address): http:// or https://, host, optional port and path, no query or fragment. Its path is prepended to the forwarded path. grpc:// (HTTP/2 cleartext) or grpcs:// (HTTP/2 over TLS) with host and optional port, no path, makes it a gRPC upstream. Exactly one of service and url is required.',
      ),
    tls: backendTlsSchema.optional(),
  })
  .refine((b) => (b.service === undefined) !== (b.url === undefined), {
    message: 'exactly one of service or url is required',
  })
  .describe('Where matching requests are forwarded: exactly one of service and url.');

const sniHost = z
  .string()
  .max(253)
  .regex(/^(\*\.)?[a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?$/, 'must be a host name, optionally with a leading "*." wildcard');

export const routeTlsSchema = z
  .strictObject({
    hosts: z
      .array(sniHost)
      .optional()
      .describe(
        "Server names (SNI) the certificate is served for on the TLS listener: exact or with a leading \"*.\" wildcard (one label). Unset: the Route's hosts. Subject to the operator's host policy (HostNotAllowed); a name another Route's certificate already serves stays with the older Route (DuplicateSni).",
      ),
    secretName: objectName.describe(
      "A kubernetes.io/tls Secret in the same namespace (keys tls.crt and tls.key), labelled portcullis.dev/credential=true so the gateway sees it. A changed Secret applies to new TLS handshakes within a second. An unparsable certificate or a key that does not match is reported on this Route (InvalidCertificate, CertificateKeyMismatch).",
    ),
  })
  .describe('A certificate for some of the hosts, served on the TLS listener (docs/tls.md).');

export const routeSpecSchema = z
  .strictObject({
    hosts: z
      .array(z.string().regex(/^(\*\.)?[a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?(\.\*)?(:[0-9]+)?$/, 'must be a host name, optionally with a leading "*." or trailing ".*" wildcard'))
      .optional()
      .describe(
        'Host header values this Route matches (any of them), case-insensitive: exact (api.example.com), a leading wildcard (*.example.com) or a trailing one (example.*), optionally with :port. Subject to the operator\'s host policy (HostNotAllowed). Unset: any host. At least one of hosts, paths and methods is required.',
      ),
    paths: z
      .array(z.string().regex(/^(\/|~)/, 'must start with "/" (prefix) or "~" (regex)'))
      .optional()
      .describe(
        'Request paths this Route matches (any of them): "/prefix" matches every path starting with it (a plain string prefix: /foo matches /foobar); "~/regex" is a regular expression anchored at the start, matched in linear time (no backreferences or lookaround). Unset: any path. At least one of hosts, paths and methods is required.',
      ),
    methods: z
      .array(z.string().regex(/^[A-Z]+$/, 'must be an upper-case HTTP method'))
      .optional()
      .describe('HTTP methods this Route matches (any of them), upper-case, e.g. GET. Unset: any method. At least one of hosts, paths and methods is required.'),
    stripPath: z
      .boolean()
      .default(true)
      .describe('Remove the matched path prefix (or the part a regex path matched) before forwarding, as Kong\'s strip_path. Default true.'),
    preserveHost: z
      .boolean()
      .default(false)
      .describe(
        "Forward the client's Host header unchanged. Default false: the upstream receives the backend's host (service-name.namespace.svc, or the url's host), with the port when it is not the scheme's default.",
      ),
    backend: routeBackendSchema,
    protocols: z
      .array(z.enum(['http', 'https', 'grpc', 'grpcs']))
      .min(1)
      .default(['http', 'https'])
      .describe(
        "Which listener the Route matches on, as Kong's route protocols: http (plaintext), https (TLS), grpc and grpcs (gRPC over them). Default both http and https. A Route whose only protocol is https answers plaintext requests with httpsRedirectStatusCode. A Route with only grpc and/or grpcs answers, as Kong, 415 to a request that is not gRPC and 426 to gRPC over HTTP/1.1 (docs/http2-grpc.md#grpc-only-routes).",
      ),
    httpsRedirectStatusCode: z
      .literal([426, 301, 302, 307, 308])
      .default(426)
      .describe(
        "What a plaintext request gets when protocols has https but not http (Kong's https_redirect_status_code): 426 with {\"message\":\"Please use HTTPS protocol\"} (the default), or a 301, 302, 307 or 308 redirect to the same URL over https.",
      ),
    tls: z
      .array(routeTlsSchema)
      .optional()
      .describe('Certificates served on the TLS listener for this Route\'s hosts (kubernetes.io/tls Secrets).'),
    plugins: z
      .strictObject({
        jwt: jwtPluginConfigSchema
          .optional()
          .describe(
            "Require a valid JWT (Kong's jwt plugin). Present, even empty ({}), it turns authentication on with the defaults below; absent, the Route is public.",
          ),
        jwtClaims: jwtClaimsConfigSchema
          .optional()
          .describe(
            'Authorization by claim and claims to upstream headers (docs/claims.md), checked on the token the jwt plugin verified: required audiences, issuers, scopes and claim matchers (403 when one fails), and claims sent upstream as headers. Requires jwt.',
          ),
        ipRestriction: ipRestrictionConfigSchema
          .optional()
          .describe(
            "Kong's ip-restriction (docs/ip-restriction.md): refuse clients by IP or CIDR block (deny, then allow), on the real client address behind trusted proxies; 403 {\"message\":\"IP address not allowed: <ip>\"} unless status / message say otherwise. Runs after jwt, as in Kong.",
          ),
        cors: corsConfigSchema
          .optional()
          .describe(
            "Kong's cors (docs/cors.md): answers browser preflights (200, before jwt, so they need no token) and adds Access-Control-* headers to responses, refusals included.",
          ),
        acl: aclConfigSchema
          .optional()
          .describe(
            "Kong's acl (docs/acl.md): allow or deny the consumer jwt authenticated by its groups (KongConsumer spec.groups); 403 {\"message\":\"You cannot consume this service\"}, 401 without a consumer. Runs after jwt and ipRestriction.",
          ),
        correlationId: correlationIdConfigSchema
          .optional()
          .describe(
            "Kong's correlation-id (docs/correlation-id.md): a request without headerName (Kong-Request-ID) gets a generated id sent upstream, and back to the client with echoDownstream. Runs before every other plugin.",
          ),
        rateLimiting: rateLimitingCrSchema.optional(),
        rateLimitingByConsumer: z
          .array(
            z.strictObject({
              consumerRef: localObjectRefSchema.describe('The KongConsumer (in this namespace) the limit applies to.'),
              rateLimiting: rateLimitingCrSchema,
            }),
          )
          .max(RATE_LIMITING_BY_CONSUMER_MAX)
          .superRefine((list, ctx) => {
            const seen = new Set<string>();
            list.forEach((e, i) => {
              if (seen.has(e.consumerRef.name)) ctx.addIssue({ code: 'custom', message: `KongConsumer '${e.consumerRef.name}' is named more than once`, path: [i, 'consumerRef', 'name'] });
              seen.add(e.consumerRef.name);
            });
          })
          .optional()
          .describe(
            "Kong's rate-limiting scoped to consumer + route (docs/rate-limiting.md#consumers): for requests of the named KongConsumer, this limit replaces rateLimiting (which keeps applying to everyone else). Counters are the Route's, per limitBy identifier.",
          ),
      })
      .refine((p) => p.jwtClaims === undefined || p.jwt !== undefined, {
        message: 'requires plugins.jwt (jwtClaims checks the token the jwt plugin verified)',
        path: ['jwtClaims'],
      })
      .optional()
      .describe("Plugins that run on this Route, in Kong's order: correlationId, cors, jwt, ipRestriction, acl, jwtClaims, then rateLimiting. An unknown plugin is rejected."),
  })
  .refine((r) => (r.hosts?.length ?? 0) + (r.paths?.length ?? 0) + (r.methods?.length ?? 0) > 0, {
    message: 'at least one of hosts, paths or methods is required',
    path: ['paths'],
  })
  .describe('Which requests this Route matches (hosts, paths and methods, ANDed; values within a field ORed), where they go, and whether they need a JWT.');
export type RouteCrdSpec = z.output<typeof routeSpecSchema>;

// ---------------------------------------------------------------- JwtPolicy

export const policyTargetRefSchema = z.strictObject({
  group: z.enum(['gateway.networking.k8s.io']).describe('gateway.networking.k8s.io (the Gateway API group).'),
  kind: z.enum(['HTTPRoute', 'Gateway']).describe('HTTPRoute (its rules) or Gateway (every HTTPRoute attached to it without a policy of its own).'),
  name: objectName.describe('metadata.name of the target, in the same namespace as this JwtPolicy.'),
});

export const jwtPolicySpecSchema = z
  .strictObject({
    targetRefs: z
      .array(policyTargetRefSchema)
      .min(1)
      .max(16)
      .describe(
        'The HTTPRoutes and Gateways this policy applies to (Gateway API policy attachment). A policy on an HTTPRoute wins over one on its Gateway; of two policies on one target the older applies and the other is reported as PolicyConflict.',
      ),
    jwt: jwtPluginConfigSchema.describe(
      "The jwt plugin configuration, as a Route's plugins.jwt (Kong's jwt plugin): requests to the targets need a valid JWT of a JwtCredential. anonymous names a KongConsumer in this policy's namespace.",
    ),
  })
  .describe('Require a JWT on Gateway API HTTPRoutes (docs/gateway-api.md#jwt).');
export type JwtPolicySpec = z.output<typeof jwtPolicySpecSchema>;

// ---------------------------------------------------------------- status (shared by all kinds)

export const conditionSchema = z.strictObject({
  type: z
    .string()
    .min(1)
    .max(316)
    .describe(
      'Accepted: the object\'s own spec is valid. Programmed: the object is live in the gateway (False also for a missing or broken reference, or a conflict with another object). KeySetReady (JwtCredentials with jwks): the last key set fetch worked (False: JwksFetchFailed while the last good key set serves, JwksUnavailable once none is usable).',
    ),
  status: z.enum(['True', 'False', 'Unknown']).describe('True, False or Unknown.'),
  reason: z
    .string()
    .max(1024)
    .optional()
    .describe('Why, in one CamelCase word: e.g. Accepted, Programmed, InvalidSpec, SecretNotFound, ConsumerNotFound, InvalidKey, KeyConflict, RouteConflict, HostNotAllowed.'),
  message: z.string().max(32768).optional().describe('What is wrong and with which field, for people; warnings are appended to a True condition. Never contains secret values.'),
  observedGeneration: z.number().int().min(0).optional().describe('The metadata.generation of the object this condition was computed from.'),
  lastTransitionTime: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('When status or reason last changed (RFC 3339).'),
});

export const crdStatusSchema = z
  .strictObject({
    observedGeneration: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        "The metadata.generation of the object this status describes: when it is below metadata.generation, the controller has not yet processed the latest spec.",
      ),
    conditions: z
      .array(conditionSchema)
      .optional()
      .describe('The Accepted and Programmed conditions (conditions of other writers are kept).'),
  })
  .describe("Written by the leader Portcullis controller; read-only for users.");
export type CrdStatus = z.output<typeof crdStatusSchema>;
export type Condition = z.output<typeof conditionSchema>;

/** The three kinds, keyed by kind, with the spec schema each validates with. */
export const CRD_SPEC_SCHEMAS = {
  KongConsumer: kongConsumerSpecSchema,
  JwtCredential: jwtCredentialSpecSchema,
  Route: routeSpecSchema,
  JwtPolicy: jwtPolicySpecSchema,
} as const;
export type CrdKind = keyof typeof CRD_SPEC_SCHEMAS;
export const CRD_KINDS = Object.keys(CRD_SPEC_SCHEMAS) as CrdKind[];

export function isCrdKind(kind: unknown): kind is CrdKind {
  return typeof kind === 'string' && Object.hasOwn(CRD_SPEC_SCHEMAS, kind);
}
