#!/usr/bin/env node
// The walkthrough's upstream: answers "Hello world!" and logs the headers it received, so you
// can see the X-Consumer-* headers the gateway adds. Plain node:http, no dependencies.
import http from 'node:http';

const port = Number(process.env.PORT ?? process.argv[2] ?? 3000);

const server = http.createServer((req, res) => {
  // The token is forwarded unchanged; show that it arrived without printing it.
  const headers = { ...req.headers, ...(req.headers.authorization && { authorization: '[present]' }) };
  process.stdout.write(`${JSON.stringify({ method: req.method, url: req.url, headers })}\n`);
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Hello world!');
  });
});

// Dual-stack when the machine has IPv6, so "localhost" works whichever address it resolves to.
server.once('error', (err) => {
  if (err.code !== 'EAFNOSUPPORT' && err.code !== 'EADDRNOTAVAIL') throw err;
  server.listen(port, '0.0.0.0');
});
server.listen(port, '::', () => process.stderr.write(`hello-upstream listening on :${port}\n`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
