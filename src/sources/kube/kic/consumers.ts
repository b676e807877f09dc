import { diagnostic, type Diagnostic, type ObjectRef } from '../../../model/diagnostics.js';
import { KIC_CONSUMER_KIND, KIC_CREDENTIAL_LABEL, KIC_JWT_FIELDS, kicConsumerSchema } from '../../../model/kic.js';
import type { ConsumerSpec, CredentialSpec } from '../../../model/resources.js';
import { parseJwtSecret } from '../../declarative/consumers.js';
import { Reporter } from '../../declarative/report.js';
import { readSecretValue } from '../secrets.js';
import type { SecretObject } from '../types.js';
import { hasKicClass, kicRef, schemaDiagnostics } from './objects.js';
import type { KicObject, KicObjects, KicSettings } from './types.js';

/**
 * PURE: KIC KongConsumers of our class → consumers, their jwt credentials and acl groups
 * (docs/kong-ingress-controller.md#consumers-and-credentials). Each name in `credentials` is a
 * Secret in the consumer's namespace labelled konghq.com/credential=<type>, with KIC's field
 * names: jwt (key, algorithm, rsa_public_key, secret) and acl (group). A consumer whose name a
 * portcullis.dev KongConsumer in the same namespace already uses is refused (the two kinds
 * share a name: docs/kong-ingress-controller.md#the-name-clash).
 */
export function kicConsumers(
  objs: KicObjects,
  settings: KicSettings,
  taken: ReadonlySet<string>,
  diagnostics: Diagnostic[],
): { consumers: ConsumerSpec[]; credentials: CredentialSpec[] } {
  const consumers: ConsumerSpec[] = [];
  const credentials: CredentialSpec[] = [];
  const groups = new Set(
    objs.consumerGroups.filter((g) => hasKicClass(g, settings)).map((g) => `${g.metadata.namespace ?? 'default'}/${g.metadata.name ?? ''}`),
  );
  for (const obj of sorted(objs.consumers)) {
    if (!hasKicClass(obj, settings)) continue;
    const ref = kicRef(KIC_CONSUMER_KIND, obj);
    if (!ref.name) continue;
    const ns = ref.namespace!;
    const parsed = kicConsumerSchema.safeParse(obj);
    if (!parsed.success) {
      diagnostics.push(...schemaDiagnostics(ref, parsed.error.issues));
      continue;
    }
    const c = parsed.data;
    if (c.username === undefined && c.custom_id === undefined) {
      diagnostics.push(diagnostic('error', ref, 'InvalidSpec', 'at least one of username or custom_id is required (as for a Kong consumer)', 'username'));
      continue;
    }
    if (taken.has(`${ns}/${ref.name}`)) {
      diagnostics.push(
        diagnostic('error', ref, 'DuplicateName', `a portcullis.dev KongConsumer ${ns}/${ref.name} exists too; credentials could not tell the two apart, so this one is left out (rename one of them)`, 'metadata.name'),
      );
      continue;
    }
    const spec: ConsumerSpec = { ref, scope: ns, tags: [] };
    if (c.username !== undefined) spec.username = c.username;
    if (c.custom_id !== undefined) spec.customId = c.custom_id;
    const acl: string[] = [];
    (c.credentials ?? []).forEach((secretName, i) => {
      const field = `credentials[${i}]`;
      const secret = objs.credentialSecrets.get(`${ns}/${secretName}`);
      if (secret === undefined) {
        diagnostics.push(diagnostic('error', ref, 'SecretNotFound', `Secret '${ns}/${secretName}' not found (KIC credential Secrets carry the label ${KIC_CREDENTIAL_LABEL}=<type>)`, field));
        return;
      }
      const type = (secret.metadata as { labels?: Record<string, string> } | undefined)?.labels?.[KIC_CREDENTIAL_LABEL];
      if (type === 'jwt') {
        const cred = jwtCredential(ref, ns, secretName, secret, obj, field, diagnostics);
        if (cred !== undefined) credentials.push(cred);
      } else if (type === 'acl') {
        const group = readSecretValue(objs.credentialSecrets, ns, secretName, 'group');
        if (!group.ok) diagnostics.push(diagnostic('error', ref, group.reason, group.message, field));
        else if (group.value.length === 0) diagnostics.push(diagnostic('error', ref, 'InvalidSecret', `Secret '${ns}/${secretName}' key 'group' is empty`, field));
        else acl.push(group.value.toString('utf8'));
      } else {
        diagnostics.push(
          diagnostic('error', ref, 'Unsupported', `Secret '${ns}/${secretName}' is a '${type ?? ''}' credential; Portcullis reads jwt and acl credentials only; ignored`, field),
        );
      }
    });
    (c.consumerGroups ?? []).forEach((g, i) => {
      if (!groups.has(`${ns}/${g}`)) {
        diagnostics.push(diagnostic('warning', ref, 'ConsumerGroupNotFound', `KongConsumerGroup '${ns}/${g}' not found (or not of class '${settings.className}')`, `consumerGroups[${i}]`));
      }
    });
    const unique = [...new Set(acl)];
    if (unique.length > 0) spec.groups = unique;
    consumers.push(spec);
  }
  return { consumers, credentials };
}

