import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP relay on loopback that can go silent without closing anything, like a middlebox that
 * dropped a flow: `freeze()` stops forwarding bytes on every open connection (both ways) while
 * keeping the sockets open; with `newConnections: true` the connections accepted afterwards are
 * frozen too. TLS passes through untouched.
 */
export interface FreezableProxy {
  port: number;
  /** Connections currently relayed. */
  readonly open: number;
  /** Connections accepted since the start. */
  readonly accepted: number;
  freeze(opts?: { newConnections?: boolean }): void;
  unfreeze(): void;
  /** Resets every open connection (both sides), like a middlebox or load balancer restart; new ones are relayed. */
  cut(): number;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  frozen: boolean;
  /** What arrived while frozen, per direction, with a pending end ("FIN") as null. */
  held: Array<{ to: net.Socket; chunk: Buffer | null }>;
}

export async function startFreezableProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<FreezableProxy> {
  const pairs = new Set<Pair>();
  let freezeNew = false;
  let accepted = 0;
  const forward = (p: Pair, to: net.Socket, chunk: Buffer | null) => {
    if (p.frozen) return void p.held.push({ to, chunk });
    if (chunk === null) to.end();
    else to.write(chunk);
  };
  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(targetPort, targetHost);
    const pair: Pair = { client, upstream, frozen: freezeNew, held: [] };
    pairs.add(pair);
    client.on('data', (c: Buffer) => forward(pair, upstream, c)).on('end', () => forward(pair, upstream, null));
    upstream.on('data', (c: Buffer) => forward(pair, client, c)).on('end', () => forward(pair, client, null));
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    // The client giving up closes the pair; the server closing while frozen reaches the client
    // only at unfreeze (a dropped flow carries no FIN either).
    const upstreamGone = () => (pair.frozen ? void pair.held.push({ to: client, chunk: null }) : drop());
    client.on('error', drop).on('close', drop);
    upstream.on('error', upstreamGone).on('close', upstreamGone);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    get open() {
      return pairs.size;
    },
    get accepted() {
      return accepted;
    },
    freeze(opts = {}) {
      freezeNew = opts.newConnections === true;
      for (const p of pairs) p.frozen = true;
    },
    unfreeze() {
      freezeNew = false;
      for (const p of pairs) {
        if (!p.frozen) continue;
        p.frozen = false;
        for (const { to, chunk } of p.held.splice(0)) {
          if (to.destroyed) continue;
          if (chunk === null) to.end();
          else to.write(chunk);
        }
      }
    },
    cut() {
      const n = pairs.size;
      for (const p of [...pairs]) {
        pairs.delete(p);
        p.client.resetAndDestroy();
        p.upstream.destroy();
      }
      return n;
    },
    async close() {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream.destroy();
      }
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
