import type { JwtRefusal } from '../../model/refusal-reasons.js';
import type { AuthOutcome } from '../../snapshot/types.js';

export type Rejection = Extract<AuthOutcome, { kind: 'rejected' }>;

/** Low-cardinality labels for the auth-failure metric and the access log (table: src/model/refusal-reasons.ts). */
export type RejectReason = JwtRefusal;

export type ClaimState = 'ok' | 'not_number' | 'failed';

/**
 * Every response one plugin instance can send, built once per instance (bodies depend only on
 * key_claim_name and realm), so a rejected request allocates nothing.
 */
export interface RejectionSet {
  noToken: Rejection;
  multipleTokens: Rejection;
  unrecognizableToken: Rejection;
  invalidJson: Rejection;
  invalidAlg: Rejection;
  invalidSignatureEncoding: Rejection;
  missingKeyClaim: Rejection;
  invalidKeyClaim: Rejection;
  unknownCredential: Rejection;
  /** A key whose credentials all have a kid (docs/key-material.md#rotation): no kid, a kid that is not a string, no such kid. */
  missingKid: Rejection;
  invalidKid: Rejection;
  unknownKid: Rejection;
  algorithmMismatch: Rejection;
  invalidKey: Rejection;
  badSignature: Rejection;
  jwksUnavailable: Rejection;
  jwksUnknownKid: Rejection;
  maxExpiration: Rejection;
  /** Indexed by claimIndex(exp, nbf); undefined for (ok, ok). */
  claims: ReadonlyArray<Rejection | undefined>;
}

const STATES: readonly ClaimState[] = ['ok', 'not_number', 'failed'];

export function claimIndex(exp: ClaimState, nbf: ClaimState): number {
  return STATES.indexOf(exp) * 3 + STATES.indexOf(nbf);
}

/** "Bearer" / `Bearer realm="R"`, the value sent when no token was found. */
export function wwwAuthenticateBase(realm: string | undefined): string {
  return realm === undefined ? 'Bearer' : `Bearer realm="${realm}"`;
}

/** RFC 6750 comma form (Kong master): `Bearer error=…` or `Bearer realm="R", error=…`. */
export function wwwAuthenticateInvalid(realm: string | undefined): string {
  return realm === undefined ? 'Bearer error="invalid_token"' : `Bearer realm="${realm}", error="invalid_token"`;
}

/**
 * Shared by every instance with the same key_claim_name and realm (the sets are frozen): a
 * controller rebuild re-creates thousands of plugin instances, and building their bodies again
 * was a tenth of it (docs/controller-memory.md#incremental-rebuilds). Bounded: cleared when large.
 */
const rejectionSets = new Map<string, RejectionSet>();

export function buildRejections(keyClaimName: string, realm: string | undefined): RejectionSet {
  const key = realm === undefined ? `${keyClaimName}\u0000` : `${keyClaimName}\u0001${realm}`;
  let set = rejectionSets.get(key);
  if (set === undefined) {
    if (rejectionSets.size >= 1_000) rejectionSets.clear();
    set = makeRejections(keyClaimName, realm);
    rejectionSets.set(key, set);
  }
  return set;
}

function makeRejections(keyClaimName: string, realm: string | undefined): RejectionSet {
  const base = wwwAuthenticateBase(realm);
  const invalid = wwwAuthenticateInvalid(realm);
  const message = (text: string, reason: RejectReason, www = invalid): Rejection =>
    Object.freeze({ kind: 'rejected', status: 401, body: JSON.stringify({ message: text }), wwwAuthenticate: www, reason });
  const errors = (body: Record<string, string>, reason: RejectReason): Rejection =>
    Object.freeze({ kind: 'rejected', status: 401, body: JSON.stringify(body), wwwAuthenticate: invalid, reason });

  const claims: Array<Rejection | undefined> = [];
  for (const exp of STATES) {
    for (const nbf of STATES) {
      const body: Record<string, string> = {};
      if (exp === 'not_number') body.exp = 'must be a number';
      if (exp === 'failed') body.exp = 'token expired';
      if (nbf === 'not_number') body.nbf = 'must be a number';
      if (nbf === 'failed') body.nbf = 'token not valid yet';
      const reason: RejectReason =
        exp === 'not_number' || nbf === 'not_number' ? 'invalid_claims' : exp === 'failed' ? 'expired' : 'not_yet_valid';
      claims[claimIndex(exp, nbf)] = exp === 'ok' && nbf === 'ok' ? undefined : errors(body, reason);
    }
  }

  return Object.freeze({
    noToken: message('Unauthorized', 'no_token', base),
    multipleTokens: message('Multiple tokens provided', 'multiple_tokens'),
    unrecognizableToken: message('Unrecognizable token', 'unrecognizable_token'),
    invalidJson: message('Bad token; invalid JSON', 'bad_token'),
    invalidAlg: message('Bad token; invalid alg', 'bad_token'),
    invalidSignatureEncoding: message('Bad token; invalid signature', 'bad_token'),
    missingKeyClaim: message(`No mandatory '${keyClaimName}' in claims`, 'missing_key_claim'),
    invalidKeyClaim: message(`Invalid '${keyClaimName}' in claims`, 'invalid_key_claim'),
    unknownCredential: message(`No credentials found for given '${keyClaimName}'`, 'unknown_credential'),
    missingKid: message("No mandatory 'kid' in header", 'missing_kid'),
    invalidKid: message("Invalid 'kid' in header", 'invalid_kid'),
    unknownKid: message("No credentials found for given 'kid'", 'unknown_kid'),
    algorithmMismatch: message('Invalid algorithm', 'algorithm_mismatch'),
    invalidKey: message('Invalid key/secret', 'invalid_key'),
    badSignature: message('Invalid signature', 'bad_signature'),
    jwksUnavailable: message('Signing keys unavailable', 'jwks_unavailable'),
    jwksUnknownKid: message("No signing key found for given 'kid'", 'jwks_unknown_kid'),
    maxExpiration: errors({ exp: 'exceeds maximum allowed expiration' }, 'max_expiration'),
    claims: Object.freeze(claims),
  });
}

/** 500 for an anonymous consumer that names nobody; nothing is proxied. */
export function missingAnonymousRejection(value: string): Rejection {
  return Object.freeze({
    kind: 'rejected',
    status: 500,
    body: JSON.stringify({ message: `anonymous consumer ${value} is configured but doesn't exist` }),
    reason: 'anonymous_missing',
  });
}
