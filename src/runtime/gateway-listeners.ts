import net from 'node:net';
import type http from 'node:http';
import type { Logger } from '../observability/logger.js';
import type { Snapshot } from '../snapshot/types.js';

/**
 * The per-Gateway pod ports (docs/gateway-api.md#one-address-per-gateway): every replica (and
 * every worker) opens a plaintext listener on each port the live snapshot names and closes those it
 * no longer names. Each hands its connections to the proxy's own HTTP server, so they get the same
 * handler, h2c, PROXY protocol and drain; the router tells them apart by the local port.
 */
export class GatewayListeners {
  readonly #servers = new Map<number, net.Server>();
  #closed = false;

  constructor(
    private readonly server: http.Server,
    private readonly host: string,
    private readonly logger: Logger,
  ) {}

  /** Open and close listeners to match the snapshot; a port that cannot bind is logged and retried on the next snapshot. */
  apply(snap: Snapshot | undefined): void {
    if (this.#closed) return;
    const want = new Set(snap?.gatewayListenerPorts ?? []);
    for (const [port, s] of this.#servers) {
      if (want.has(port)) continue;
      this.#servers.delete(port);
      s.close();
      this.logger.info({ port }, 'Gateway listener closed');
    }
    for (const port of want) {
      if (this.#servers.has(port)) continue;
      const s = net.createServer({ pauseOnConnect: false }, (socket) => this.server.emit('connection', socket));
      this.#servers.set(port, s);
      s.once('error', (err) => {
        if (this.#servers.get(port) === s) this.#servers.delete(port);
        this.logger.error({ port, err: (err as Error).message }, 'Gateway listener could not open');
      });
      s.listen(port, this.host, () => this.logger.info({ port }, 'Gateway listener open'));
    }
  }

  /** The ports listening now (tests, the admin view). */
  get ports(): number[] {
    return [...this.#servers.entries()].filter(([, s]) => s.listening).map(([p]) => p);
  }

  /** Stop accepting; connections already handed over drain with the proxy's server. */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#servers.values()];
    this.#servers.clear();
    await Promise.all(all.map((s) => new Promise<void>((r) => (s.listening ? s.close(() => r()) : r()))));
  }
}
