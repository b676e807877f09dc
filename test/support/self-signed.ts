import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SelfSigned {
  /** PEM certificate (its own CA: trust it as the root). */
  cert: string;
  key: string;
  /** The certificate's file, for NODE_EXTRA_CA_CERTS. */
  certPath: string;
  dir: string;
  remove(): Promise<void>;
}

/** A fresh self-signed P-256 certificate for localhost and 127.0.0.1 (openssl), valid two days. */
export async function selfSigned(cn = 'localhost'): Promise<SelfSigned> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pc-cert-'));
  const certPath = path.join(dir, 'cert.pem');
  const keyPath = path.join(dir, 'key.pem');
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-keyout', keyPath, '-out', certPath, '-subj', `/CN=${cn}`, '-addext', `subjectAltName=DNS:${cn},IP:127.0.0.1`,
  ]);
  return {
    cert: await readFile(certPath, 'utf8'),
    key: await readFile(keyPath, 'utf8'),
    certPath,
    dir,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
