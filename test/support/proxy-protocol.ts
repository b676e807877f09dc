import net from 'node:net';
import tls from 'node:tls';

/**
 * PROXY protocol headers as a load balancer writes them (HAProxy's proxy-protocol.txt), for tests
 * that play the balancer on a raw socket.
 */

type Endpoint = [address: string, port: number];

export function v1Header(h: { family: 4 | 6; source: Endpoint; destination: Endpoint } | 'unknown'): Buffer {
  if (h === 'unknown') return Buffer.from('PROXY UNKNOWN\r\n');
  return Buffer.from(`PROXY TCP${h.family} ${h.source[0]} ${h.destination[0]} ${h.source[1]} ${h.destination[1]}\r\n`, 'latin1');
}

const SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

function addressBytes(address: string, family: 4 | 6): Buffer {
  const sa = new net.SocketAddress({ address, family: family === 4 ? 'ipv4' : 'ipv6' });
  if (family === 4) return Buffer.from(sa.address.split('.').map(Number));
  // Expand "::" and an embedded IPv4 tail into 8 groups.
  let text = sa.address;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) text = text.slice(0, v4.index) + [((+v4[1]! << 8) | +v4[2]!).toString(16), ((+v4[3]! << 8) | +v4[4]!).toString(16)].join(':');
  const [head = '', tail] = text.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), 2 * i));
  return out;
}

export function v2Header(
  h: { command: 'local' } | { command: 'proxy'; family: 4 | 6; source: Endpoint; destination: Endpoint; tlvs?: Buffer },
): Buffer {
  if (h.command === 'local') return Buffer.concat([SIGNATURE, Buffer.from([0x20, 0x00, 0, 0])]);
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(h.source[1], 0);
  ports.writeUInt16BE(h.destination[1], 2);
  const body = Buffer.concat([addressBytes(h.source[0], h.family), addressBytes(h.destination[0], h.family), ports, h.tlvs ?? Buffer.alloc(0)]);
  const fixed = Buffer.from([0x21, h.family === 4 ? 0x11 : 0x21, 0, 0]);
  fixed.writeUInt16BE(body.length, 2);
  return Buffer.concat([SIGNATURE, fixed, body]);
}

/**
 * A TLS client behind a balancer: a raw TCP connection from `from` that writes `prelude` (a PROXY
 * header; in its own segment when `pauseMs` is set), then the TLS handshake over the same socket.
 * The listener's certificate is not verified: these tests are about the header.
 */
export async function tlsAfterPrelude(
  port: number,
  prelude: Buffer | undefined,
  opts: { from?: string; alpn?: string[]; pauseMs?: number; servername?: string } = {},
): Promise<tls.TLSSocket> {
  const raw = net.connect({ port, host: '127.0.0.1', localAddress: opts.from ?? '127.0.0.1' });
  await new Promise<void>((resolve, reject) => raw.once('connect', resolve).once('error', reject));
  if (prelude) raw.write(prelude);
  if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
  return await new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect({ socket: raw, servername: opts.servername ?? 'gw.example', rejectUnauthorized: false, ALPNProtocols: opts.alpn ?? ['http/1.1'] }, () => resolve(s));
    s.once('error', reject);
  });
}

/**
 * Opens a connection to `port` that sends the start of a PROXY header and no more, then times
 * `close()` (ms): a drain must not wait for connections that carry no request yet.
 */
export async function closeWithPendingHeader(port: number, close: () => Promise<unknown>): Promise<number> {
  const s = net.connect({ port, host: '127.0.0.1' });
  s.on('error', () => undefined);
  await new Promise((r) => s.on('connect', r));
  s.write('PROX');
  await new Promise((r) => setTimeout(r, 50));
  const t0 = Date.now();
  await close();
  return Date.now() - t0;
}
