import { isHmacAlgorithm } from '../../model/algorithms.js';
import type { AuthExplanation } from '../../model/explain.js';
import { decodeToken, ownClaim } from './decode.js';
import {
  buildRejections,
  claimIndex,
  missingAnonymousRejection,
  type ClaimState,
  type Rejection,
  type RejectionSet,
} from './responses.js';
import { explainJwt, type JwtExplainContext } from './explain.js';
import { pickByKid } from './kid-selection.js';
import type { KeyObject } from 'node:crypto';
import type { JwksKeySet, JwksKeySource } from '../../snapshot/jwks.js';
import { selectJwksKey } from './jwks-select.js';
import { verifySignature } from './signature.js';
import { collectTokens, planTokenSources } from './token-sources.js';
import type { AuthOutcome, Authenticator, AuthRequest, Consumer, Credential } from '../../snapshot/types.js';
import type { JwtAuthenticatorDeps } from './types.js';
import { processTokenCache, stillCurrent, type Authenticated, type VerifiedToken } from './verified-token-cache.js';

/** Longer tokens are verified every time: one token may not take a large share of the budget. */
const MAX_CACHEABLE_TOKEN_LENGTH = 4096;

/** The authenticator plus a read-only view of the cache it uses, for tests and the debug endpoint. */
export interface CachingJwtAuthenticator extends Authenticator {
  /** Number of verified tokens in the cache this authenticator uses (shared with other instances). */
  readonly cacheSize: number;
}

const SKIPPED: AuthOutcome = Object.freeze({ kind: 'skipped' });

/** One frozen outcome per credential, whichever plugin instance verified it. */
const outcomes = new WeakMap<Credential, Authenticated>();
function authenticatedFor(credential: Credential): Authenticated {
  let outcome = outcomes.get(credential);
  if (outcome === undefined) {
    outcome = Object.freeze({ kind: 'authenticated', consumer: credential.consumer, credential });
    outcomes.set(credential, outcome);
  }
  return outcome;
}

const numberOrUndefined = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
/** Characters of the payload segment (between the two dots of a verified token). */
const payloadChars = (token: string): number => {
  const first = token.indexOf('.');
  return token.indexOf('.', first + 1) - first - 1;
};

/**
 * One jwt plugin instance, bound to one snapshot's credentials. Verified tokens go to the cache
 * shared by every instance of the process (deps.cache, by default the process-wide one); an
 * entry is used only when it was verified the way this instance would verify it (see
 * VerifiedToken). Implements docs/kong-compatibility.md#request-flow in order.
 */
