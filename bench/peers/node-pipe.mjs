// Baseline: the thinnest possible Node proxy: node:http server, http.request + pipe, keep-alive agent.
// usage: node node-pipe.mjs <listen port> <upstream port>
import http from 'node:http';

const [port, upstreamPort] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

http.createServer((req, res) => {
  const up = http.request({
    host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers, agent,
  }, (upRes) => {
    res.writeHead(upRes.statusCode, upRes.headers);
    upRes.pipe(res);
  });
  up.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
  req.pipe(up);
}).listen(port, '127.0.0.1');
