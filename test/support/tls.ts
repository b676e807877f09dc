import https from 'node:https';
import tls from 'node:tls';
import { generateKeyPairSync } from 'node:crypto';
import { selfSignedCertificate, type SelfSignedOptions } from '../../src/proxy/self-signed.js';

/**
 * Certificates for TLS tests, made by the test (node:crypto; the DER writer is checked against
 * the openssl CLI in test/unit/proxy/self-signed.test.ts), and real handshakes against a listener.
 */
export function makeCert(commonName: string, opts: Omit<SelfSignedOptions, 'commonName'> = {}): { cert: string; key: string } {
  return selfSignedCertificate({ commonName, ...opts });
}

/** A private key that belongs to no certificate of the test. */
export function strayKey(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

export interface Handshake {
  /** The served certificate's subject CN. */
  cn: string;
  protocol: string | null;
}

/** One TLS handshake (no HTTP): which certificate the listener serves for `servername`. */
export function handshake(port: number, servername: string | undefined, opts: tls.ConnectionOptions = {}): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...(servername ? { servername } : {}), ...opts }, () => {
      const cert = socket.getPeerCertificate();
      const cn = cert.subject?.CN;
      resolve({ cn: Array.isArray(cn) ? cn[0]! : (cn ?? ''), protocol: socket.getProtocol() });
      socket.end();
    });
    socket.once('error', reject);
  });
}

export interface HttpsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** CN of the certificate of the connection the request went over. */
  cn: string;
  reusedSocket: boolean;
}

/** An HTTPS request to 127.0.0.1:port with SNI `servername` and Host `host` (default: the servername). */
export function httpsRequest(
  port: number,
  path: string,
  opts: { servername?: string; host?: string; agent?: https.Agent; method?: string; headers?: Record<string, string> } = {},
): Promise<HttpsResponse> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        rejectUnauthorized: false,
        ...(opts.servername ? { servername: opts.servername } : {}),
        agent: opts.agent ?? false,
        headers: { host: opts.host ?? opts.servername ?? '127.0.0.1', ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        const cn = (res.socket as tls.TLSSocket).getPeerCertificate().subject?.CN;
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
            cn: Array.isArray(cn) ? cn[0]! : (cn ?? ''),
            reusedSocket: req.reusedSocket,
          });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
