// Baseline for the TLS listener: node-pipe.mjs behind node:https (TLS 1.2/1.3, HTTP/1.1 only),
// http.request + pipe to the plain HTTP/1.1 upstream, keep-alive agent; no auth.
// usage: node node-https-pipe.mjs <listen port> <upstream port> <cert.pem> <key.pem>
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';

const [port, upstreamPort, certFile, keyFile] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

https.createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), minVersion: 'TLSv1.2' }, (req, res) => {
  const up = http.request({
    host: '127.0.0.1', port: Number(upstreamPort), method: req.method, path: req.url, headers: req.headers, agent,
  }, (upRes) => {
    res.writeHead(upRes.statusCode, upRes.headers);
    upRes.pipe(res);
  });
  up.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
  req.pipe(up);
}).listen(Number(port), '127.0.0.1');
