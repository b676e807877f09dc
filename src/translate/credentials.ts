import { diagnostic, type Diagnostic } from '../model/diagnostics.js';
import { derivedCredentialId } from '../model/credential-kid.js';
import type { CredentialSpec } from '../model/resources.js';
import type { KeyObject } from 'node:crypto';
import { isHmacAlgorithm } from '../model/algorithms.js';
import { importCredentialKeys, type ImportedCredentialKeys } from '../plugins/jwt/keys.js';
import type { Consumer, Credential, CredentialIndex, KidTable } from '../snapshot/types.js';
import { findConsumer, findConsumerByObjectName, type ConsumerTable } from './consumers.js';
import { headerValueProblem, toHeaderValue } from '../model/header-values.js';
import { keySharingRefusals, linkKidTable } from './key-sharing.js';
import { comparePrecedence, describeObject, isKubeObject } from './precedence.js';
import type { JwksSources } from '../snapshot/jwks.js';
import { jwksCredential } from './jwks-credentials.js';

/**
 * Resolves each credential's consumer, refuses key conflicts and imports key material once.
 * Tokens are looked up by key, so a key belongs to one consumer in any scope; several credentials
 * of that consumer may share it with distinct kids, the token's kid then picks one
 * (docs/key-material.md#rotation). Key conflicts: in controller mode the established credential
 * (oldest, then namespace/name) keeps the key and only the newcomers are refused — the key is
 * public (every token carries it), so refusing both would let anyone revoke anyone's credential.
 * In kong.yml, where Kong rejects the whole file, every credential in a conflict is refused
 * (translate/key-sharing.ts).
 */
export function buildCredentials(
  specs: readonly CredentialSpec[],
  consumers: ConsumerTable,
  diagnostics: Diagnostic[],
  opts: { base64Keys: boolean; jwks?: JwksSources; memo?: CredentialMemo } = { base64Keys: true },
): CredentialIndex {
  const memo = opts.memo;
  // Conflicts are rare: count first, and collect the owners only of keys used more than once
  // (an array per credential was a measurable share of a 100,000-credential build).
  const keyCount = new Map<string, number>();
  for (const spec of specs) keyCount.set(spec.key, (keyCount.get(spec.key) ?? 0) + 1);
  const conflicted = new Map<string, CredentialSpec[]>();
  for (const spec of specs) {
    if (keyCount.get(spec.key)! < 2) continue;
    const owners = conflicted.get(spec.key);
    if (owners) owners.push(spec);
    else conflicted.set(spec.key, [spec]);
  }

  const refusals = conflicted.size === 0 ? undefined : keySharingRefusals(conflicted.values(), (spec) => resolveConsumer(spec, consumers) ?? spec);
  // Keys whose token kid picks the credential: several credentials, or one with a kid.
  const kidKeys = new Map<string, Credential[]>();

  const byKey = new Map<string, Credential>();
  const all: Credential[] = [];
  for (const spec of specs) {
    const refusal = refusals?.get(spec);
    if (refusal !== undefined) {
      diagnostics.push(refusal);
      continue;
    }
    // The controller's memo: the same spec, consumer and key decoding give the same credential
    // (its keys imported once), for keys that one credential alone holds without a kid.
    const simple = memo !== undefined && spec.kid === undefined && spec.jwks === undefined && !conflicted.has(spec.key);
    if (simple) {
      const known = memo.get(spec);
      if (known !== undefined && known.base64Keys === opts.base64Keys && known.credential.consumer === resolveConsumer(spec, consumers)) {
        all.push(known.credential);
        byKey.set(spec.key, known.credential);
        continue;
      }
    }
    const keyProblem = headerValueProblem(spec.key);
    if (keyProblem !== undefined) {
      // The key is sent upstream as X-Credential-Identifier: refuse it here, not per request.
      const field = spec.ref.kind === 'JwtCredential' ? 'spec.key' : 'key';
      diagnostics.push(diagnostic('error', spec.ref, 'InvalidHeaderValue', `${field} ${keyProblem}; the credential is refused`, field));
      continue;
    }
    const consumer = resolveConsumer(spec, consumers);
    if (!consumer) {
      const byName = spec.consumerRefKind === 'object-name';
      const message = byName
        ? `KongConsumer '${spec.consumerRef}' not found in namespace ${spec.scope} (or it was refused)`
        : `invalid reference 'consumer: ${spec.consumerRef}' (no such entry in 'consumers')`;
      diagnostics.push(diagnostic('error', spec.ref, 'ConsumerNotFound', message, byName ? 'spec.consumerRef.name' : 'consumer'));
      continue;
    }
    let credential: Credential;
    if (spec.jwks !== undefined) {
      credential = jwksCredential({ ...spec, jwks: spec.jwks }, consumer, opts.jwks);
    } else if (isHmacAlgorithm(spec.algorithm) && spec.secret !== undefined && spec.secret.length > 0) {
      credential = new HmacCredential(spec, consumer, opts.base64Keys);
    } else {
      // Public keys are parsed now: a bad PEM must be reported when the snapshot is built.
      const imported = importCredentialKeys(spec, { base64Key: opts.base64Keys });
      if (!imported.ok) {
        diagnostics.push(diagnostic('error', spec.ref, imported.reason, imported.message, sourceField(spec, imported.field)));
        continue;
      }
      credential = { id: spec.id ?? derivedCredentialId(spec.key, spec.kid), key: spec.key, algorithm: spec.algorithm, consumer, spec };
      if (spec.kid !== undefined) credential.kid = spec.kid;
      const keys = imported.keys;
      if (keys.hmacKey !== undefined) credential.hmacKey = keys.hmacKey;
      if (keys.hmacKeyFromBase64 !== undefined) credential.hmacKeyFromBase64 = keys.hmacKeyFromBase64;
      if (keys.publicKey !== undefined) credential.publicKey = keys.publicKey;
    }
    const keyHeader = toHeaderValue(spec.key);
    if (keyHeader !== spec.key) credential.keyHeader = keyHeader;
    all.push(credential);
    if (simple) memo.set(spec, { credential, base64Keys: opts.base64Keys });
    if (spec.kid === undefined && !conflicted.has(spec.key)) {
      byKey.set(spec.key, credential);
      continue;
    }
    const members = kidKeys.get(spec.key);
    if (members) members.push(credential);
    else kidKeys.set(spec.key, [credential]);
  }
  for (const [key, members] of kidKeys) byKey.set(key, linkKidTable(members));
  return { byKey, all };
}

