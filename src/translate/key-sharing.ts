import { keySharingConflict, type KeySharingConflict } from '../model/credential-kid.js';
import { diagnostic, type Diagnostic } from '../model/diagnostics.js';
import type { CredentialSpec } from '../model/resources.js';
import type { Credential, KidTable } from '../snapshot/types.js';
import { describeObject, inPrecedenceOrder, isKubeObject } from './precedence.js';

/**
 * Credentials sharing a key (docs/key-material.md#rotation): allowed when they belong to one
 * consumer and each has a distinct kid (at most one has none); the token's kid then picks one.
 * Anything else is a KeyConflict, decided as before kids existed: in kong.yml every credential in
 * a conflict is refused (Kong rejects the file); in controller mode the established credentials
 * keep the key and only newcomers are refused (the key is public: refusing both would let anyone
 * revoke anyone's credential).
 */

interface Owner {
  spec: CredentialSpec;
  ref: CredentialSpec['ref'];
  createdAt?: string;
  kid: string | undefined;
  /** The resolved consumer, or the spec itself when it resolves to none (then it matches no one). */
  consumer: unknown;
}

/**
 * The refusal of every credential that may not share its key, by spec. `sharedKeys`: the specs of
 * each key that more than one credential uses.
 */
export function keySharingRefusals(
  sharedKeys: Iterable<readonly CredentialSpec[]>,
  consumerOf: (spec: CredentialSpec) => unknown,
): Map<CredentialSpec, Diagnostic> {
  const refusals = new Map<CredentialSpec, Diagnostic>();
  for (const specs of sharedKeys) {
    const owners = specs.map(
      (spec): Owner => ({ spec, ref: spec.ref, ...(spec.createdAt !== undefined && { createdAt: spec.createdAt }), kid: spec.kid, consumer: consumerOf(spec) }),
    );
    if (owners.every(isKubeObject)) refuseNewcomers(owners, refusals);
    else refuseAllInConflict(owners, refusals);
  }
  return refusals;
}

/** kong.yml: every credential in a conflict is refused, naming the others. */
function refuseAllInConflict(owners: readonly Owner[], refusals: Map<CredentialSpec, Diagnostic>): void {
  const withoutKids = owners.every((o) => o.kid === undefined);
  for (const o of owners) {
    const clashes: Array<[Owner, KeySharingConflict]> = [];
    for (const other of owners) {
      const why = other === o ? undefined : keySharingConflict(o, other);
      if (why !== undefined) clashes.push([other, why]);
    }
    if (clashes.length === 0) continue;
    // Without any kid, the message (and the field) are exactly those from before kids existed.
    const message = withoutKids
      ? `key is also used by ${clashes.map(([c]) => describeObject(c.ref)).join(', ')}; all credentials with this key are refused`
      : `key is also used by ${clashes.map(([c, why]) => `${describeObject(c.ref)} (${explain(c, why)})`).join(', ')}; ` +
        'credentials may share a key only within one consumer and with distinct kids, so each of these is refused';
    const field = fieldOf(o, clashes.every(([, why]) => why === 'kid'));
    refusals.set(o.spec, diagnostic('error', o.ref, 'KeyConflict', message, field));
  }
}

/** Controller mode: in precedence order, each credential joins the key's group unless it conflicts with one already in. */
function refuseNewcomers(owners: readonly Owner[], refusals: Map<CredentialSpec, Diagnostic>): void {
  const kept: Owner[] = [];
  for (const o of inPrecedenceOrder(owners)) {
    let clash: Owner | undefined;
    let why: KeySharingConflict | undefined;
    for (const k of kept) {
      why = keySharingConflict(o, k);
      if (why !== undefined) {
        clash = k;
        break;
      }
    }
    if (clash === undefined || why === undefined) {
      kept.push(o);
      continue;
    }
    const reason = o.kid === undefined && clash.kid === undefined ? '' : ` (${explain(clash, why)})`;
    const message = `key is already used by ${describeObject(clash.ref)}${reason}, which keeps it (the older credential wins: creationTimestamp, then namespace/name)`;
    refusals.set(o.spec, diagnostic('error', o.ref, 'KeyConflict', message, fieldOf(o, why === 'kid')));
  }
}

function explain(other: Owner, why: KeySharingConflict): string {
  if (why === 'consumer') return 'another consumer';
  return other.kid === undefined ? 'also without a kid' : `the same kid '${other.kid}'`;
}

/** The field at fault: the kid when only kids clash (and this credential has one), else the key. */
function fieldOf(o: Owner, kidOnly: boolean): string {
  const kube = o.ref.kind === 'JwtCredential';
  if (kidOnly && o.kid !== undefined) return kube ? 'spec.kid' : 'kid';
  return kube ? 'spec.key' : 'key';
}

/**
 * Links the credentials of one key into a kid table when the kid decides (more than one, or one
 * with a kid) and returns the credential the key's index entry holds: the kid-less one, else the
 * first. `members` obey the sharing rules (keySharingRefusals removed the rest).
 */
export function linkKidTable(members: readonly Credential[]): Credential {
  const first = members[0]!;
  if (members.length === 1 && first.kid === undefined) return first;
  const byKid = new Map<string, Credential>();
  let fallback: Credential | undefined;
  for (const c of members) {
    if (c.kid === undefined) fallback = c;
    else byKid.set(c.kid, c);
  }
  const table: KidTable = fallback === undefined ? { byKid } : { byKid, fallback };
  for (const c of members) c.kidTable = table;
  return fallback ?? first;
}
