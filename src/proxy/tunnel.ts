import type { Socket } from 'node:net';
import type { TunnelEnd } from '../observability/websocket-metrics.js';

/** How long the surviving side of a closed tunnel may take to take in what is left for it. */
export const CLOSE_GRACE_MS = 5_000;

/**
 * Two sockets piped both ways after a 101 (docs/websocket.md#tunnels): bytes are relayed as they
 * come (the gateway never parses WebSocket frames), with backpressure (`pipe`). A FIN from one side
 * is passed on as a FIN to the other (half-close) and the other direction keeps flowing; once
 * either socket is closed or fails, the other is ended (after what is already queued) and both
 * are destroyed. Idle: no byte either way for `idleMs` (every byte is a read or a write on the
 * client socket, so its socket timeout measures both directions) closes both.
 */
export class Tunnel {
  #ended: TunnelEnd | undefined;
  #closedSockets = 0;
  readonly #up0: number;
  readonly #down0: number;

  constructor(
    readonly client: Socket,
    readonly upstream: Socket,
    idleMs: number,
    /** Called once, when both sockets are closed; the byte counts exclude the handshake. */
    private readonly onClosed: (reason: TunnelEnd, toUpstream: number, toClient: number) => void,
  ) {
    this.#up0 = upstream.bytesWritten;
    this.#down0 = client.bytesWritten;
    client.on('error', () => this.#end('error'));
    upstream.on('error', () => this.#end('error'));
    client.on('close', () => this.#socketClosed('client'));
    upstream.on('close', () => this.#socketClosed('upstream'));
    client.setTimeout(idleMs > 0 ? idleMs : 0);
    upstream.setTimeout(0);
    if (idleMs > 0) client.on('timeout', () => this.#end('idle'));
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
    upstream.resume();
  }

  /** Cut both sockets now (shutdown after the drain deadline). */
  destroy(): void {
    this.#end('shutdown');
  }

  #socketClosed(side: 'client' | 'upstream'): void {
    this.#ended ??= side;
    // The other side gets what is already queued for it, then a FIN, then is destroyed.
    const other = side === 'client' ? this.upstream : this.client;
    if (!other.destroyed) {
      if (!other.writableEnded) other.end();
      if (other.writableFinished) other.destroy();
      else {
        other.once('finish', () => other.destroy());
        // A peer that does not read what is left: cut it rather than hold the socket.
        other.setTimeout(CLOSE_GRACE_MS, () => other.destroy());
      }
    }
    if (++this.#closedSockets === 2) {
      this.onClosed(this.#ended, this.upstream.bytesWritten - this.#up0, this.client.bytesWritten - this.#down0);
    }
  }

  #end(reason: TunnelEnd): void {
    this.#ended ??= reason;
    this.client.destroy();
    this.upstream.destroy();
  }
}
