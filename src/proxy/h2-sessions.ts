import type { Http2Server, Http2SecureServer, ServerHttp2Session } from 'node:http2';

/**
 * The HTTP/2 sessions of one proxy listener, for keep-alive idling and graceful shutdown
 * (docs/http2-grpc.md#shutdown): HTTP/2 has no `connection: close`, a session ends with GOAWAY.
 */
export class H2Sessions {
  readonly #live = new Set<ServerHttp2Session>();

  /** Tracks `server`'s sessions; each is closed (GOAWAY) after `idleMs` without frames, like an idle keep-alive connection. */
  track(server: Http2Server | Http2SecureServer, idleMs: number): void {
    server.on('session', (session: ServerHttp2Session) => {
      this.#live.add(session);
      session.once('close', () => this.#live.delete(session));
      // Errors (a client's protocol error, a reset socket) end the session; nothing to report.
      session.on('error', () => {});
      if (idleMs > 0) session.setTimeout(idleMs, () => session.close());
    });
  }

  /** GOAWAY to every session: idle ones close now, busy ones after their streams. */
  closeIdle(): void {
    for (const s of this.#live) if (!s.closed) s.close();
  }

  /** Drain timeout passed: cut what is left. */
  destroyAll(): void {
    for (const s of this.#live) s.destroy();
    this.#live.clear();
  }

  get size(): number {
    return this.#live.size;
  }
}
