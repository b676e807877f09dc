// The TLS edge scenarios (bench/tls.mjs, bench/open-loop.mjs --protocol https|h2): each gateway
// terminates TLS with the bench's certificate and forwards plain HTTP/1.1 to the nginx upstream.
// `protocols`: what it is measured with (https = HTTP/1.1 over TLS, h2 = HTTP/2 over TLS via ALPN).
import { startHaproxy, startNginxNjs, startNodePeer, startPortcullis } from './servers.mjs';

const certArgs = (c) => [c.tls.certFile, c.tls.keyFile];

export const TLS_SCENARIOS = [
  { id: 'direct', label: 'upstream direct (nginx TLS, no gateway)', auth: null, direct: true, protocols: ['https', 'h2'] },
  { id: 'node-https', label: 'bare node:https pipe proxy', auth: null, kind: 'peer', protocols: ['https'],
    start: (c) => startNodePeer(c.dir, 'node-https-pipe.mjs', certArgs(c), c.upstreamPort, c.peerNodeArgs, { tls: true }) },
  { id: 'node-http2', label: 'bare node:http2 pipe proxy (h2 → HTTP/1.1)', auth: null, kind: 'peer', protocols: ['h2'],
    start: (c) => startNodePeer(c.dir, 'node-http2-pipe.mjs', certArgs(c), c.upstreamPort, c.peerNodeArgs, { tls: true }) },
  { id: 'haproxy-tls', label: 'HAProxy 2.6 1 thread TLS + jwt_verify HS256', auth: 'HS256', kind: 'peer', protocols: ['https', 'h2'],
    start: (c) => startHaproxy(c.dir, c.upstreamPort, c.creds.HS256, c.tls) },
  { id: 'nginx-njs-tls', label: 'nginx 1 worker TLS + njs HS256', auth: 'HS256', kind: 'peer', protocols: ['https', 'h2'],
    start: (c) => startNginxNjs(c.dir, c.upstreamPort, c.creds.HS256, c.tls) },
  { id: 'portcullis-tls-hs256', label: 'Portcullis TLS listener, jwt HS256', auth: 'HS256', kind: 'portcullis', protocols: ['https', 'h2'],
    start: (c) => startPortcullis(c.dir, c.kongFiles.HS256, { name: 'portcullis-tls-hs256', nodeArgs: c.nodeArgs, args: c.portcullisArgs, tls: c.tls }) },
];

/** The baseline every "× …" ratio of a protocol is taken against. */
export const BASELINE = { https: 'node-https', h2: 'node-http2' };
