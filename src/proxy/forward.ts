import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';

/** Response headers that describe one hop and must not be relayed (RFC 9110 §7.6.1). */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authenticate'];

export interface ForwardResult {
  /** Status sent to the client, or 0 when the exchange failed before any response byte. */
  status: number;
  /** ms from dispatch to upstream response headers. */
  upstreamLatencyMs: number;
}

export interface ForwardCallbacks {
  /** Extra headers on the relayed response (already lower-case, mutable object is fine). */
  decorate(headers: IncomingHttpHeaders, upstreamLatencyMs: number): void;
  /** Failure before any response was written; `retryable` true if another attempt is allowed. */
  onFailure(err: Error, responseStarted: boolean): void;
  onDone(result: ForwardResult): void;
}

/**
 * Streams one upstream exchange into `res` through undici's dispatch API (no buffering, both
 * directions): the request body is `req` itself, the response is written chunk by chunk with
 * backpressure (pause the upstream when the client socket is full).
 */
export class ForwardHandler implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | undefined;
  #started = false;
  #status = 0;
  readonly #t0 = performance.now();
  #upstreamLatencyMs = 0;
  #finished = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly cb: ForwardCallbacks,
  ) {}

  /** Client went away: stop the upstream exchange. */
  abort(reason: Error): void {
    if (this.#finished) return;
    this.#controller?.abort(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.res.destroyed) controller.abort(new Error('client closed'));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    if (statusCode < 200) return; // 1xx informational: not relayed
    this.#started = true;
    this.#status = statusCode;
    this.#upstreamLatencyMs = performance.now() - this.#t0;
    const conn = headers.connection;
    if (typeof conn === 'string') {
      for (const token of conn.split(',')) delete headers[token.trim().toLowerCase()];
    }
    for (const h of HOP_BY_HOP) delete headers[h];
    this.cb.decorate(headers, this.#upstreamLatencyMs);
    const res = this.res;
    if (res.destroyed) {
      controller.abort(new Error('client closed'));
      return;
    }
    res.writeHead(statusCode, statusMessage || undefined, headers as Record<string, string | string[]>);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.res.write(chunk)) {
      controller.pause();
      this.res.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    this.#finished = true;
    this.res.end();
    this.cb.onDone({ status: this.#status, upstreamLatencyMs: this.#upstreamLatencyMs });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.#finished = true;
    if (this.#started) {
      // Mid-body failure: the status is out, so the only honest signal is a cut connection.
      this.res.destroy();
      this.cb.onDone({ status: this.#status, upstreamLatencyMs: this.#upstreamLatencyMs });
      return;
    }
    this.cb.onFailure(err, false);
  }
}

/** true when the request carries a body (so it cannot be replayed on retry). */
export function hasRequestBody(req: IncomingMessage): boolean {
  const cl = req.headers['content-length'];
  if (cl !== undefined) return cl !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}
