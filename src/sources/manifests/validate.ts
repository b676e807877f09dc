import { LineCounter, parseAllDocuments } from 'yaml';
import { CRD_API_VERSION, CRD_GROUP, CRD_SPEC_SCHEMAS, isCrdKind } from '../../model/crds.js';
import { GATEWAY_API_API_VERSION, GATEWAY_API_SPEC_SCHEMAS, isGatewayApiKind } from '../../model/gateway-api.js';
import { DiagnosticCollector, type Diagnostic, type ObjectRef } from '../../model/diagnostics.js';
import { headerValueProblem } from '../../model/header-values.js';
import { keySharingConflict, type KeySharingConflict } from '../../model/credential-kid.js';
import type { JwtAlgorithm } from '../../model/algorithms.js';
import { importCredentialKeys } from '../../plugins/jwt/keys.js';
import { resolveBackendTls, type BackendTls } from '../kube/backend-tls.js';
import { resolveJwks } from '../kube/jwks.js';
import type { JwtCredentialSpec } from '../../model/crds.js';
import { readSecretValue } from '../kube/secrets.js';
import type { CustomObject, SecretObject } from '../kube/types.js';
import { validateCustomObject } from '../kube/validate-object.js';
import { yamlErrorText } from '../yaml-error-text.js';
import { checkIngressManifest, isIngressKind } from './ingress.js';
import { checkKicManifests, isKicKind } from './kic.js';

/** Kinds often shipped next to our CRs; accepted without checks (everything else gets a warning). */
const PASS_THROUGH = new Set([
  'v1|Secret', 'v1|Service', 'v1|Namespace', 'v1|ConfigMap', 'v1|ServiceAccount',
  'apps/v1|Deployment', 'apps/v1|StatefulSet', 'discovery.k8s.io/v1|EndpointSlice',
]);

interface Doc {
  index: number;
  line: number;
  obj: { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown }; spec?: unknown };
}

/** What one manifest file held: the Portcullis objects checked and the objects skipped, by kind. */
export interface ManifestReport {
  diagnostics: Diagnostic[];
  /** Portcullis CRs validated (and the Secrets whose key material a JwtCredential in the file loaded). */
  checked: Record<string, number>;
  /** Everything else (Deployments, Services, unreferenced Secrets…): accepted without checks. */
  skipped: Record<string, number>;
}

/** The diagnostics of {@link checkManifests}. */
export function validateManifests(
  text: string,
  fileName: string,
  regexPathError?: (path: string) => string | undefined,
): Diagnostic[] {
  return checkManifests(text, fileName, regexPathError).diagnostics;
}

/**
 * Offline check of a multi-document YAML of portcullis.dev CRs (`portcullis validate`): the same
 * zod schemas the controller uses, plus what can be checked inside one file (duplicate objects,
 * duplicate credential keys, Secret keys of Secrets that are in the file, the key material of
 * those Secrets, loaded as the gateway loads it, Route regexes the router cannot load). References to objects
 * that are not in the file are not errors: they may already exist in the cluster.
 */