/**
 * A konghq.com/credential=jwt Secret → a credential of the consumer, checked by the same rules
 * as a kong.yml jwt_secret (key required, algorithm HS256 by default, secret or rsa_public_key).
 * Problems name the KongConsumer's `credentials[i]` entry and the Secret's field, never a value.
 */
function jwtCredential(
  ref: ObjectRef,
  ns: string,
  secretName: string,
  secret: SecretObject,
  owner: KicObject,
  field: string,
  diagnostics: Diagnostic[],
): CredentialSpec | undefined {
  const one = new Map([[`${ns}/${secretName}`, secret]]);
  const raw: Record<string, string> = {};
  const bytes = new Map<string, Buffer>();
  for (const k of KIC_JWT_FIELDS) {
    const v = readSecretValue(one, ns, secretName, k);
    if (v.ok) {
      raw[k] = v.value.toString('utf8');
      bytes.set(k, v.value);
    } else if (v.reason === 'InvalidSecret') {
      diagnostics.push(diagnostic('error', ref, v.reason, v.message, field));
      return undefined;
    }
  }
  const rep = new Reporter(`Secret ${ns}/${secretName}`);
  const s = parseJwtSecret(raw, secretName, false, rep);
  for (const d of rep.diagnostics) {
    const at = d.field !== undefined ? ` key '${d.field}'` : '';
    diagnostics.push({ ...d, object: ref, field, message: `Secret '${ns}/${secretName}'${at}: ${d.message}` });
  }
  if (s === undefined || !s.ok) return undefined;
  // The Secret names the credential in the translator's diagnostics (KeyConflict, InvalidKey).
  const secretRef: ObjectRef = { kind: 'Secret', namespace: ns, name: secretName };
  const c: CredentialSpec = { ref: secretRef, scope: ns, consumerRef: ref.name, consumerRefKind: 'object-name', key: s.key, algorithm: s.algorithm, tags: [] };
  // HMAC keys are the Secret's bytes as stored (random bytes are not text); a PEM is text.
  if (s.secret !== undefined && s.algorithm.startsWith('HS')) c.secret = bytes.get('secret')!;
  if (s.rsaPublicKey !== undefined && !s.algorithm.startsWith('HS')) c.rsaPublicKey = s.rsaPublicKey;
  const created = owner.metadata.creationTimestamp;
  if (created !== undefined) {
    const ms = created instanceof Date ? created.getTime() : Date.parse(created);
    if (!Number.isNaN(ms)) c.createdAt = new Date(ms).toISOString();
  }
  return c;
}

function sorted(objs: readonly KicObject[]): KicObject[] {
  const key = (o: KicObject) => `${o.metadata.namespace ?? 'default'}/${o.metadata.name ?? ''}`;
  return [...objs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
