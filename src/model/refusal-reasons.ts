/**
 * Why the gateway refused a request: one stable code per cause, the same in the access log's
 * `reason` field, the auth-failure metric's `reason` label (jwt codes), `portcullis explain` and
 * `POST /debug/explain`. Documented in docs/explain.md#reason-codes (a unit test keeps that table
 * and this one in step). Codes are API: never rename one, only add.
 */
export interface RefusalReasonInfo {
  /** The status the client gets (text: some depend on the route's settings). */
  readonly status: string;
  /** Who refuses: the gateway itself, or the jwt plugin of the matched route. */
  readonly by: 'gateway' | 'jwt' | 'jwt-claims' | 'ip-restriction' | 'acl' | 'rate-limiting';
  /** One line, for docs and explain output. */
  readonly meaning: string;
}

/** Refusals decided by the proxy before or around a plugin (src/proxy/handler.ts). */
export const GATEWAY_REFUSALS = {
  no_config: { status: '503', by: 'gateway', meaning: 'no configuration has been loaded yet' },
  bad_path: { status: '400', by: 'gateway', meaning: 'the request path has a malformed percent-escape' },
  no_route: { status: '404', by: 'gateway', meaning: 'no route matches the request (host, path, method, headers, protocol)' },
  https_required: { status: "426, or the route's https_redirect_status_code", by: 'gateway', meaning: 'an https-only route was requested over plaintext' },
  grpc_only: { status: '415, or 426 for gRPC over HTTP/1.x, or grpc-status 1 for gRPC over plaintext on a grpcs-only route', by: 'gateway', meaning: 'a request that is not gRPC over HTTP/2 (over TLS for grpcs) matched a route whose protocols are only grpc/grpcs' },
  plugin_error: { status: '500', by: 'gateway', meaning: "a plugin of the matched route could not be built (the route fails closed); see the route's diagnostics" },
  no_upstream_target: { status: '503', by: 'gateway', meaning: "the route's upstream has no healthy target" },
} as const satisfies Record<string, RefusalReasonInfo>;

/** Refusals of the jwt plugin (src/plugins/jwt/responses.ts), in the order the plugin checks. */
export const JWT_REFUSALS = {
  no_token: { status: '401', by: 'jwt', meaning: 'no token in any configured query parameter, cookie or header' },
  multiple_tokens: { status: '401', by: 'jwt', meaning: 'more than one distinct token was sent' },
  unrecognizable_token: { status: '401', by: 'jwt', meaning: 'a token query parameter was sent without a value (`?jwt`)' },
  bad_token: { status: '401', by: 'jwt', meaning: 'the token is not a JWS: invalid JSON, an unsupported alg, or a malformed signature part' },
  missing_key_claim: { status: '401', by: 'jwt', meaning: 'the key claim (key_claim_name) is in neither the claims nor the JOSE header' },
  invalid_key_claim: { status: '401', by: 'jwt', meaning: 'the key claim is not a non-empty string' },
  unknown_credential: { status: '401', by: 'jwt', meaning: 'no credential has the key claim value as its key' },
  missing_kid: { status: '401', by: 'jwt', meaning: "the key is shared by several credentials selected by kid, none without a kid, and the token's JOSE header has no kid" },
  invalid_kid: { status: '401', by: 'jwt', meaning: "the token's JOSE header kid is not a non-empty string, and the key has no credential without a kid" },
  unknown_kid: { status: '401', by: 'jwt', meaning: "no credential of the key has the token's kid, and the key has no credential without a kid" },
  jwks_unavailable: { status: '401', by: 'jwt', meaning: "the JWKS credential has no usable key set (never fetched, or stale beyond max_stale)" },
  jwks_unknown_kid: { status: '401', by: 'jwt', meaning: "the JWKS key set has no key for the token's kid and alg, after the rate-limited refetch" },
  algorithm_mismatch: { status: '401', by: 'jwt', meaning: "the token's alg is not the credential's algorithm" },
  invalid_key: { status: '401', by: 'jwt', meaning: "the credential's secret cannot be used (secret_is_base64 and the secret is not base64)" },
  bad_signature: { status: '401', by: 'jwt', meaning: 'the signature does not verify with the credential' },
  invalid_claims: { status: '401', by: 'jwt', meaning: 'exp or nbf (in claims_to_verify) is missing or not a number' },
  expired: { status: '401', by: 'jwt', meaning: 'exp (in claims_to_verify) is not in the future' },
  not_yet_valid: { status: '401', by: 'jwt', meaning: 'nbf (in claims_to_verify) is in the future' },
  max_expiration: { status: '401', by: 'jwt', meaning: 'exp is further in the future than maximum_expiration allows' },
  anonymous_missing: { status: '500', by: 'jwt', meaning: 'authentication failed and the anonymous consumer names nobody' },
} as const satisfies Record<string, RefusalReasonInfo>;