export function checkManifests(
  text: string,
  fileName: string,
  /** Why a Route regex path cannot be loaded (the router's compiler), or undefined when it can. */
  regexPathError: (path: string) => string | undefined = () => undefined,
): ManifestReport {
  const lines = new LineCounter();
  const out = new DiagnosticCollector();
  const docs: Doc[] = [];
  parseAllDocuments(text, { lineCounter: lines }).forEach((doc, index) => {
    const line = lines.linePos(doc.contents?.range[0] ?? doc.range[0]).line;
    const where: ObjectRef = { kind: 'document', name: `#${index + 1}`, file: fileName, path: `documents[${index}] (line ${line})` };
    if (doc.errors.length > 0) {
      for (const e of doc.errors) out.error(where, 'InvalidYAML', yamlErrorText(e));
      return;
    }
    let obj: unknown;
    try {
      obj = doc.toJS({ maxAliasCount: 100 });
    } catch {
      out.error(where, 'InvalidYAML', 'document could not be loaded (too many aliases or an invalid alias)');
      return;
    }
    if (obj === null || obj === undefined) return;
    if (typeof obj !== 'object' || Array.isArray(obj)) {
      out.error(where, 'InvalidManifest', 'is not a Kubernetes object');
      return;
    }
    docs.push({ index, line, obj: obj as Doc['obj'] });
  });

  const secrets = new Map<string, SecretObject>();
  const loadedSecrets = new Set<string>();
  const checked: Record<string, number> = {};
  const seen = new Set<string>();
  for (const d of docs) {
    const ref = refOf(d, fileName);
    const { apiVersion, kind } = d.obj;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      out.error(ref, 'InvalidManifest', 'apiVersion and kind are required');
      continue;
    }
    const id = `${apiVersion}|${kind}|${ref.namespace}/${ref.name}`;
    if (ref.name !== '' && seen.has(id)) {
      out.error(ref, 'Duplicate', `${kind} ${ref.namespace}/${ref.name} is defined more than once`);
    }
    seen.add(id);
    if (apiVersion === 'v1' && kind === 'Secret') secrets.set(`${ref.namespace}/${ref.name}`, d.obj as SecretObject);
    if (apiVersion.split('/')[0] === CRD_GROUP) {
      if (apiVersion !== CRD_API_VERSION) {
        out.error(ref, 'UnknownVersion', `must be ${CRD_API_VERSION}`, 'apiVersion');
      } else if (!isCrdKind(kind)) {
        out.error(ref, 'UnknownKind', `must be one of ${Object.keys(CRD_SPEC_SCHEMAS).join(', ')}`, 'kind');
      }
    } else if (isIngressKind(apiVersion, kind)) {
      count(checked, kind);
      checkIngressManifest(kind, d.obj, ref, out);
    } else if (apiVersion === GATEWAY_API_API_VERSION && isGatewayApiKind(kind)) {
      // Gateway API kinds Portcullis serves (docs/gateway-api.md): the fields it reads.
      count(checked, kind);
      const v = validateCustomObject(GATEWAY_API_SPEC_SCHEMAS[kind], ref, d.obj as CustomObject);
      if (!v.ok) out.add(v.diagnostics);
    } else if (isKicKind(apiVersion, kind)) {
      // Kong Ingress Controller's kinds (docs/kong-ingress-controller.md#validate): checked together below.
    } else if (!PASS_THROUGH.has(`${apiVersion}|${kind}`)) {
      out.warn(ref, 'UnknownKind', `${apiVersion} ${kind} is not checked`);
    }
  }

  const keys = new Map<string, Array<{ ref: ObjectRef; kid: string | undefined; consumer: string }>>();
  for (const d of docs) {
    if (d.obj.apiVersion !== CRD_API_VERSION || !isCrdKind(d.obj.kind)) continue;
    const ref = refOf(d, fileName);
    count(checked, d.obj.kind);
    const v = validateCustomObject(CRD_SPEC_SCHEMAS[d.obj.kind], ref, d.obj as CustomObject);
    if (!v.ok) {
      out.add(v.diagnostics);
      continue;
    }
    if (d.obj.kind === 'KongConsumer') {
      // The same refusal the controller applies (translate/consumers.ts): values sent as headers.
      const consumer = v.value as { username?: string; customId?: string };
      for (const [field, value] of [['spec.username', consumer.username], ['spec.customId', consumer.customId]] as const) {
        const problem = value === undefined ? undefined : headerValueProblem(value);
        if (problem !== undefined) {
          out.error(ref, 'InvalidHeaderValue', `${field} ${problem}; the consumer is refused`, field);
        }
      }
    }
    if (d.obj.kind === 'Route') {
      const paths = (v.value as { paths?: string[] }).paths ?? [];
      paths.forEach((p, i) => {
        const error = p.startsWith('~') ? regexPathError(p) : undefined;
        if (error) out.error(ref, 'InvalidRegex', `invalid regex: ${error}`, `spec.paths[${i}]`);
      });
      // backend.tls (docs/upstream-tls.md): the CA and client certificate of Secrets in the file
      // are loaded as the controller loads them; Secrets not in the file may exist in the cluster.
      const tls = (v.value as { backend: { tls?: BackendTls } }).backend.tls;
      if (tls !== undefined) {
        const found: Diagnostic[] = [];
        resolveBackendTls(tls, ref, secrets, found);
        out.add(found.filter((f) => f.reason !== 'SecretNotFound'));
        for (const name of [...(tls.caCertificateRefs ?? []).map((r) => r.name), ...(tls.clientCertificateRef ? [tls.clientCertificateRef.name] : [])]) {
          if (secrets.has(`${ref.namespace}/${name}`)) loadedSecrets.add(`${ref.namespace}/${name}`);
        }
      }
    }
    if (d.obj.kind !== 'JwtCredential') continue;
    const spec = v.value as {
      key: string;
      kid?: string;
      consumerRef: { name: string };
      algorithm: JwtAlgorithm;
      secretRef?: { name: string; key: string };
      publicKeyRef?: { name: string; key: string };
    };
    const keyProblem = headerValueProblem(spec.key);
    if (keyProblem !== undefined) {
      out.error(ref, 'InvalidHeaderValue', `spec.key ${keyProblem}; the credential is refused`, 'spec.key');
    }
    // The controller's sharing rule (docs/key-material.md#rotation): one consumer, distinct kids.
    const sharer = { ref, kid: spec.kid, consumer: `${ref.namespace}/${spec.consumerRef.name}` };
    const sharers = keys.get(spec.key) ?? [];
    let clash: KeySharingConflict | undefined;
    let other: (typeof sharers)[number] | undefined;
    for (const o of sharers) {
      clash = keySharingConflict(sharer, o);
      if (clash !== undefined) {
        other = o;
        break;
      }
    }
    if (other !== undefined && clash !== undefined) {
      const why = clash === 'consumer' ? ' (another consumer)' : other.kid === undefined ? '' : ` (the same kid '${other.kid}')`;
      out.error(ref, 'KeyConflict', `key is also used by JwtCredential ${other.ref.namespace}/${other.ref.name}${why}`, clash === 'kid' && spec.kid !== undefined ? 'spec.kid' : 'spec.key');
    } else keys.set(spec.key, [...sharers, sharer]);
    const jwks = (v.value as JwtCredentialSpec).jwks;
    if (jwks !== undefined) {
      // docs/jwks.md: the JWKS and CA Secrets in the file are checked as the controller reads them; nothing is fetched.
      const found: Diagnostic[] = [];
      resolveJwks(v.value as JwtCredentialSpec, ref, secrets, found);
      out.add(found.filter((f) => f.reason !== 'SecretNotFound'));
      for (const name of [jwks.secretRef?.name, jwks.caSecretRef?.name]) {
        if (name !== undefined && secrets.has(`${ref.namespace}/${name}`)) loadedSecrets.add(`${ref.namespace}/${name}`);
      }
      continue;
    }
    const field = spec.secretRef ? 'secretRef' : 'publicKeyRef';
    const sref = (spec.secretRef ?? spec.publicKeyRef)!;
    if (!secrets.has(`${ref.namespace}/${sref.name}`)) continue;
    loadedSecrets.add(`${ref.namespace}/${sref.name}`);
    const value = readSecretValue(secrets, ref.namespace!, sref.name, sref.key);
    if (!value.ok) {
      out.error(ref, value.reason, value.message, `spec.${field}.key`);
      continue;
    }
    const material = spec.secretRef ? { secret: value.value } : { rsaPublicKey: value.value.toString('utf8') };
    const imported = importCredentialKeys(
      { ref, scope: ref.namespace!, consumerRef: '', consumerRefKind: 'object-name', key: spec.key, algorithm: spec.algorithm, tags: [], ...material },
      { base64Key: false },
    );
    if (!imported.ok) out.error(ref, imported.reason, imported.message, `spec.${field}`);
  }
  const kic = checkKicManifests(docs.map((d) => ({ obj: d.obj, path: refOf(d, fileName).path! })), fileName);
  out.add(kic.diagnostics);
  for (const [kind, n] of Object.entries(kic.checked)) checked[kind] = (checked[kind] ?? 0) + (n ?? 0);
  for (const key of kic.loadedSecrets) loadedSecrets.add(key);
  return { diagnostics: out.diagnostics, checked, skipped: skippedKinds(docs, fileName, loadedSecrets, checked) };
}

