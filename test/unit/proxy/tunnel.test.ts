import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { TunnelEnd } from '../../../src/observability/websocket-metrics.js';
import { Tunnel } from '../../../src/proxy/tunnel.js';
import { waitFor } from '../../support/http.js';

/**
 * tunnel.ts over real loopback sockets: the gateway's client side is a server-accepted socket with
 * allowHalfOpen (as node:http's are), its upstream side a plain net.connect socket (as undici's).
 */
const servers: net.Server[] = [];
const sockets: net.Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) s.close();
});

/** [the gateway's end, the peer's end] of one loopback connection. */
async function pair(gatewayAccepts: boolean): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer({ allowHalfOpen: true });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const connecting = net.connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', allowHalfOpen: !gatewayAccepts });
  await new Promise<void>((r) => connecting.once('connect', () => r()));
  const other = await accepted;
  sockets.push(connecting, other);
  return gatewayAccepts ? [other, connecting] : [connecting, other];
}

interface Closed {
  reason: TunnelEnd;
  toUpstream: number;
  toClient: number;
}

async function tunnel(idleMs = 0) {
  const [client, clientPeer] = await pair(true);
  const [upstream, upstreamPeer] = await pair(false);
  const ends: Closed[] = [];
  const t = new Tunnel(client, upstream, idleMs, (reason, toUpstream, toClient) => ends.push({ reason, toUpstream, toClient }));
  const fromUpstream: string[] = [];
  const fromClient: string[] = [];
  clientPeer.setEncoding('latin1').on('data', (d: string) => fromUpstream.push(d));
  upstreamPeer.setEncoding('latin1').on('data', (d: string) => fromClient.push(d));
  return { t, client, upstream, clientPeer, upstreamPeer, ends, fromUpstream: () => fromUpstream.join(''), fromClient: () => fromClient.join('') };
}

describe('Tunnel', () => {
  it('relays bytes both ways and counts them once both sockets are closed', async () => {
    const x = await tunnel();
    x.clientPeer.write('ping');
    x.upstreamPeer.write('pong!');
    await waitFor(() => x.fromClient() === 'ping' && x.fromUpstream() === 'pong!');
    x.upstreamPeer.destroy();
    await waitFor(() => x.ends.length === 1);
    expect(x.ends[0]).toEqual({ reason: 'upstream', toUpstream: 4, toClient: 5 });
    expect(x.client.destroyed).toBe(true);
  });

  it("passes a client's FIN on, and the upstream's answer after it still reaches the client", async () => {
    const x = await tunnel();
    const upstreamSawEnd = new Promise<void>((r) => x.upstreamPeer.once('end', () => r()));
    const clientSawEnd = new Promise<void>((r) => x.clientPeer.once('end', () => r()));
    x.clientPeer.end('last words');
    await upstreamSawEnd;
    x.upstreamPeer.end('reply after FIN');
    await clientSawEnd;
    expect(x.fromClient()).toBe('last words');
    expect(x.fromUpstream()).toBe('reply after FIN');
    await waitFor(() => x.ends.length === 1);
    expect(x.client.destroyed && x.upstream.destroyed).toBe(true);
  });

  it('closes both sockets after idleMs without a byte either way; traffic resets the clock', async () => {
    const x = await tunnel(150);
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 80));
      x.upstreamPeer.write('.');
    }
    expect(x.ends).toEqual([]);
    await waitFor(() => x.ends.length === 1, 2000);
    expect(x.ends[0]!.reason).toBe('idle');
    expect(x.upstream.destroyed).toBe(true);
  });

  it('destroy() cuts both sides (shutdown)', async () => {
    const x = await tunnel();
    x.t.destroy();
    await waitFor(() => x.ends.length === 1);
    expect(x.ends[0]!.reason).toBe('shutdown');
  });

  it('a reset from the upstream closes the client side too', async () => {
    const x = await tunnel();
    x.upstreamPeer.resetAndDestroy();
    await waitFor(() => x.ends.length === 1);
    expect(['error', 'upstream']).toContain(x.ends[0]!.reason);
    expect(x.client.destroyed).toBe(true);
  });
});
