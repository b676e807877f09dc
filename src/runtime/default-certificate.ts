import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { selfSignedCertificate } from '../proxy/self-signed.js';
import type { GatewayOptions } from './options.js';

/**
 * The TLS listener's default certificate (docs/tls.md#default-certificate): the
 * `--default-certificate` file pair, read and checked once at start, or else a self-signed one
 * for "localhost" made in memory, as Kong does. Each worker process makes its own (a key never
 * crosses IPC or the environment). Errors name the file, never its content.
 */
export function loadDefaultCertificate(gateway: Pick<GatewayOptions, 'defaultCertificate'>): { cert: string; key: string } {
  const files = gateway.defaultCertificate;
  if (files === undefined) return selfSignedCertificate({ commonName: 'localhost' });
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`--default-certificate: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  };
  const cert = read(files.certFile);
  const key = read(files.keyFile);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new Error(`--default-certificate: ${files.certFile} is not a PEM certificate`);
  }
  let fits: boolean;
  try {
    fits = x509.checkPrivateKey(createPrivateKey(key));
  } catch {
    throw new Error(`--default-certificate: ${files.keyFile} is not a PEM private key`);
  }
  if (!fits) throw new Error(`--default-certificate: the key in ${files.keyFile} does not match the certificate in ${files.certFile}`);
  return { cert, key };
}