/** Objects with a kind that were neither Portcullis CRs nor Secrets loaded for a credential. */
function skippedKinds(docs: readonly Doc[], fileName: string, loadedSecrets: ReadonlySet<string>, checked: Record<string, number>): Record<string, number> {
  const skipped: Record<string, number> = {};
  for (const d of docs) {
    const { apiVersion, kind } = d.obj;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' || apiVersion.split('/')[0] === CRD_GROUP || isIngressKind(apiVersion, kind) || isKicKind(apiVersion, kind)) continue;
    const ref = refOf(d, fileName);
    if (apiVersion === 'v1' && kind === 'Secret' && loadedSecrets.has(`${ref.namespace}/${ref.name}`)) count(checked, kind);
    else count(skipped, kind);
  }
  return skipped;
}

function count(counts: Record<string, number>, kind: string): void {
  counts[kind] = (counts[kind] ?? 0) + 1;
}

function refOf(d: Doc, file: string): ObjectRef {
  const m = d.obj.metadata ?? {};
  return {
    kind: typeof d.obj.kind === 'string' ? d.obj.kind : 'document',
    name: typeof m.name === 'string' ? m.name : '',
    namespace: typeof m.namespace === 'string' ? m.namespace : 'default',
    file,
    path: `documents[${d.index}] (line ${d.line})`,
  };
}