export function createJwtAuthenticator(deps: JwtAuthenticatorDeps): CachingJwtAuthenticator {
  const { config, credentialsByKey } = deps;
  const plan = planTokenSources(config);
  const rejections = buildRejections(config.keyClaimName, config.realm);
  const cache = deps.cache ?? processTokenCache;
  const checkExp = config.claimsToVerify.includes('exp');
  const checkNbf = config.claimsToVerify.includes('nbf');
  const maxExpiration = config.maximumExpiration;
  const keyClaimName = config.keyClaimName;
  const secretIsBase64 = config.secretIsBase64;
  const skipPreflight = !config.runOnPreflight;
  const onFailure = failureHandler(deps.anonymous);
  const retainClaims = deps.retainClaims === true;

  /** Decode, find the credential, check the signature: everything that does not depend on time. */
  const verify = (token: string, mayWait: boolean): VerifiedToken | Rejection | Pending => {
    const decoded = decodeToken(token);
    if (decoded === 'invalid_json') return rejections.invalidJson;
    if (decoded === 'invalid_alg') return rejections.invalidAlg;
    if (decoded === 'invalid_signature') return rejections.invalidSignatureEncoding;

    // Lua's `claims[k] or header[k]`: absent (or false) in the payload falls back to the header.
    let keyValue = ownClaim(decoded.payload, keyClaimName);
    if (keyValue === undefined || keyValue === false) keyValue = ownClaim(decoded.header, keyClaimName);
    if (keyValue === undefined || keyValue === false) return rejections.missingKeyClaim;
    if (typeof keyValue !== 'string' || keyValue === '') return rejections.invalidKeyClaim;

    let credential = credentialsByKey.get(keyValue);
    if (credential === undefined) return rejections.unknownCredential;
    if (credential.kidTable !== undefined) {
      // Several keys for one key claim value: the JOSE kid picks (docs/key-material.md#rotation).
      const picked = pickByKid(credential.kidTable, decoded.header);
      if (typeof picked === 'string') return rejections[picked];
      credential = picked;
    }
    const jwks = credential.jwks;
    let key: KeyObject | null | undefined;
    let keySet: JwksKeySet | undefined;
    if (jwks !== undefined) {
      // docs/jwks.md: the credential's algorithms, then the key for the token's kid.
      if (!jwks.algorithms.has(decoded.alg)) return rejections.algorithmMismatch;
      keySet = jwks.keys;
      key = keySet === undefined ? undefined : selectJwksKey(keySet, ownClaim(decoded.header, 'kid'), decoded.alg);
      if (key === undefined) return jwksMiss(jwks, keySet, mayWait, rejections);
    } else {
      if (decoded.alg !== credential.algorithm) return rejections.algorithmMismatch;
      key = isHmacAlgorithm(credential.algorithm)
        ? secretIsBase64
          ? credential.hmacKeyFromBase64
          : credential.hmacKey
        : credential.publicKey;
    }
    if (key === undefined || key === null) return rejections.invalidKey;

    if (!verifySignature(decoded.alg, key, decoded.signingInput, decoded.signature)) return rejections.badSignature;

    // With claims kept, the outcome is the token's own (verified once, then shared by cache hits).
    const claims = retainClaims ? decoded.payload : undefined;
    return {
      keyClaimName,
      secretIsBase64,
      credential,
      outcome: claims === undefined ? authenticatedFor(credential) : Object.freeze({ kind: 'authenticated', consumer: credential.consumer, credential, claims }),
      claims,
      exp: numberOrUndefined(ownClaim(decoded.payload, 'exp')),
      nbf: numberOrUndefined(ownClaim(decoded.payload, 'nbf')),
      keySet,
      index: credentialsByKey,
    };
  };

  /** exp / nbf / maximum_expiration: run on every request, cached or not. */
  const checkTime = (verified: VerifiedToken, now: number): Rejection | undefined => {
    if (checkExp || checkNbf) {
      const exp: ClaimState = !checkExp
        ? 'ok'
        : verified.exp === undefined
          ? 'not_number'
          : verified.exp <= now
            ? 'failed'
            : 'ok';
      const nbf: ClaimState = !checkNbf
        ? 'ok'
        : verified.nbf === undefined
          ? 'not_number'
          : verified.nbf > now
            ? 'failed'
            : 'ok';
      const rejection = rejections.claims[claimIndex(exp, nbf)];
      if (rejection !== undefined) return rejection;
    }
    if (maxExpiration > 0) {
      const exp = verified.exp;
      if (exp === undefined || exp - now > maxExpiration) return rejections.maxExpiration;
    }
    return undefined;
  };

  const authenticateToken = (req: AuthRequest, now: number): Authenticated | Rejection | Pending => {
    const collected = collectTokens(plan, req.rawQuery, req.rawHeaders);
    if (collected.kind === 'none') return rejections.noToken;
    if (collected.kind === 'multiple') return rejections.multipleTokens;
    if (collected.kind === 'unrecognizable') return rejections.unrecognizableToken;
    const token = collected.token;

    const cached = cache.get(token);
    if (
      cached !== undefined &&
      cached.keyClaimName === keyClaimName &&
      cached.secretIsBase64 === secretIsBase64 &&
      (cached.claims !== undefined || !retainClaims) &&
      stillCurrent(cached, credentialsByKey)
    ) {
      cache.hits++;
      return checkTime(cached, now) ?? cached.outcome;
    }
    cache.misses++;
    const result = verify(token, req.noWait !== true);
    if ('kind' in result) {
      // Verified differently before (another instance's settings, or a credential since changed):
      // that verification says nothing about this token now.
      if (cached !== undefined) cache.delete(token);
      return result;
    }
    // A kept payload is charged as twice its encoded length, an estimate of the decoded object (docs/claims.md#memory).
    if (token.length <= MAX_CACHEABLE_TOKEN_LENGTH) cache.set(token, result, result.claims === undefined ? 0 : 2 * payloadChars(token));
    return checkTime(result, now) ?? result.outcome;
  };

  return {
    pluginId: deps.pluginId,
    config,
    authenticate(req: AuthRequest, nowSeconds: number): AuthOutcome {
      if (skipPreflight && req.method === 'OPTIONS') return SKIPPED;
      const result = authenticateToken(req, nowSeconds);
      return result.kind === 'rejected' ? onFailure(result) : result;
    },
    // docs/explain.md: the same functions without the cache; the context is built per call (rare),
    // so a snapshot of many instances holds nothing more.
    explain(req: AuthRequest, nowSeconds: number): AuthExplanation {
      // Explain never triggers a JWKS refetch: with mayWait false, verify answers at once.
      const verifyNow = (token: string): VerifiedToken | Rejection => verify(token, false) as VerifiedToken | Rejection;
      const ctx: JwtExplainContext = { pluginId: deps.pluginId, config, plan, rejections, credentialsByKey, verify: verifyNow, checkTime, onFailure };
      return explainJwt(ctx, req, nowSeconds);
    },
    get cacheSize(): number {
      return cache.size;
    },
  };
}

/** Anonymous (OR) mode: a failure becomes the anonymous consumer, or a 500 if it names nobody. */
function failureHandler(anonymous: JwtAuthenticatorDeps['anonymous']): (rejection: Rejection) => AuthOutcome {
  if (anonymous === undefined) return (rejection) => rejection;
  if ('missing' in anonymous) {
    const missing = missingAnonymousRejection(anonymous.missing);
    return () => missing;
  }
  const outcome: AuthOutcome = Object.freeze({ kind: 'anonymous', consumer: anonymous as Consumer });
  return () => outcome;
}

type Pending = Extract<AuthOutcome, { kind: 'pending' }>;

/**
 * No key for the token (docs/jwks.md#unknown-kid): wait for the fetch in flight or a new one the
 * rate limit allows, then the caller authenticates again with noWait; else refuse now.
 */
function jwksMiss(jwks: JwksKeySource, keySet: JwksKeySet | undefined, mayWait: boolean, rejections: RejectionSet): Rejection | Pending {
  const ready = mayWait ? jwks.refetch() : undefined;
  if (ready !== undefined) return { kind: 'pending', ready };
  return keySet === undefined ? rejections.jwksUnavailable : rejections.jwksUnknownKid;
}