/** What buildCredentials made of a spec object (translate/build-reuse.ts). */
export type CredentialMemo = WeakMap<CredentialSpec, { credential: Credential; base64Keys: boolean }>;

/**
 * An HS* credential with a non-empty secret, whose KeyObjects and derived id are made on first
 * use and then kept: importing a secret cannot fail, and creating 100,000 (or 200,000 with the
 * base64 variants) KeyObjects up front was most of a large snapshot's build time and a good part
 * of its memory. Still imported once per credential, never per request.
 */
class HmacCredential implements Credential {
  readonly key: string;
  readonly algorithm: CredentialSpec['algorithm'];
  /** Set by linkKidTable on the rare credentials of a shared key; not a field: no slot in the other 100,000. */
  declare kidTable?: KidTable;
  private keys: ImportedCredentialKeys | undefined;
  private derivedId: string | undefined;

  constructor(
    readonly spec: CredentialSpec,
    readonly consumer: Consumer,
    private readonly base64Key: boolean,
  ) {
    this.key = spec.key;
    this.algorithm = spec.algorithm;
  }

  get kid(): string | undefined {
    return this.spec.kid;
  }

  get id(): string {
    return this.spec.id ?? (this.derivedId ??= derivedCredentialId(this.spec.key, this.spec.kid));
  }

  get hmacKey(): KeyObject | undefined {
    return this.imported().hmacKey;
  }

  get hmacKeyFromBase64(): KeyObject | null | undefined {
    return this.imported().hmacKeyFromBase64;
  }

  private imported(): ImportedCredentialKeys {
    if (this.keys === undefined) {
      const result = importCredentialKeys(this.spec, { base64Key: this.base64Key });
      this.keys = result.ok ? result.keys : {};
    }
    return this.keys;
  }
}

function resolveConsumer(spec: CredentialSpec, consumers: ConsumerTable): Consumer | undefined {
  return spec.consumerRefKind === 'object-name'
    ? findConsumerByObjectName(consumers, spec.scope, spec.consumerRef)
    : findConsumer(consumers, spec.scope, spec.consumerRef);
}

/** Key import names kong.yml fields; a JwtCredential names its Secret references instead. */
function sourceField(spec: CredentialSpec, field: string): string {
  if (spec.ref.kind !== 'JwtCredential') return field;
  return field === 'secret' ? 'spec.secretRef' : 'spec.publicKeyRef';
}
