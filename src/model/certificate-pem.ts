import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';

/**
 * PEM certificates, checked once for every use: the TLS listener's certificates
 * (translate/certificates.ts), upstream CAs and client certificates (upstream-tls.ts), from
 * kong.yml entities and Secrets alike. Problems never quote the PEM.
 */

/** A certificate and its key as PEM text: a CertificateSpec's (resources.ts), served or presented to an upstream. */
export interface PemPair {
  /** PEM: the certificate, optionally followed by its intermediates. */
  cert: string;
  /** PEM private key. Secret: never logged, never in a diagnostic or the admin API. */
  key: string;
}

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
 * A certificate (PEM chain, leaf first) and its private key checked together: both parse and the
 * key belongs to the leaf. The one check for a pair served by the TLS listener and one presented
 * to an upstream (mTLS).
 */
export type CertificatePair =
  | { ok: true; leaf: X509Certificate }
  | { ok: false; problem: 'cert' | 'key' | 'mismatch'; message: string };

export function checkCertificatePair(cert: string, key: string): CertificatePair {
  const parsed = parseCertificates(cert);
  if ('problem' in parsed) return { ok: false, problem: 'cert', message: parsed.problem };
  let publicKey;
  try {
    publicKey = createPublicKey(createPrivateKey(key));
  } catch {
    return { ok: false, problem: 'key', message: 'the private key could not be parsed (PEM, unencrypted)' };
  }
  const leaf = parsed.certs[0]!;
  const fromKey = publicKey.export({ type: 'spki', format: 'der' });
  const fromCert = leaf.publicKey.export({ type: 'spki', format: 'der' });
  if (!fromKey.equals(fromCert)) return { ok: false, problem: 'mismatch', message: 'certificate does not match key' };
  return { ok: true, leaf };
}
