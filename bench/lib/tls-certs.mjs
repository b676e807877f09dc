// The TLS benchmarks' certificate, generated per run with the openssl CLI (node:crypto makes keys,
// not X.509 certificates): RSA 2048 (the common default, and its signature is the server's cost in
// a full handshake), self-signed, for localhost and 127.0.0.1. Clients do not verify it.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

/** Writes cert.pem, key.pem and cert+key.pem (HAProxy's crt format) into `dir`; returns their paths. */
export function makeTlsCertificate(dir) {
  const certFile = `${dir}/cert.pem`;
  const keyFile = `${dir}/key.pem`;
  const combinedFile = `${dir}/cert+key.pem`;
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', keyFile, '-out', certFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  writeFileSync(combinedFile, readFileSync(certFile, 'utf8') + readFileSync(keyFile, 'utf8'), { mode: 0o600 });
  return { certFile, keyFile, combinedFile };
}
