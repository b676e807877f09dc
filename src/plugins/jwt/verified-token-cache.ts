import { getHeapStatistics } from 'node:v8';
import { holdsCredential } from './kid-selection.js';
import { TokenCache } from './token-cache.js';
import type { AuthOutcome, Credential } from '../../snapshot/types.js';
import type { JwksKeySet } from '../../snapshot/jwks.js';

export type Authenticated = Extract<AuthOutcome, { kind: 'authenticated' }>;

/**
 * What the cache keeps for a token: the time-independent result of decode + signature check, and
 * what it was checked against. A hit counts only when the plugin instance looking it up would
 * have checked it the same way: same key claim name, same choice of HMAC key (secret_is_base64),
 * and the very Credential object its index holds under that key today (or in that key's kid table,
 * for the credential the token's kid picked). A credential changed or
 * removed by a snapshot swap is a new object or no object, so its old verifications never match.
 */
export interface VerifiedToken {
  readonly keyClaimName: string;
  readonly secretIsBase64: boolean;
  readonly credential: Credential;
  readonly outcome: Authenticated;
  /** The payload, when verified by an instance that retains claims (then also outcome.claims). */
  readonly claims: Readonly<Record<string, unknown>> | undefined;
  /** The exp / nbf claims when they are numbers (anything else is checked as "not a number"). */
  readonly exp: number | undefined;
  readonly nbf: number | undefined;
  /** JWKS credentials: the key set it was verified with; another one (rotated, stale) means verify again. */
  readonly keySet: JwksKeySet | undefined;
  /**
   * A snapshot's credential index (built once, never changed) known to hold `credential`: a
   * lookup through that same index needs no map lookup to know the credential is current.
   */
  index: ReadonlyMap<string, Credential>;
}

export type VerifiedTokenCache = TokenCache<VerifiedToken>;

/** Default budget: this share of the V8 heap limit, within the bounds below. */
const HEAP_SHARE = 1 / 8;
const MIN_DEFAULT_BYTES = 1 << 20;
const MAX_DEFAULT_BYTES = 64 << 20;

/**
 * The budget when none is configured: an eighth of the V8 heap limit (which Node 20 sizes from
 * the container's memory limit), at least 1 MiB, at most 64 MiB.
 */
export function defaultTokenCacheBytes(heapSizeLimit = getHeapStatistics().heap_size_limit): number {
  return Math.min(MAX_DEFAULT_BYTES, Math.max(MIN_DEFAULT_BYTES, Math.floor(heapSizeLimit * HEAP_SHARE)));
}

export function createVerifiedTokenCache(budgetBytes: number): VerifiedTokenCache {
  return new TokenCache<VerifiedToken>(budgetBytes);
}

/**
 * The one cache every jwt plugin instance of this process shares, across routes and snapshots.
 * The runtime sizes it (--token-cache-bytes, or its share of the pod's budget in a worker).
 */
export const processTokenCache: VerifiedTokenCache = createVerifiedTokenCache(defaultTokenCacheBytes());

/** Whether `credentialsByKey` (a snapshot's index) holds the credential `v` was verified with. */
export function stillCurrent(v: VerifiedToken, credentialsByKey: ReadonlyMap<string, Credential>): boolean {
  if (v.keySet !== undefined && v.credential.jwks?.keys !== v.keySet) return false;
  if (v.index === credentialsByKey) return true;
  if (!holdsCredential(credentialsByKey, v.credential)) return false;
  v.index = credentialsByKey;
  return true;
}

/**
 * After a snapshot swap: drop what was verified against credentials the new snapshot no longer
 * holds (they could never be hit again, and would keep the old snapshot's key material alive).
 * What stays now points at the new index, so no entry keeps the old one alive either.
 */
export function dropStaleVerifications(cache: VerifiedTokenCache, credentialsByKey: ReadonlyMap<string, Credential>): number {
  return cache.retain((v) => stillCurrent(v, credentialsByKey));
}
