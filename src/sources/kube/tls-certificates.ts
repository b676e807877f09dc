import type { RouteCrdSpec } from '../../model/crds.js';
import { diagnostic, type Diagnostic, type ObjectRef } from '../../model/diagnostics.js';
import type { CertificateSpec } from '../../model/resources.js';
import { readSecretValue } from './secrets.js';
import type { SecretObject } from './types.js';

/**
 * A Route's `tls` entries → CertificateSpecs from kubernetes.io/tls Secrets (keys tls.crt and
 * tls.key) in its namespace, seen through the same labelled Secret watch as credentials
 * (docs/tls.md). A missing Secret or key is a diagnostic on the Route naming the entry; the
 * Route itself keeps serving. The PEM is checked by the translator.
 */
/**
 * The certificate a kubernetes.io/tls Secret holds (keys tls.crt and tls.key), for the SNIs given;
 * a missing Secret or key is a diagnostic on `ref` at `${at}.secretName`, and undefined. Shared
 * by Route `tls` entries and Ingress `spec.tls` (ingress.ts).
 */
export function secretCertificate(
  ref: ObjectRef,
  secretName: string,
  at: string,
  snis: CertificateSpec['snis'],
  secrets: ReadonlyMap<string, SecretObject>,
  createdAt: string | undefined,
  diagnostics: Diagnostic[],
): CertificateSpec | undefined {
  const ns = ref.namespace!;
  const cert = readSecretValue(secrets, ns, secretName, 'tls.crt');
  const key = cert.ok ? readSecretValue(secrets, ns, secretName, 'tls.key') : cert;
  if (!cert.ok || !key.ok) {
    const problem = !cert.ok ? cert : (key as Extract<typeof key, { ok: false }>);
    diagnostics.push(diagnostic('error', ref, problem.reason, problem.message, `${at}.secretName`));
    return undefined;
  }
  const c: CertificateSpec = {
    ref,
    scope: ns,
    cert: cert.value.toString('utf8'),
    key: key.value.toString('utf8'),
    certField: `${at}.secretName`,
    keyField: `${at}.secretName`,
    snis,
    source: `Secret ${ns}/${secretName}`,
    tags: [],
  };
  if (createdAt !== undefined) c.createdAt = createdAt;
  return c;
}

export function routeCertificates(
  ref: ObjectRef,
  spec: RouteCrdSpec,
  secrets: ReadonlyMap<string, SecretObject>,
  createdAt: string | undefined,
  diagnostics: Diagnostic[],
): CertificateSpec[] {
  const out: CertificateSpec[] = [];
  (spec.tls ?? []).forEach((entry, i) => {
    const at = `spec.tls[${i}]`;
    const hosts = entry.hosts ?? (spec.hosts ?? []).map((h) => h.replace(/:\d+$/, ''));
    const snis = entry.hosts
      ? hosts.map((name, j) => ({ name, field: `${at}.hosts[${j}]` }))
      : hosts.map((name, j) => ({ name, field: `spec.hosts[${j}]` }));
    const c = secretCertificate(ref, entry.secretName, at, snis, secrets, createdAt, diagnostics);
    if (c !== undefined) out.push(c);
  });
  return out;
}
