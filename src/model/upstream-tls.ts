import { checkCertificatePair, parseCertificates, type PemPair } from './certificate-pem.js';

/**
 * TLS settings for an https upstream (Kong's service `tls_verify`, `tls_verify_depth`,
 * `ca_certificates`, `client_certificate`; a Route CR's `backend.tls`), resolved by the source:
 * PEM text, no references left. docs/upstream-tls.md.
 */
export interface UpstreamTlsSpec {
  /** Verify the upstream's certificate; undefined = the process default (--upstream-tls-verify). */
  verify?: boolean;
  /** Most intermediate CAs allowed between the certificate and the trust anchor; undefined = 1 (nginx's default). */
  verifyDepth?: number;
  /** Trusted CAs (PEM, one or more certificates each); set, they replace the system roots. */
  caCertificates?: string[];
  /** Client certificate (PEM chain) and key (PEM) presented to the upstream (mTLS): those of a certificate entity or Secret. */
  clientCertificate?: PemPair;
  /** SNI and the name the certificate must match; undefined = the Host header sent upstream (Kong). */
  serverName?: string;
}

/** nginx's proxy_ssl_verify_depth default, which Kong keeps when tls_verify_depth is null. */
export const DEFAULT_VERIFY_DEPTH = 1;

/**
 * A CA to verify upstreams with: parsable, a CA (basicConstraints CA:TRUE), not expired, as Kong
 * checks a ca_certificates entity. `single`: Kong takes one certificate per entity.
 */
export function caCertificateProblem(pem: string, opts: { single: boolean; now?: Date }): string | undefined {
  const parsed = parseCertificates(pem);
  if ('problem' in parsed) return parsed.problem;
  if (opts.single && parsed.certs.length > 1) return 'please submit only one certificate at a time';
  const now = (opts.now ?? new Date()).getTime();
  for (const [i, c] of parsed.certs.entries()) {
    const which = parsed.certs.length === 1 ? 'certificate' : `certificate ${i + 1}`;
    if (Date.parse(c.validTo) < now) return `${which} expired, "Not After" time is in the past`;
    if (!c.ca) return `${which} does not appear to be a CA because it is missing the "CA" basic constraint`;
  }
  return undefined;
}

/** A client certificate: the PEM chain parses, the key parses and belongs to the first certificate (certificate-pem.ts). */
export function clientCertificateProblem(cert: string, key: string): { field: 'cert' | 'key'; problem: string } | undefined {
  const pair = checkCertificatePair(cert, key);
  return pair.ok ? undefined : { field: pair.problem === 'cert' ? 'cert' : 'key', problem: pair.message };
}
