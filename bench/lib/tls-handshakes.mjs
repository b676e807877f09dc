#!/usr/bin/env node
// Load generator for new TLS connections per second: `concurrency` loops, each opening a TLS
// connection with a FULL handshake (tls.connect with no `session`: nothing to resume), sending one
// GET with Connection: close, reading the response to the close, and starting over. Counts the
// connections completed with a 200 during the measured window; prints one BENCH-JSON line.
// usage: node tls-handshakes.mjs <port> <seconds> <warmup seconds> <concurrency> <token or ->
import tls from 'node:tls';

const [port, seconds, warmup, concurrency] = process.argv.slice(2, 6).map(Number);
const token = process.argv[6];
const request = Buffer.from(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n${token && token !== '-' ? `Authorization: Bearer ${token}\r\n` : ''}Connection: close\r\n\r\n`);

let measuring = false;
let stopped = false;
const r = { connections: 0, failed: 0, non200: 0, resumed: 0, protocol: '' };

function one() {
  if (stopped) return;
  let head = '';
  let ok = false;
  const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
  s.setEncoding('latin1');
  s.once('secureConnect', () => {
    if (measuring && s.isSessionReused()) r.resumed++;
    r.protocol ||= s.getProtocol() ?? '';
    s.write(request);
  });
  s.on('data', (d) => { if (head.length < 16) head += d; });
  s.on('end', () => { ok = true; });
  s.on('error', () => {});
  s.once('close', () => {
    if (measuring) {
      if (!ok && head === '') r.failed++;
      else if (!head.startsWith('HTTP/1.1 200')) r.non200++;
      else r.connections++;
    }
    one();
  });
}

for (let i = 0; i < concurrency; i++) one();
setTimeout(() => {
  measuring = true;
  const t0 = performance.now();
  setTimeout(() => {
    measuring = false;
    stopped = true;
    const s = (performance.now() - t0) / 1000;
    console.log(`BENCH-JSON ${JSON.stringify({ ...r, seconds: s, perSecond: r.connections / s })}`);
    process.exit(0);
  }, seconds * 1000);
}, warmup * 1000);
