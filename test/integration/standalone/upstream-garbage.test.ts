import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * Upstreams that answer something other than HTTP, over real TCP. Kong answers 502 "An invalid
 * response was received from the upstream server" whenever no usable response head arrived; once
 * the head went out, the only honest signal is a cut connection.
 */
type Script = (socket: net.Socket) => void;

const BAD_HEAD: Array<[string, Script]> = [
  ['not HTTP at all', (s) => s.end('SSH-2.0-OpenSSH_9.6\r\n')],
  ['binary garbage', (s) => s.end(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00]))],
  ['bad status code', (s) => s.end('HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n')],
  ['bad protocol name', (s) => s.end('HTCPCP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n')],
  ['bad HTTP version', (s) => s.end('HTTP/x.1 200 OK\r\nContent-Length: 0\r\n\r\n')],
  ['space in a header name', (s) => s.end('HTTP/1.1 200 OK\r\nBad Header: x\r\nContent-Length: 0\r\n\r\n')],
  ['header line without a colon', (s) => s.end('HTTP/1.1 200 OK\r\nNoColonHere\r\nContent-Length: 0\r\n\r\n')],
  ['control character in a header value', (s) => s.end('HTTP/1.1 200 OK\r\nX-A: a\x01b\r\nContent-Length: 0\r\n\r\n')],
  ['bare LF line endings mixed with CR', (s) => s.end('HTTP/1.1 200 OK\rX-A: 1\r\n\r\n')],
  ['invalid Content-Length', (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n')],
  ['two different Content-Lengths', (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab')],
  ['Content-Length with chunked', (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n')],
  ['closed before any byte', (s) => s.end()],
  ['reset before any byte', (s) => s.resetAndDestroy()],
  ['closed mid status line', (s) => s.end('HTTP/1.1 20')],
  ['closed mid headers', (s) => s.end('HTTP/1.1 200 OK\r\nX-A: 1\r\n')],
];

const BAD_BODY: Array<[string, Script]> = [
  // The head is parsed (and handed to the client response) before the chunk fails.
  ['invalid chunk size in the same packet as the head', (s) => s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n')],
  ['invalid chunk size after the head', (s) => {
    s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
    setTimeout(() => s.end('zz\r\nmore\r\n0\r\n\r\n'), 100);
  }],
  ['closed before Content-Length bytes', (s) => {
    s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort');
    setTimeout(() => s.end(), 100);
  }],
  ['closed mid chunked body', (s) => {
    s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
    setTimeout(() => s.end(), 100);
  }],
];

const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();
let gw: StandaloneGateway;
let proxyPort = 0;

/** A TCP server that waits for the request head, then runs `script` on the socket. */
async function scripted(script: Script): Promise<number> {
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = '';
    socket.on('data', (d: Buffer) => {
      if (head.includes('\r\n\r\n')) return;
      head += d.toString('latin1');
      if (head.includes('\r\n\r\n')) script(socket);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

const slug = (name: string) => name.replace(/\W+/g, '-');

beforeAll(async () => {
  const services = [];
  for (const [name, script] of [...BAD_HEAD, ...BAD_BODY]) {
    const port = await scripted(script);
    services.push({ name: slug(name), url: `http://127.0.0.1:${port}`, retries: 0, routes: [{ name: slug(name), paths: [`/${slug(name)}`] }] });
  }
  gw = await startStandalone({ services });
  proxyPort = Number(new URL(gw.proxy).port);
}, 60_000);

afterAll(async () => {
  await gw?.close();
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

interface Outcome {
  status: number | undefined;
  body: string;
  /** The response did not complete: the connection was cut before or during the body. */
  cut: boolean;
}

function get(path: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: proxyPort, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body, cut: !res.complete }));
      res.on('error', () => resolve({ status: res.statusCode, body, cut: true }));
      res.on('aborted', () => resolve({ status: res.statusCode, body, cut: true }));
    });
    req.on('error', () => resolve({ status: undefined, body: '', cut: true }));
  });
}

describe('an upstream answer that is not HTTP → 502, as Kong', () => {
  it.each(BAD_HEAD)('%s', async (name) => {
    const r = await get(`/${slug(name)}`);
    expect(r.status, r.body).toBe(502);
    expect(JSON.parse(r.body)).toMatchObject({ message: 'An invalid response was received from the upstream server' });
  });
});

describe('a broken body after a valid head → the client connection is cut, never a complete response', () => {
  it.each(BAD_BODY)('%s', async (name) => {
    const r = await get(`/${slug(name)}`);
    expect(r.cut, `status ${r.status}`).toBe(true);
    expect([200, undefined]).toContain(r.status);
  });

  it('the gateway process stays up and keeps serving', async () => {
    const r = await get(`/${slug('not HTTP at all')}`);
    expect(r.status).toBe(502);
    expect(gw.child.exitCode).toBeNull();
  });
});
