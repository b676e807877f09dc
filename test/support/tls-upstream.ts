import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** What one request to the TLS upstream saw of its connection. */
export interface TlsSeen {
  /** SNI the client sent (false: none). */
  sni: string | false;
  host: string | undefined;
  /** Subject CN of the client certificate, when one was presented and verified. */
  clientCn?: string;
}

export interface TlsUpstream {
  port: number;
  seen: TlsSeen[];
  /** Sockets (TLS handshakes) accepted so far. */
  connections: number;
  close(): Promise<void>;
}

/**
 * A real node:https upstream on 127.0.0.1 serving `cert` (leaf first, then intermediates).
 * `clientCa`: require a client certificate signed by it (mTLS). Answers 200 with what it saw.
 */
export async function startTlsUpstream(opts: { cert: string; key: string; clientCa?: string }): Promise<TlsUpstream> {
  const seen: TlsSeen[] = [];
  const server = https.createServer(
    {
      cert: opts.cert,
      key: opts.key,
      ...(opts.clientCa !== undefined ? { ca: opts.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const peer = opts.clientCa !== undefined ? socket.getPeerCertificate() : undefined;
      const entry: TlsSeen = { sni: (socket as TLSSocket & { servername: string | false }).servername, host: req.headers.host };
      if (peer?.subject?.CN !== undefined) entry.clientCn = peer.subject.CN as string;
      seen.push(entry);
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(entry));
      });
    },
  );
  const up: TlsUpstream = { port: 0, seen, connections: 0, close: async () => {} };
  server.on('secureConnection', () => up.connections++);
  server.on('tlsClientError', () => {}); // refused handshakes are what several tests are about
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  up.port = (server.address() as AddressInfo).port;
  up.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return up;
}
