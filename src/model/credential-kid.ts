import { credentialId, entityId } from './ids.js';

/**
 * Rotation without JWKS (docs/key-material.md#rotation): several credentials may share a key when
 * they belong to one consumer and differ in `kid`; the token's JOSE header `kid` picks one. The
 * rules both sources and the translator apply, so kong.yml, the controller and `portcullis
 * validate` agree.
 */

/** Longest accepted `kid`: JWKS kids are thumbprints, UUIDs or short names. */
export const KID_MAX_LENGTH = 256;
const CONTROL = /[\x00-\x1f\x7f]/;

/** Why `kid` cannot be a credential's kid (it is quoted in diagnostics), or undefined when it can. */
export function kidProblem(kid: string): string | undefined {
  if (kid.length > KID_MAX_LENGTH) return `must be at most ${KID_MAX_LENGTH} characters`;
  if (CONTROL.test(kid)) return 'must not contain control characters';
  return undefined;
}

/** What keeps two credentials from sharing a key: the same kid (both none included), or different consumers. */
export type KeySharingConflict = 'kid' | 'consumer';

/**
 * Whether credentials `a` and `b`, which have the same key, may not both serve it. `consumer` is
 * any identity of the resolved consumer (compared with ===). The kid is checked first: two
 * kid-less credentials conflict whoever owns them, exactly as before kids existed.
 */
export function keySharingConflict(
  a: { kid?: string | undefined; consumer: unknown },
  b: { kid?: string | undefined; consumer: unknown },
): KeySharingConflict | undefined {
  if (a.kid === b.kid) return 'kid';
  if (a.consumer !== b.consumer) return 'consumer';
  return undefined;
}

/**
 * The derived id of a credential. Without a kid it is Kong's (a UUIDv5 of the key). With one, a
 * UUIDv5 of (key, kid) in a namespace of its own, so it never equals a kid-less credential's id,
 * stays the same while other credentials of the key come and go, and differs per kid.
 */
export function derivedCredentialId(key: string, kid: string | undefined): string {
  return kid === undefined ? credentialId(key) : entityId('jwt_secrets#kid', JSON.stringify([key, kid]));
}
