import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';

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
  /** Client certificate (PEM chain) and key (PEM) presented to the upstream (mTLS). */
  clientCertificate?: { cert: string; key: string };
  /** SNI and the name the certificate must match; undefined = the Host header sent upstream (Kong). */
  serverName?: string;
}

/** nginx's proxy_ssl_verify_depth default, which Kong keeps when tls_verify_depth is null. */
export const DEFAULT_VERIFY_DEPTH = 1;

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM bundle, or a problem (messages never quote the PEM). */
export function parseCertificates(pem: string): { certs: X509Certificate[] } | { problem: string } {
  const blocks = pem.match(PEM_CERT) ?? [];
  if (blocks.length === 0) return { problem: 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)' };
  const certs: X509Certificate[] = [];
  for (const [i, block] of blocks.entries()) {
    try {
      certs.push(new X509Certificate(block));
    } catch {
      return { problem: blocks.length === 1 ? 'the certificate could not be parsed' : `certificate ${i + 1} of ${blocks.length} could not be parsed` };
    }
  }
  return { certs };
}

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

/** A client certificate: the PEM chain parses, the key parses and belongs to the first certificate. */
export function clientCertificateProblem(cert: string, key: string): { field: 'cert' | 'key'; problem: string } | undefined {
  const parsed = parseCertificates(cert);
  if ('problem' in parsed) return { field: 'cert', problem: parsed.problem };
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    return { field: 'key', problem: 'the private key could not be parsed (PEM, unencrypted)' };
  }
  const fromKey = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const fromCert = parsed.certs[0]!.publicKey.export({ type: 'spki', format: 'der' });
  if (!fromKey.equals(fromCert)) return { field: 'key', problem: 'certificate does not match key' };
  return undefined;
}
