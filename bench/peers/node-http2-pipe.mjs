// Baseline for HTTP/2 clients: node:http2 secure server (ALPN h2, and http/1.1 so plain probes
// work), each stream relayed with http.request + pipe to the HTTP/1.1 upstream over a keep-alive
// agent; no auth. HTTP/2 forbids connection-specific headers, so they are dropped both ways.
// usage: node node-http2-pipe.mjs <listen port> <upstream port> <cert.pem> <key.pem>
import http from 'node:http';
import http2 from 'node:http2';
import { readFileSync } from 'node:fs';

const [port, upstreamPort, certFile, keyFile] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'http2-settings']);

function upstreamHeaders(req) {
  const out = {};
  for (const [k, v] of Object.entries(req.headers)) if (k[0] !== ':' && !HOP.has(k)) out[k] = v;
  out.host = req.headers[':authority'] ?? req.headers.host;
  return out;
}

http2.createSecureServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), minVersion: 'TLSv1.2', allowHTTP1: true }, (req, res) => {
  const up = http.request({
    host: '127.0.0.1', port: Number(upstreamPort), method: req.method, path: req.url, headers: upstreamHeaders(req), agent,
  }, (upRes) => {
    const headers = {};
    for (const [k, v] of Object.entries(upRes.headers)) if (!HOP.has(k)) headers[k] = v;
    res.writeHead(upRes.statusCode, headers);
    upRes.pipe(res);
  });
  up.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
  req.pipe(up);
}).listen(Number(port), '127.0.0.1');
