import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestCert {
  key: string;
  cert: string;
  /** The certificate's file (for NODE_EXTRA_CA_CERTS). */
  certPath: string;
  remove(): void;
}

/** A self-signed P-256 certificate for localhost and 127.0.0.1, made by openssl for this run only. */
export function selfSignedCert(): TestCert {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pc-cert-'));
  const keyPath = path.join(dir, 'key.pem');
  const certPath = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyPath, '-out', certPath,
    '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  return {
    key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), certPath,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
