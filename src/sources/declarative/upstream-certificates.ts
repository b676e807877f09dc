import type { CertificateSpec } from '../../model/resources.js';
import type { UpstreamTlsSpec } from '../../model/upstream-tls.js';
import { caCertificateProblem, clientCertificateProblem } from '../../model/upstream-tls.js';
import type { KongCertificates } from './certificates.js';
import { Fields, isMapping, readId } from './fields.js';
import type { Reporter } from './report.js';
import type { ObjectRef } from '../../model/diagnostics.js';
import type { ServiceEntry } from './services.js';

const CA_FIELDS = new Set(['id', 'cert', 'cert_digest', 'tags']);
const CA_IGNORED = new Set(['created_at', 'updated_at']);

/** A usable ca_certificates entity, or the id of one that was refused. */
type CaEntry = { path: string } & ({ ok: true; cert: string } | { ok: false });

/**
 * Upstream TLS material of one kong.yml (docs/upstream-tls.md): the `ca_certificates` entities,
 * checked as Kong checks them, and the `certificates` (parsed once, certificates.ts) a service's
 * client_certificate names. `resolve` turns a service's TLS fields into ServiceInfo.tls; a
 * reference it cannot resolve is an error on the service, whose routes then fail closed (500)
 * rather than connect without it.
 */
export class UpstreamCertificates {
  private readonly cas = new Map<string, CaEntry>();
  /** Client certificate problems, checked once per entity however many services use it. */
  private readonly checked = new Map<string, string | undefined>();

  constructor(caList: readonly unknown[], private readonly certificates: KongCertificates, private readonly rep: Reporter) {
    caList.forEach((raw, i) => this.addCa(raw, `ca_certificates[${i}]`));
  }

  private addCa(raw: unknown, path: string): void {
    if (!isMapping(raw)) return this.rep.error(this.rep.ref('ca_certificates', path, path), 'InvalidValue', 'expected a record');
    const f = new Fields(raw, this.rep.ref('ca_certificates', typeof raw.id === 'string' ? raw.id : path, path), this.rep);
    f.checkKnown(CA_FIELDS, CA_IGNORED);
    const id = readId(f);
    f.string('cert_digest');
    f.strings('tags');
    const cert = f.string('cert', true);
    if (cert !== undefined) {
      const problem = caCertificateProblem(cert, { single: true });
      if (problem !== undefined) f.fail('cert', problem, 'InvalidCertificate');
    }
    if (id === undefined) return; // nothing can reference it
    const clash = this.cas.get(id);
    if (clash !== undefined) return f.fail('id', `duplicate ca_certificates: id '${id}' is already used by ${clash.path}`, 'DuplicateName');
    this.cas.set(id, f.ok && cert !== undefined ? { path, ok: true, cert } : { path, ok: false });
  }

  /** ServiceInfo.tls for an https service (undefined when it sets nothing); sets s.tlsError on failure. */
  resolve(s: ServiceEntry): UpstreamTlsSpec | undefined {
    const t = s.tls;
    if (t === undefined) return undefined;
    const out: UpstreamTlsSpec = {};
    if (t.verify !== undefined) out.verify = t.verify;
    if (t.verifyDepth !== undefined) out.verifyDepth = t.verifyDepth;
    const fail = (field: string, reason: 'CertificateNotFound' | 'InvalidCertificate', message: string): undefined => {
      this.rep.error(s.ref, reason, `${message}; the service's routes answer 500 until it is fixed`, field);
      s.tlsError ??= `upstream TLS settings of service '${s.label}' are invalid`;
      return undefined;
    };
    const cas: string[] = [];
    t.caIds.forEach((id, i) => {
      const ca = this.cas.get(id);
      if (ca === undefined) fail(`ca_certificates[${i}]`, 'CertificateNotFound', `invalid reference 'ca_certificates[${i}]: ${id}' (no such entry in 'ca_certificates')`);
      else if (!ca.ok) fail(`ca_certificates[${i}]`, 'InvalidCertificate', `ca_certificates '${id}' is invalid`);
      else cas.push(ca.cert);
    });
    if (cas.length > 0) out.caCertificates = cas;
    const certId = t.clientCertificateId;
    if (certId !== undefined) {
      const c = this.certificates.byId.get(certId);
      if (c !== undefined) {
        const problem = this.clientProblem(certId, c);
        if (problem !== undefined) fail('client_certificate', 'InvalidCertificate', `certificates '${certId}' (${c.ref.path}): ${problem}`);
        else out.clientCertificate = { cert: c.cert, key: c.key };
      } else if (this.certificates.invalidIds.has(certId)) {
        fail('client_certificate', 'InvalidCertificate', `certificates '${certId}' is invalid`);
      } else {
        fail('client_certificate', 'CertificateNotFound', `invalid reference 'client_certificate: ${certId}' (no such entry in 'certificates')`);
      }
    }
    return s.tlsError === undefined ? out : undefined;
  }

  /** CA PEMs by ca_certificates id, for a JWKS credential (docs/jwks.md); undefined after reporting a bad reference on `ref`. */
  resolveCas(ids: readonly string[], ref: ObjectRef, field: string): string[] | undefined {
    const out: string[] = [];
    let ok = true;
    ids.forEach((id, i) => {
      const ca = this.cas.get(id.toLowerCase());
      if (ca === undefined) {
        ok = false;
        this.rep.error(ref, 'CertificateNotFound', `invalid reference '${field}[${i}]: ${id}' (no such entry in 'ca_certificates')`, `${field}[${i}]`);
      } else if (!ca.ok) {
        ok = false;
        this.rep.error(ref, 'InvalidCertificate', `ca_certificates '${id}' is invalid`, `${field}[${i}]`);
      } else out.push(ca.cert);
    });
    return ok ? out : undefined;
  }

  private clientProblem(id: string, c: CertificateSpec): string | undefined {
    if (this.checked.has(id)) return this.checked.get(id);
    const p = clientCertificateProblem(c.cert, c.key);
    const problem = p === undefined ? undefined : `${p.field}: ${p.problem}`;
    this.checked.set(id, problem);
    return problem;
  }
}