/** Refusals of the jwt-claims plugin (src/plugins/claims/checks.ts), run after jwt (docs/claims.md). */
export const CLAIMS_REFUSALS = {
  claims_audience: { status: '403', by: 'jwt-claims', meaning: "the token's aud holds none of the route's audiences" },
  claims_issuer: { status: '403', by: 'jwt-claims', meaning: "the token's iss is not one of the route's issuers" },
  claims_scope: { status: '403', by: 'jwt-claims', meaning: 'the token lacks a required scope (scope or scp)' },
  claims_claim: { status: '403', by: 'jwt-claims', meaning: 'a claim matcher (equals, one_of, contains, contains_any) does not hold' },
  claims_anonymous: { status: '403', by: 'jwt-claims', meaning: 'an anonymous request on a route with claim requirements (it satisfies none)' },
} as const satisfies Record<string, RefusalReasonInfo>;

/** Refusals of Kong's ip-restriction plugin (src/proxy/kong-plugins.ts), run after jwt (docs/ip-restriction.md). */
export const IP_RESTRICTION_REFUSALS = {
  ip_restricted: { status: "403, or the plugin's status", by: 'ip-restriction', meaning: "the client's address (behind trusted proxies: the real client IP) is in deny, or allow is set and the address is not in it" },
} as const satisfies Record<string, RefusalReasonInfo>;

/** Refusals of Kong's acl plugin (src/plugins/acl/policy.ts), run after ip-restriction (docs/acl.md). */
export const ACL_REFUSALS = {
  acl_denied: { status: '403', by: 'acl', meaning: "the consumer's groups are in deny, or in none of allow (or it has no groups, came with a credential, and allow is set)" },
  acl_unauthenticated: { status: '401', by: 'acl', meaning: 'no consumer was identified (no jwt, or jwt skipped a preflight), or the anonymous consumer has no groups and allow is set' },
} as const satisfies Record<string, RefusalReasonInfo>;

/** Refusals of Kong's rate-limiting plugin (src/proxy/rate-limit.ts), run after jwt, ip-restriction and jwt-claims (docs/rate-limiting.md). */
export const RATE_LIMITING_REFUSALS = {
  rate_limited: { status: "429, or the plugin's error_code", by: 'rate-limiting', meaning: 'a period (second to year) of the limit has no request left for this consumer, credential, IP, service, header or path' },
  rate_limit_unavailable: { status: '500', by: 'rate-limiting', meaning: 'the redis policy could not reach Redis and fault_tolerant is false' },
} as const satisfies Record<string, RefusalReasonInfo>;

export const REFUSAL_REASONS: Readonly<Record<RefusalReason, RefusalReasonInfo>> = Object.freeze({ ...GATEWAY_REFUSALS, ...JWT_REFUSALS, ...CLAIMS_REFUSALS, ...IP_RESTRICTION_REFUSALS, ...ACL_REFUSALS, ...RATE_LIMITING_REFUSALS });

export type GatewayRefusal = keyof typeof GATEWAY_REFUSALS;
export type JwtRefusal = keyof typeof JWT_REFUSALS;
export type ClaimsRefusal = keyof typeof CLAIMS_REFUSALS;
export type IpRestrictionRefusal = keyof typeof IP_RESTRICTION_REFUSALS;
export type AclRefusal = keyof typeof ACL_REFUSALS;
export type RateLimitRefusal = keyof typeof RATE_LIMITING_REFUSALS;
export type RefusalReason = GatewayRefusal | JwtRefusal | ClaimsRefusal | IpRestrictionRefusal | AclRefusal | RateLimitRefusal;
