import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

/** An upgrade request as the upstream received it. */
export interface SeenUpgrade {
  url: string;
  headers: http.IncomingHttpHeaders;
}

/** How a WebSocket the upstream accepted ended. */
export interface ServerClose {
  code: number;
  reason: string;
}

export interface WsUpstream {
  port: number;
  /** "http://127.0.0.1:<port>" */
  url: string;
  seen: SeenUpgrade[];
  /** Close events of the upstream's side of each WebSocket, in order. */
  closes: ServerClose[];
  /** Plain HTTP requests (not upgrades) it answered. */
  plain: SeenUpgrade[];
  close(): Promise<void>;
}

/**
 * A real `ws` WebSocketServer behind node:http: echoes each message as "echo:<message>",
 * answers "headers" with the upgrade request's headers (JSON), closes with 4001 on "close-me".
 * Paths containing /refuse get `403 refused` instead of a 101; plain requests get a JSON echo.
 */
export async function startWsUpstream(opts: { tls?: { key: string; cert: string } } = {}): Promise<WsUpstream> {
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    up.plain.push({ url: req.url!, headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ url: req.url, headers: req.headers }));
  };
  // With `tls`: a wss upstream (node:https, a real handshake with the caller's certificate).
  const server = opts.tls ? https.createServer(opts.tls, onRequest) : http.createServer(onRequest);
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<Socket>();
  server.on(opts.tls ? 'secureConnection' : 'connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const up: WsUpstream = { port: 0, url: '', seen: [], closes: [], plain: [], close: async () => {} };
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    up.seen.push({ url: req.url!, headers: req.headers });
    if (req.url!.includes('/refuse')) {
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\nx-refused-by: upstream\r\ncontent-length: 7\r\nconnection: close\r\n\r\nrefused');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data, isBinary) => {
        const text = data.toString();
        if (!isBinary && text === 'close-me') ws.close(4001, 'server bye');
        else if (!isBinary && text === 'headers') ws.send(JSON.stringify(req.headers));
        else ws.send(isBinary ? data : `echo:${text}`, { binary: isBinary });
      });
      ws.on('close', (code, reason) => up.closes.push({ code, reason: reason.toString() }));
      ws.on('error', () => {});
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  up.port = (server.address() as AddressInfo).port;
  up.url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${up.port}`;
  up.close = async () => {
    for (const c of wss.clients) c.terminate();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return up;
}

/** What a refused handshake got back. */
export interface Refusal {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Opens a WebSocket; rejects with a Refusal when the handshake is answered with anything but 101. */
export function openWs(url: string, opts: { headers?: Record<string, string>; localAddress?: string } = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: opts.headers, localAddress: opts.localAddress });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        reject(Object.assign(new Error(`handshake answered ${res.statusCode}`), { refusal: { status: res.statusCode!, headers: res.headers, body } }));
        ws.terminate();
      });
    });
    ws.once('error', reject);
  });
}

/** The Refusal of a handshake expected to fail. */
export async function refusal(url: string, opts: { headers?: Record<string, string>; localAddress?: string } = {}): Promise<Refusal> {
  try {
    const ws = await openWs(url, opts);
    ws.terminate();
  } catch (err) {
    const r = (err as { refusal?: Refusal }).refusal;
    if (r) return r;
    throw err;
  }
  throw new Error(`handshake to ${url} was accepted`);
}

/** Sends `text` and resolves with the next message. */
export function roundTrip(ws: WebSocket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data) => resolve(data.toString()));
    ws.once('close', (code) => reject(new Error(`closed (${code}) before an answer`)));
    ws.send(text);
  });
}

/** Resolves with the close code and reason once `ws` is closed. */
export function closed(ws: WebSocket): Promise<ServerClose> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve({ code: -1, reason: 'already closed' });
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** "ws://127.0.0.1:<port>" of an "http://…" gateway base URL. */
export const wsBase = (httpBase: string): string => httpBase.replace(/^http/, 'ws');
