import type { Credential, KidTable } from '../../snapshot/types.js';

/** Why a token's `kid` selects no credential: the name of its rejection (responses.ts). */
export type KidRefusal = 'missingKid' | 'invalidKid' | 'unknownKid';

/**
 * The credential a token's JOSE header `kid` selects among those of its key
 * (docs/key-material.md#rotation): the one with that kid, else the key's kid-less credential,
 * else a refusal. One map lookup, never a trial verification: a token is checked against exactly
 * one key, whatever its kid.
 */
export function pickByKid(table: KidTable, header: Record<string, unknown>): Credential | KidRefusal {
  const kid = Object.hasOwn(header, 'kid') ? header.kid : undefined;
  if (typeof kid === 'string' && kid !== '') {
    const picked = table.byKid.get(kid);
    if (picked !== undefined) return picked;
    return table.fallback ?? 'unknownKid';
  }
  if (table.fallback !== undefined) return table.fallback;
  return kid === undefined ? 'missingKid' : 'invalidKid';
}

/**
 * Whether `index` (a snapshot's credentials by key) holds `credential`, as the head of its key or
 * as a member of the head's kid table. Credentials are built anew with their tables for every
 * snapshot, so holding the object means the selection that found it is still the current one.
 */
export function holdsCredential(index: ReadonlyMap<string, Credential>, credential: Credential): boolean {
  const head = index.get(credential.key);
  if (head === credential) return true;
  return credential.kid !== undefined && head?.kidTable?.byKid.get(credential.kid) === credential;
}
