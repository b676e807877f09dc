import { isMapping } from './fields.js';

/** The part of a kong.yml `certificates` entity a service's client_certificate needs. */
export interface RawCertificate {
  path: string;
  cert: unknown;
  key: unknown;
}

/**
 * kong.yml `certificates` by id, read raw (id, cert, key only) for services' client_certificate
 * (mTLS to upstreams). The entities themselves (snis, cert_alt, validation) belong to TLS
 * termination; this lookup only finds the pair by id. First entry wins on a repeated id.
 */
export function indexCertificates(list: readonly unknown[]): Map<string, RawCertificate> {
  const byId = new Map<string, RawCertificate>();
  list.forEach((raw, i) => {
    if (!isMapping(raw) || typeof raw.id !== 'string') return;
    const id = raw.id.toLowerCase();
    if (!byId.has(id)) byId.set(id, { path: `certificates[${i}]`, cert: raw.cert, key: raw.key });
  });
  return byId;
}
