import { createHash, type X509Certificate } from 'node:crypto';
import { checkCertificatePair } from '../model/certificate-pem.js';
import { diagnostic, type Diagnostic, type ObjectRef } from '../model/diagnostics.js';
import type { HostPolicy } from '../model/host-policy.js';
import type { CertificateSpec, RouteSpec } from '../model/resources.js';
import type { CompiledRoute, TlsCertificate, TlsCertificates } from '../snapshot/types.js';
import { HostPolicyCheck } from './host-policy.js';
import { describeObject, inPrecedenceOrder, isKubeObject } from './precedence.js';

/** One parse per distinct cert + key within a build (several Routes may name one Secret). */
type Parsed = { ok: true; x509: X509Certificate; hash: string } | { ok: false; problem: 'cert' | 'key' | 'mismatch' };

/**
 * Certificates → the TLS listener's SNI tables (docs/tls.md). Each is parsed and its key checked
 * against it here, once per build, so a bad one is a diagnostic on its object and is left out
 * while the others serve. An SNI belongs to the first certificate claiming it (kong.yml: file
 * order; Routes: the older one, as for route conflicts); a certificate that only repeats an SNI
 * with the same content is no conflict. A Route's certificate is served only while the Route is.
 * Messages never carry PEM text.
 */
export function buildCertificates(
  specs: readonly CertificateSpec[] | undefined,
  routes: readonly CompiledRoute[],
  diagnostics: Diagnostic[],
  hostPolicy?: HostPolicy,
  nowMs = Date.now(),
): TlsCertificates | undefined {
  if (specs === undefined || specs.length === 0) return undefined;
  const liveRoutes = new Set(routes.map((r) => refKey(r.spec.ref)));
  const policy = hostPolicy && hostPolicy.rules.length > 0 ? new HostPolicyCheck(hostPolicy) : undefined;
  const parsed = new Map<string, Parsed>();
  const owners = new Map<string, { cert: TlsCertificate; ref: ObjectRef }>();
  const all: TlsCertificate[] = [];
  const tables = { exact: new Map<string, TlsCertificate>(), leadingWildcard: new Map<string, TlsCertificate>(), trailingWildcard: new Map<string, TlsCertificate>() };
  let catchAll: TlsCertificate | undefined;

  for (const spec of inPrecedenceOrder(specs)) {
    const kube = isKubeObject(spec);
    // The Route's own diagnostic says why; a Gateway listener's certificate (docs/gateway-api.md) is not tied to a route.
    if (kube && (spec.ref.kind === 'Route' || spec.ref.kind === 'Ingress') && !liveRoutes.has(refKey(spec.ref))) continue;
    const hash = createHash('sha256').update(spec.cert).update('\u0000').update(spec.key).digest('hex');
    let p = parsed.get(hash);
    if (p === undefined) {
      p = parse(spec.cert, spec.key, hash);
      parsed.set(hash, p);
    }
    if (!p.ok) {
      const field = p.problem === 'cert' ? spec.certField : spec.keyField;
      if (p.problem === 'mismatch') diagnostics.push(diagnostic('error', spec.ref, 'CertificateKeyMismatch', 'the private key does not match the certificate; this certificate is not served', field));
      else diagnostics.push(diagnostic('error', spec.ref, 'InvalidCertificate', `the ${p.problem === 'cert' ? 'certificate' : 'private key'} could not be parsed (PEM expected); this certificate is not served`, field));
      continue;
    }
    const notAfterMs = Date.parse(p.x509.validTo);
    const notBeforeMs = Date.parse(p.x509.validFrom);
    if (notAfterMs < nowMs) diagnostics.push(diagnostic('warning', spec.ref, 'CertificateExpired', `the certificate expired at ${new Date(notAfterMs).toISOString()}; served anyway, as Kong does`, spec.certField));
    else if (notBeforeMs > nowMs) diagnostics.push(diagnostic('warning', spec.ref, 'CertificateExpired', `the certificate is not valid before ${new Date(notBeforeMs).toISOString()}; served anyway, as Kong does`, spec.certField));

    const cert: TlsCertificate = {
      id: spec.id ?? certificateId(spec.cert),
      ref: spec.ref,
      cert: spec.cert,
      key: spec.key,
      hash,
      snis: [],
      notAfter: Math.floor(notAfterMs / 1000),
      subject: p.x509.subject,
      source: spec.source,
    };
    const won: string[] = [];
    for (const sni of spec.snis) {
      const name = normalizeSni(sni.name);
      if (kube && policy) {
        const denied = policy.check({ ref: spec.ref, scope: spec.scope, hosts: [name] } as RouteSpec);
        if (denied) {
          diagnostics.push(diagnostic('error', spec.ref, 'HostNotAllowed', denied.message, sni.field));
          continue;
        }
      }
      const owner = owners.get(name);
      if (owner !== undefined) {
        if (owner.cert.hash !== hash) {
          const ref = sni.ref ?? spec.ref;
          // Gateways share the pods' TLS listener (docs/gateway-api.md#listeners): the older one's
          // certificate answers that SNI, and the newer listener, whose refs did resolve, is still served.
          if (ref.kind === 'Gateway' && owner.ref.kind === 'Gateway') {
            diagnostics.push(diagnostic('warning', ref, 'DuplicateSni', `SNI '${name}' is answered with the certificate of ${describeObject(owner.ref)} (older): Gateways share one TLS listener`, sni.field));
            continue;
          }
          const why = kube ? ' (the older Route wins: creationTimestamp, then namespace/name)' : '';
          diagnostics.push(diagnostic('error', ref, 'DuplicateSni', `SNI '${name}' is already served by ${describeObject(owner.ref)}, which keeps it${why}`, sni.ref ? 'name' : sni.field));
        }
        continue;
      }
      owners.set(name, { cert, ref: sni.ref ?? spec.ref });
      won.push(name);
      if (name === '*') catchAll = cert;
      else if (name.startsWith('*.')) tables.leadingWildcard.set(name.slice(1), cert);
      else if (name.endsWith('.*')) tables.trailingWildcard.set(name.slice(0, -1), cert);
      else tables.exact.set(name, cert);
    }
    cert.snis = won;
    // kong.yml: a certificate without SNIs is still listed (the admin API, the expiry metric).
    if (won.length > 0 || !kube) all.push(cert);
  }
  return { all, ...tables, ...(catchAll !== undefined ? { catchAll } : {}) };
}

function parse(certPem: string, keyPem: string, hash: string): Parsed {
  const pair = checkCertificatePair(certPem, keyPem);
  return pair.ok ? { ok: true, x509: pair.leaf, hash } : { ok: false, problem: pair.problem };
}

/** An id for a certificate without one: from the certificate alone (never the key), UUID-shaped as Kong's ids. */
function certificateId(cert: string): string {
  const h = createHash('sha256').update(cert).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** SNIs compare case-insensitively; one trailing dot names the same host. */
export function normalizeSni(name: string): string {
  const lower = name.toLowerCase();
  return lower.length > 1 && lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function refKey(ref: ObjectRef): string {
  return `${ref.kind}\u0000${ref.namespace ?? ''}\u0000${ref.name}`;
}
