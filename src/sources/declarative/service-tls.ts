import type { UpstreamProtocol } from '../../model/resources.js';
import { isUuid } from '../../model/ids.js';
import { isMapping, type Fields } from './fields.js';

/** A service's TLS fields as written: references not yet resolved (upstream-certificates.ts does). */
export interface ServiceTlsFields {
  verify?: boolean;
  verifyDepth?: number;
  /** ca_certificates ids, lower-cased. */
  caIds: string[];
  /** client_certificate id, lower-cased. */
  clientCertificateId?: string;
}

export const SERVICE_TLS_FIELDS = ['tls_verify', 'tls_verify_depth', 'ca_certificates', 'client_certificate'] as const;

/**
 * Kong's service TLS fields (docs/upstream-tls.md): null means unset; all four must be null unless
 * the protocol is https (Kong's entity checks, same message) or grpcs (accepted here, refused by
 * Kong: the same TLS settings for both TLS upstreams, docs/upstream-tls.md#grpcs). undefined when none is set.
 */
export function readServiceTls(f: Fields, protocol: UpstreamProtocol | undefined): ServiceTlsFields | undefined {
  const set = SERVICE_TLS_FIELDS.filter((k) => f.has(k));
  if (set.length === 0) return undefined;
  if (protocol !== 'https' && protocol !== 'grpcs') {
    // Unknown protocol (a broken url): the url's own diagnostic says enough.
    if (protocol !== undefined) for (const k of set) f.fail(k, 'value must be null');
    return undefined;
  }
  const out: ServiceTlsFields = { caIds: [] };
  if (f.has('tls_verify')) out.verify = f.bool('tls_verify', false);
  if (f.has('tls_verify_depth')) out.verifyDepth = f.int('tls_verify_depth', 1, 0, 64);
  const ca = f.raw.ca_certificates;
  if (ca !== undefined && ca !== null) {
    if (!Array.isArray(ca)) f.fail('ca_certificates', 'expected an array');
    else {
      ca.forEach((id, i) => {
        if (typeof id !== 'string' || !isUuid(id)) f.fail(`ca_certificates[${i}]`, 'expected a valid UUID');
        else out.caIds.push(id.toLowerCase());
      });
    }
  }
  const cc = f.raw.client_certificate;
  if (cc !== undefined && cc !== null) {
    // A foreign key: "<id>" or { id: "<id>" }, as Kong's declarative format takes both.
    const id = typeof cc === 'string' ? cc : isMapping(cc) && Object.keys(cc).length === 1 ? cc.id : undefined;
    if (typeof id !== 'string' || !isUuid(id)) f.fail('client_certificate', 'expected { id: <uuid> } of an entry in certificates');
    else out.clientCertificateId = id.toLowerCase();
  }
  return out;
}
