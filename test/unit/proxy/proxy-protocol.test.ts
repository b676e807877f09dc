import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxyHeaderOf, requireProxyProtocol } from '../../../src/proxy/proxy-protocol.js';
import { v1Header, v2Header } from '../../support/proxy-protocol.js';

/**
 * The header reader in front of real node:http and node:https servers, fed by raw sockets playing
 * the load balancer: the header is taken off, the bytes after it reach the server untouched
 * (however the header and request are split into writes), and bad or late headers close the
 * connection before the server sees anything.
 */

/** What the server answers: the PROXY source it saw, and the request body it read. */
function answer(req: http.IncomingMessage, res: http.ServerResponse) {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const h = proxyHeaderOf(req.socket);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ source: h?.command === 'proxy' ? `${h.sourceAddress}:${h.sourcePort}` : (h?.command ?? null), body: Buffer.concat(chunks).toString(), url: req.url }));
  });
}

const rejected: string[] = [];
let plain: http.Server;
let secure: https.Server;
let pki: { dir: string; key: Buffer; cert: Buffer };
let plainPort: number;
let securePort: number;

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

beforeAll(async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pc-pp-'));
  await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', 'key.pem', '-out', 'cert.pem', '-subj', '/CN=localhost', '-days', '1', '-addext', 'subjectAltName=DNS:localhost'], { cwd: dir });
  pki = { dir, key: await readFile(path.join(dir, 'key.pem')), cert: await readFile(path.join(dir, 'cert.pem')) };
  plain = http.createServer(answer);
  secure = https.createServer({ key: pki.key, cert: pki.cert }, answer);
  for (const s of [plain, secure]) requireProxyProtocol(s, { headerTimeoutMs: 300, onReject: (kind, reason) => rejected.push(`${kind}: ${reason}`) });
  plainPort = await listen(plain);
  securePort = await listen(secure);
});

afterAll(async () => {
  for (const s of [plain, secure]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await rm(pki.dir, { recursive: true, force: true });
});

/** Writes `parts` on a raw socket, a few ms apart; resolves with everything read until the server closes. */
function rawExchange(port: number, parts: Buffer[], gapMs = 15): Promise<{ text: string; closedWithoutAnswer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? undefined : reject(e)));
    socket.on('close', () => resolve({ text: Buffer.concat(chunks).toString(), closedWithoutAnswer: chunks.length === 0 }));
    socket.on('connect', async () => {
      for (const p of parts) {
        if (socket.destroyed) return;
        socket.write(p);
        await new Promise((r) => setTimeout(r, gapMs));
      }
    });
  });
}

const REQUEST = 'POST /echo?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello';

describe('requireProxyProtocol on node:http', () => {
  const header = v1Header({ family: 4, source: ['203.0.113.7', 40000], destination: ['10.0.0.1', 8000] });

  it.each([
    ['in one write with the request', [Buffer.concat([header, Buffer.from(REQUEST)])]],
    ['then the request in another write', [header, Buffer.from(REQUEST)]],
    ['byte by byte', [...Buffer.concat([header, Buffer.from(REQUEST.slice(0, 20))])].map((b) => Buffer.from([b])).concat([Buffer.from(REQUEST.slice(20))])],
  ])('a v1 header %s', async (_name, parts) => {
    // Within the 300 ms header deadline.
    const r = await rawExchange(plainPort, parts, 2);
    expect(r.text).toMatch(/^HTTP\/1.1 200/);
    expect(JSON.parse(r.text.slice(r.text.indexOf('\r\n\r\n') + 4))).toEqual({ source: '203.0.113.7:40000', body: 'hello', url: '/echo?x=1' });
  });

  it('v2 over TCP6, v2 LOCAL and v1 UNKNOWN', async () => {
    const port = plainPort;
    const cases: Array<[Buffer, string]> = [
      [v2Header({ command: 'proxy', family: 6, source: ['2001:db8::7', 5], destination: ['::1', 80] }), '2001:db8::7:5'],
      [v2Header({ command: 'local' }), 'local'],
      [v1Header('unknown'), 'unknown'],
    ];
    for (const [h, source] of cases) {
      const r = await rawExchange(port, [Buffer.concat([h, Buffer.from(REQUEST)])]);
      expect(JSON.parse(r.text.slice(r.text.indexOf('\r\n\r\n') + 4)).source).toBe(source);
    }
  });

  it('a keep-alive connection keeps its header for every request', async () => {
    const port = plainPort;
    const keep = 'GET /one HTTP/1.1\r\nHost: a\r\n\r\n';
    const r = await rawExchange(port, [Buffer.concat([header, Buffer.from(keep)]), Buffer.from(REQUEST)]);
    const sources = [...r.text.matchAll(/"source":"([^"]+)"/g)].map((m) => m[1]);
    expect(sources).toEqual(['203.0.113.7:40000', '203.0.113.7:40000']);
  });

  it('closes a connection without a header, with a malformed one, or whose header is late', async () => {
    const port = plainPort;
    rejected.length = 0;
    expect(await rawExchange(port, [Buffer.from(REQUEST)])).toEqual({ text: '', closedWithoutAnswer: true });
    expect(await rawExchange(port, [Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n'), Buffer.from(REQUEST)])).toEqual({ text: '', closedWithoutAnswer: true });
    const t0 = Date.now();
    // Half a header, then silence: closed at the 300 ms deadline.
    expect(await rawExchange(port, [Buffer.from('PROXY TCP4 1.2.')])).toEqual({ text: '', closedWithoutAnswer: true });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(rejected).toEqual(['missing: no PROXY protocol header', 'malformed: v1 header is not "PROXY TCPn src dst sport dport"', 'timeout: header not received in time']);
  });
});

describe('requireProxyProtocol on node:https (header before the TLS handshake)', () => {
  it('the handshake and the request run over the bytes after the header', async () => {
    const port = securePort;
    for (const h of [v1Header({ family: 4, source: ['198.51.100.2', 1111], destination: ['10.0.0.1', 443] }), v2Header({ command: 'proxy', family: 4, source: ['198.51.100.3', 2222], destination: ['10.0.0.1', 443] })]) {
      const body = await new Promise<string>((resolve, reject) => {
        const raw = net.connect(port, '127.0.0.1', () => {
          raw.write(h);
          const req = https.request({ createConnection: () => tls.connect({ socket: raw, servername: 'localhost', ca: pki.cert }), method: 'POST', path: '/tls', headers: { 'content-length': 5 } }, (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve(text));
          });
          req.on('error', reject);
          req.end('hello');
        });
      });
      const expected = h[0] === 0x50 ? '198.51.100.2:1111' : '198.51.100.3:2222';
      expect(JSON.parse(body)).toEqual({ source: expected, body: 'hello', url: '/tls' });
    }
  });

  it('a TLS ClientHello without a header is closed before any handshake', async () => {
    const port = securePort;
    const err = await new Promise<Error>((resolve) => {
      const s = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.cert }, () => resolve(new Error('handshake completed')));
      s.on('error', resolve);
    });
    expect(err.message).not.toBe('handshake completed');
  });
});
