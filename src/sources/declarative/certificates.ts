import type { ObjectRef } from '../../model/diagnostics.js';
import type { CertificateSpec } from '../../model/resources.js';
import { Fields, isMapping, readId, readReference } from './fields.js';
import type { Reporter } from './report.js';

const CERT_FIELDS = new Set(['id', 'cert', 'key', 'cert_alt', 'key_alt', 'tags', 'snis']);
const SNI_FIELDS = new Set(['id', 'name', 'tags', 'certificate']);
const METADATA = new Set(['created_at', 'updated_at']);

/**
 * Kong's SNI names (typedefs.wildcard_host): a host name with at most one wildcard, as the whole
 * first label ("*.example.com") or the whole last one ("example.*"), or "*" alone.
 */
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const SNI_NAME = new RegExp(`^(?:\\*|(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*(?:\\.\\*)?)$`, 'i');

export function validSniName(name: string): boolean {
  return SNI_NAME.test(name) && !(name.startsWith('*.') && name.endsWith('.*')) && name.length <= 253;
}

/** kong.yml's certificates, parsed once for both their users: TLS termination and services' client_certificate. */
export interface KongCertificates {
  /** The usable entities, in file order (docs/tls.md). */
  specs: CertificateSpec[];
  /** Those with an id, by lower-cased id (the first one when an id repeats). */
  byId: ReadonlyMap<string, CertificateSpec>;
  /** Ids of entities refused here (their own diagnostics say why): a reference to one is to an invalid entity, not a missing one. */
  invalidIds: ReadonlySet<string>;
}

/**
 * kong.yml `certificates` (with nested `snis`: names, or records with `name`) and top-level
 * `snis` naming a certificate by id → CertificateSpec (docs/tls.md, docs/upstream-tls.md). Shapes
 * only: the PEM and the key are checked where they are used (model/certificate-pair.ts). Messages
 * never quote `cert` or `key`.
 */
export function parseCertificates(certs: unknown[], snis: unknown[], rep: Reporter): KongCertificates {
  const out: CertificateSpec[] = [];
  const byId = new Map<string, CertificateSpec>();
  const invalidIds = new Set<string>();
  certs.forEach((raw, i) => {
    const path = `certificates[${i}]`;
    if (!isMapping(raw)) return rep.error(rep.ref('certificates', path, path), 'InvalidValue', 'expected a record');
    const explicitId = typeof raw.id === 'string' ? raw.id.toLowerCase() : undefined;
    const ref = rep.ref('certificates', explicitId ?? path, path);
    const f = new Fields(raw, ref, rep);
    f.checkKnown(CERT_FIELDS, METADATA);
    const id = readId(f);
    const cert = f.string('cert', true);
    const key = f.string('key', true);
    if (f.has('cert_alt') || f.has('key_alt')) {
      f.fail(f.has('cert_alt') ? 'cert_alt' : 'key_alt', "an alternate certificate ('cert_alt'/'key_alt') is not supported; left out", 'Unsupported');
    }
    const tags = f.strings('tags');
    const names: CertificateSpec['snis'] = [];
    f.list('snis').forEach((s, j) => {
      const name = typeof s === 'string' ? s : isMapping(s) && typeof s.name === 'string' ? s.name : undefined;
      const field = `snis[${j}]`;
      if (name === undefined) return f.fail(field, 'expected a name, or a record with a name');
      if (!validSniName(name)) return f.fail(field, 'invalid SNI name (a host name, optionally with a leading "*." or trailing ".*" wildcard, or "*")');
      names.push({ name, field });
    });
    if (id !== undefined && byId.has(id)) f.fail('id', `duplicate certificate: id '${id}' is already used by ${byId.get(id)!.ref.path}`, 'DuplicateName');
    if (!f.ok || cert === undefined || key === undefined) {
      if (id !== undefined) invalidIds.add(id);
      return;
    }
    const spec: CertificateSpec = { ref, scope: '', cert, key, certField: 'cert', keyField: 'key', snis: names, source: 'kong.yml', tags };
    if (id !== undefined) {
      spec.id = id;
      byId.set(id, spec);
    }
    out.push(spec);
  });

  snis.forEach((raw, i) => {
    const path = `snis[${i}]`;
    if (!isMapping(raw)) return rep.error(rep.ref('snis', path, path), 'InvalidValue', 'expected a record');
    const ref: ObjectRef = rep.ref('snis', typeof raw.name === 'string' && raw.name !== '' ? raw.name : path, path);
    const f = new Fields(raw, ref, rep);
    f.checkKnown(SNI_FIELDS, METADATA);
    readId(f);
    f.strings('tags');
    const name = f.string('name', true);
    if (name !== undefined && !validSniName(name)) f.fail('name', 'invalid SNI name (a host name, optionally with a leading "*." or trailing ".*" wildcard, or "*")');
    const certRef = readReference(f, 'certificate');
    if (certRef === undefined && !f.has('certificate')) f.fail('certificate', 'required field missing', 'MissingField');
    if (!f.ok || name === undefined || certRef === undefined) return;
    const target = byId.get(certRef.toLowerCase());
    if (target === undefined) {
      if (invalidIds.has(certRef.toLowerCase())) rep.error(ref, 'DependencyInvalid', `left out: its certificate '${certRef}' is invalid`, 'certificate');
      else rep.error(ref, 'CertificateNotFound', `invalid reference 'certificate: ${certRef}' (no such entry in 'certificates')`, 'certificate');
      return;
    }
    target.snis.push({ name, field: 'name', ref });
  });
  return { specs: out, byId, invalidIds };
}
