import type { Consumer, Credential } from '../../snapshot/types.js';
import { isHmacAlgorithm } from '../../model/algorithms.js';
import { decodeToken, ownClaim } from './decode.js';
import {
  buildRejections,
  claimIndex,
  missingAnonymousRejection,
  type ClaimState,
  type Rejection,
  type RejectionSet,
} from './responses.js';
import { verifySignature } from './signature.js';
import { LruCache } from './token-cache.js';
import { collectTokens, planTokenSources } from './token-sources.js';
import type { AuthOutcome, AuthRequest, JwtAuthenticator, JwtAuthenticatorDeps } from './types.js';

export const DEFAULT_TOKEN_CACHE_SIZE = 10_000;
/** Longer tokens are verified every time: bounds the cache's memory (10k × 4 KiB worst case). */
const MAX_CACHEABLE_TOKEN_LENGTH = 4096;

/** The authenticator plus a read-only view of its cache, for tests and the debug endpoint. */
export interface CachingJwtAuthenticator extends JwtAuthenticator {
  /** Number of verified tokens currently cached. */
  readonly cacheSize: number;
}

type Authenticated = Extract<AuthOutcome, { kind: 'authenticated' }>;

/** What survives in the cache: the time-independent result of decode + signature check. */
interface VerifiedToken {
  outcome: Authenticated;
  exp: unknown;
  nbf: unknown;
}

const SKIPPED: AuthOutcome = Object.freeze({ kind: 'skipped' });

/**
 * One jwt plugin instance, bound to one snapshot's credentials (a new snapshot builds a new
 * authenticator, hence a fresh cache). Implements kong-jwt-compat.md §3 in order.
 */
export function createJwtAuthenticator(deps: JwtAuthenticatorDeps): CachingJwtAuthenticator {
  const { config, credentialsByKey } = deps;
  const plan = planTokenSources(config);
  const rejections = buildRejections(config.keyClaimName, config.realm);
  const cache = new LruCache<VerifiedToken>(deps.cacheSize ?? DEFAULT_TOKEN_CACHE_SIZE);
  const checkExp = config.claimsToVerify.includes('exp');
  const checkNbf = config.claimsToVerify.includes('nbf');
  const maxExpiration = config.maximumExpiration;
  const keyClaimName = config.keyClaimName;
  const skipPreflight = !config.runOnPreflight;
  const onFailure = failureHandler(deps.anonymous);
  const outcomes = new Map<Credential, Authenticated>();

  const authenticatedFor = (credential: Credential): Authenticated => {
    let outcome = outcomes.get(credential);
    if (outcome === undefined) {
      outcome = Object.freeze({ kind: 'authenticated', consumer: credential.consumer, credential });
      outcomes.set(credential, outcome);
    }
    return outcome;
  };

  /** Decode, find the credential, check the signature: everything that does not depend on time. */
  const verify = (token: string): VerifiedToken | Rejection => {
    const decoded = decodeToken(token);
    if (decoded === 'invalid_json') return rejections.invalidJson;
    if (decoded === 'invalid_alg') return rejections.invalidAlg;
    if (decoded === 'invalid_signature') return rejections.invalidSignatureEncoding;

    // Lua's `claims[k] or header[k]`: absent (or false) in the payload falls back to the header.
    let keyValue = ownClaim(decoded.payload, keyClaimName);
    if (keyValue === undefined || keyValue === false) keyValue = ownClaim(decoded.header, keyClaimName);
    if (keyValue === undefined || keyValue === false) return rejections.missingKeyClaim;
    if (typeof keyValue !== 'string' || keyValue === '') return rejections.invalidKeyClaim;

    const credential = credentialsByKey.get(keyValue);
    if (credential === undefined) return rejections.unknownCredential;
    if (decoded.alg !== credential.algorithm) return rejections.algorithmMismatch;

    const key = isHmacAlgorithm(credential.algorithm)
      ? config.secretIsBase64
        ? credential.hmacKeyFromBase64
        : credential.hmacKey
      : credential.publicKey;
    if (key === undefined || key === null) return rejections.invalidKey;

    if (!verifySignature(decoded.alg, key, decoded.signingInput, decoded.signature)) return rejections.badSignature;

    return {
      outcome: authenticatedFor(credential),
      exp: ownClaim(decoded.payload, 'exp'),
      nbf: ownClaim(decoded.payload, 'nbf'),
    };
  };

  /** exp / nbf / maximum_expiration: run on every request, cached or not. */
  const checkTime = (verified: VerifiedToken, now: number): Rejection | undefined => {
    if (checkExp || checkNbf) {
      const exp: ClaimState = !checkExp
        ? 'ok'
        : typeof verified.exp !== 'number'
          ? 'not_number'
          : verified.exp <= now
            ? 'failed'
            : 'ok';
      const nbf: ClaimState = !checkNbf
        ? 'ok'
        : typeof verified.nbf !== 'number'
          ? 'not_number'
          : verified.nbf > now
            ? 'failed'
            : 'ok';
      const rejection = rejections.claims[claimIndex(exp, nbf)];
      if (rejection !== undefined) return rejection;
    }
    if (maxExpiration > 0) {
      const exp = verified.exp;
      if (typeof exp !== 'number' || exp - now > maxExpiration) return rejections.maxExpiration;
    }
    return undefined;
  };

  const authenticateToken = (req: AuthRequest, now: number): Authenticated | Rejection => {
    const collected = collectTokens(plan, req.rawQuery, req.rawHeaders);
    if (collected.kind === 'none') return rejections.noToken;
    if (collected.kind === 'multiple') return rejections.multipleTokens;
    if (collected.kind === 'unrecognizable') return rejections.unrecognizableToken;
    const token = collected.token;

    let verified = cache.get(token);
    if (verified === undefined) {
      const result = verify(token);
      if ('kind' in result) return result;
      verified = result;
      if (token.length <= MAX_CACHEABLE_TOKEN_LENGTH) cache.set(token, verified);
    }
    return checkTime(verified, now) ?? verified.outcome;
  };

  return {
    pluginId: deps.pluginId,
    config,
    authenticate(req: AuthRequest, nowSeconds: number): AuthOutcome {
      if (skipPreflight && req.method === 'OPTIONS') return SKIPPED;
      const result = authenticateToken(req, nowSeconds);
      return result.kind === 'rejected' ? onFailure(result) : result;
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
