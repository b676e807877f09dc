import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { waitFor as waitForCheck } from './gateway-process.js';

/** A request as the echo upstream received it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface EchoUpstream {
  server: http.Server;
  port: number;
  /** "http://127.0.0.1:<port>" */
  url: string;
  /** Every request it answered, in order. */
  seen: SeenRequest[];
  /** Sockets the upstream has accepted (keep-alive reuse check). */
  connections: number;
  close(): Promise<void>;
}

/**
 * Real upstream on 127.0.0.1: echoes {method, url, headers, bodyLength, body} as JSON, unless
 * the path starts with a control prefix handled by `special`.
 */
export async function startEchoUpstream(
  special?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean,
): Promise<EchoUpstream> {
  const sockets = new Set<Socket>();
  const up: EchoUpstream = {
    server: undefined as unknown as http.Server, port: 0, url: '', seen: [], connections: 0, close: async () => {},
  };
  const server = http.createServer((req, res) => {
    if (special?.(req, res)) return;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      up.seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: body.toString() });
      const payload = JSON.stringify({
        method: req.method, url: req.url, headers: req.headers, bodyLength: body.length,
        body: body.length <= 1024 ? body.toString() : undefined,
      });
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'echo' });
      res.end(payload);
    });
  });
  server.on('connection', (s: Socket) => {
    up.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  up.server = server;
  up.port = (server.address() as AddressInfo).port;
  up.url = `http://127.0.0.1:${up.port}`;
  up.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return up;
}

export interface SimpleResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request over a fresh connection (no pooling) with an optional string/Buffer body. */
export function request(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer; agent?: http.Agent } = {},
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: opts.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A port nothing listens on (bind, read the port, close). */
export async function refusedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Polls a synchronous condition every 10 ms (see gateway-process.ts waitFor). */
export const waitFor = (cond: () => boolean, timeoutMs = 3000): Promise<void> => waitForCheck(cond, timeoutMs, undefined, 10);

/** What the echo upstream saw of one request through the gateway, and the gateway's request id. */
export interface EchoSeen {
  headers: http.IncomingHttpHeaders;
  requestId: string;
}

/** One HTTP/1.1 request over `socket` (a raw or TLS connection the test opened itself); rejects unless 200. */
export function echoOver(socket: Socket, path: string, headers: Record<string, string>): Promise<EchoSeen> {
  return new Promise((resolve, reject) => {
    const req = http.request({ createConnection: () => socket, path, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}: ${body}`));
        resolve({ headers: (JSON.parse(body) as { headers: http.IncomingHttpHeaders }).headers, requestId: String(res.headers['x-request-id']) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}
