import http from 'node:http';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestHandlers } from '../../../src/proxy/handler.js';
import { H2Sessions } from '../../../src/proxy/h2-sessions.js';
import { enableH2c } from '../../../src/proxy/h2c.js';

/** The preface sniffer hands each connection, bytes intact, to the right server (real sockets). */
let server: http.Server;
let port: number;
const sessions = new H2Sessions();

beforeAll(async () => {
  const handlers: RequestHandlers = {
    http1: (req, res) => res.end(`h1 ${req.method} ${req.url}`),
    http2: (req, res) => res.end(`h2 ${req.method} ${req.url}`),
  };
  server = http.createServer(handlers.http1);
  enableH2c(server, handlers, sessions, 60_000);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  sessions.destroyAll();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function rawExchange(parts: string[], expectCount: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1');
    let out = '';
    c.on('data', (d) => {
      out += d.toString();
      const bodies = out.match(/h1 [A-Z]+ \/[a-z]+/g) ?? [];
      if (bodies.length >= expectCount) {
        c.destroy();
        resolve(bodies.join(','));
      }
    });
    c.on('error', reject);
    let delay = 0;
    for (const p of parts) setTimeout(() => c.write(p), (delay += 20));
  });
}

describe('h2c sniffing', () => {
  it('HTTP/1.1 whose first bytes arrive one at a time, pipelined, still parses', async () => {
    const got = await rawExchange(['P', 'OS', 'T /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n'], 2);
    expect(got).toBe('h1 POST /a,h1 GET /b');
  });

  it('a request line starting like the preface ("PRI" is a valid method name) but differing goes to HTTP/1.1', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/x`, { method: 'PUT' });
    expect(await res.text()).toBe('h1 PUT /x');
  });

  it('HTTP/2 with prior knowledge reaches the http2 handler, and its session is tracked', async () => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const req = session.request({ ':path': '/h2', ':method': 'GET' });
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    await new Promise((r) => req.on('end', r));
    expect(body).toBe('h2 GET /h2');
    expect(sessions.size).toBe(1);
    const closed = new Promise((r) => session.on('close', r));
    sessions.closeIdle();
    await closed;
  });
});
