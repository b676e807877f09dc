import http2, { type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import type { PeerCertificate } from 'node:tls';
import type { Dispatcher } from 'undici';
import type { UpstreamTlsClient } from './upstream-tls.js';

/** What UpstreamPools hands the handler: an undici Pool, or an H2Upstream for grpc/grpcs services. */
export interface UpstreamDispatcher {
  dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean;
  close(): Promise<void>;
  destroy(): Promise<void>;
  readonly closed: boolean;
  readonly destroyed: boolean;
}

export interface H2UpstreamOptions {
  host: string;
  port: number;
  /**
   * grpcs: TLS with ALPN h2 and the upstream's TLS settings, as for https services (trust store,
   * verification, depth, client certificate: upstream-tls.ts); undefined: grpc, cleartext h2.
   */
  tls?: UpstreamTlsClient;
  /**
   * grpcs: the SNI and verified name unless the upstream names one (tls.servername): the Host
   * header sent upstream without its port, as for https (Kong's $upstream_host). Default: `host`.
   */
  sniName?: string;
  connectTimeoutMs: number;
  /** Close the session after this long without frames (ms). */
  idleTimeoutMs: number;
}

/** Connection-specific request fields HTTP/2 forbids (RFC 9113 §8.2.2); forward-headers.ts drops most already. */
const H2_FORBIDDEN = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);
/** Fields of a trailers-only upstream response that stay response headers; the rest are its trailers. */
const HEAD_FIELDS = new Set(['content-type', 'date', 'server']);

function connectError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * A grpc/grpcs upstream target over node:http2 (docs/http2-grpc.md#grpc): one multiplexed
 * session per target, opened on first use and replaced when the peer sends GOAWAY or it closes.
 * It speaks undici's raw dispatch-handler protocol (onConnect/onHeaders/onData/onComplete/onError),
 * so forward.ts relays its responses, read timeouts and backpressure exactly as for HTTP/1.1
 * upstreams, plus trailers (grpc-status, grpc-message and custom ones).
 */
export class H2Upstream implements UpstreamDispatcher {
  #session: ClientHttp2Session | undefined;
  /** Why a session failed (ECONNREFUSED, connect timeout …): its streams only see a cancel. */
  readonly #errors = new WeakMap<ClientHttp2Session, Error>();
  #closed = false;
  #destroyed = false;
  readonly #authority: string;
  readonly #scheme: 'http' | 'https';

  constructor(readonly opts: H2UpstreamOptions) {
    const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
    this.#authority = `${host}:${opts.port}`;
    this.#scheme = opts.tls !== undefined ? 'https' : 'http';
  }

  get closed(): boolean {
    return this.#closed;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  #connect(): ClientHttp2Session {
    const current = this.#session;
    if (current !== undefined && !current.closed && !current.destroyed) return current;
    const { host, connectTimeoutMs, idleTimeoutMs, tls } = this.opts;
    const session = http2.connect(`${this.#scheme}://${this.#authority}`, tls === undefined ? {} : this.#tlsOptions(tls, host));
    const timer = setTimeout(() => session.destroy(connectError('upstream connect timeout', 'UND_ERR_CONNECT_TIMEOUT')), connectTimeoutMs);
    timer.unref();
    session.once('connect', () => clearTimeout(timer));
    // Errors reach every open stream (their 'error'/'close'); this keeps an unhandled one from throwing.
    session.on('error', (err) => {
      this.#errors.set(session, err);
      tls?.report(err);
    });
    const forget = (): void => {
      clearTimeout(timer);
      if (this.#session === session) this.#session = undefined;
    };
    session.once('goaway', forget);
    session.once('close', forget);
    session.setTimeout(idleTimeoutMs, () => {
      if (!session.closed) session.close();
    });
    this.#session = session;
    return session;
  }

  /** tls.connect options of a grpcs session: ALPN h2, the upstream's SecureContext and checks, SNI (none for an IP). */
  #tlsOptions(tls: UpstreamTlsClient, host: string): http2.SecureClientSessionOptions {
    const name = tls.servername ?? this.opts.sniName ?? host;
    return {
      ALPNProtocols: ['h2'],
      secureContext: tls.secureContext,
      rejectUnauthorized: tls.rejectUnauthorized,
      ...(tls.checkServerIdentity ? { checkServerIdentity: (_host: string, cert: PeerCertificate) => tls.checkServerIdentity!(name, cert) } : {}),
      ...(name !== '' && isIP(name) === 0 ? { servername: name } : {}),
    };
  }

  dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    new H2Exchange(this, opts, handler).start();
    return true;
  }

  /** The session for the next stream, and the value of :authority / :scheme. */
  session(): ClientHttp2Session {
    return this.#connect();
  }

  errorOf(session: ClientHttp2Session): Error | undefined {
    return this.#errors.get(session);
  }

  get scheme(): 'http' | 'https' {
    return this.#scheme;
  }

  get authority(): string {
    return this.#authority;
  }

  close(): Promise<void> {
    this.#closed = true;
    const s = this.#session;
    this.#session = undefined;
    if (s === undefined || s.closed || s.destroyed) return Promise.resolve();
    return new Promise((resolve) => s.close(() => resolve()));
  }

  destroy(): Promise<void> {
    this.#closed = true;
    this.#destroyed = true;
    this.#session?.destroy();
    this.#session = undefined;
    return Promise.resolve();
  }
}

/** Flat [name, value, …] Buffers, as undici's raw interface hands headers over; pseudo-headers left out. */
function rawFields(h: IncomingHttpHeaders, keep: (name: string) => boolean): Buffer[] {
  const out: Buffer[] = [];
  for (const name of Object.keys(h)) {
    if (name.charCodeAt(0) === 58 /* : */ || !keep(name)) continue;
    const v = h[name];
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) out.push(Buffer.from(name, 'latin1'), Buffer.from(String(one), 'latin1'));
  }
  return out;
}

/** One request/response over an upstream HTTP/2 stream, driving an undici dispatch handler. */
class H2Exchange {
  #stream: ClientHttp2Stream | undefined;
  #done = false;
  #trailers: Buffer[] | null = null;

  constructor(
    readonly upstream: H2Upstream,
    readonly opts: Dispatcher.DispatchOptions,
    readonly handler: Dispatcher.DispatchHandler,
  ) {}

  #fail(err: Error): void {
    if (this.#done) return;
    this.#done = true;
    const body = this.opts.body as Readable | null | undefined;
    if (body && this.#stream) body.unpipe(this.#stream);
    if (this.#stream && !this.#stream.destroyed) this.#stream.close(http2.constants.NGHTTP2_CANCEL);
    this.handler.onError?.(err);
  }

  start(): void {
    const { handler, opts, upstream } = this;
    let session: ClientHttp2Session;
    try {
      session = upstream.session();
    } catch (err) {
      return this.#fail(err as Error);
    }
    handler.onConnect?.((err?: Error) => this.#fail(err ?? new Error('aborted')));
    if (this.#done) return;

    const headers: OutgoingHttpHeaders = {
      ':method': opts.method,
      ':path': opts.path,
      ':scheme': upstream.scheme,
      ':authority': upstream.authority,
    };
    const flat = (opts.headers ?? []) as string[];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const name = flat[i]!.toLowerCase();
      const value = flat[i + 1]!;
      if (name === 'host') headers[':authority'] = value;
      if (H2_FORBIDDEN.has(name)) continue;
      const prev = headers[name];
      headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [String(prev), value];
    }
    const body = opts.body as Readable | null | undefined;
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(headers, { endStream: !body });
    } catch (err) {
      return this.#fail(err as Error);
    }
    this.#stream = stream;

    stream.on('response', (h, flags) => {
      const status = Number(h[':status']);
      // A trailers-only answer (HEADERS with END_STREAM): its status fields travel as trailers, so
      // the client gets headers then trailers, which every gRPC client reads the same way.
      const trailersOnly = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0 && h['grpc-status'] !== undefined;
      if (trailersOnly) this.#trailers = rawFields(h, (n) => !HEAD_FIELDS.has(n));
      const raw = rawFields(h, trailersOnly ? (n) => HEAD_FIELDS.has(n) : () => true);
      const go = handler.onHeaders?.(status, raw, () => stream.resume(), '');
      if (go === false) stream.pause();
    });
    stream.on('data', (chunk: Buffer) => {
      if (handler.onData?.(chunk) === false) stream.pause();
    });
    stream.on('trailers', (t) => {
      this.#trailers = rawFields(t, () => true);
    });
    stream.on('end', () => {
      if (this.#done) return;
      this.#done = true;
      handler.onComplete?.(this.#trailers as unknown as string[] | null);
    });
    // A failed session (e.g. ECONNREFUSED) says why better than its streams' cancel errors.
    stream.on('error', (err) => this.#fail(upstream.errorOf(session) ?? err));
    stream.on('close', () => {
      if (this.#done) return;
      this.#fail(upstream.errorOf(session) ?? connectError(`upstream stream closed (${stream.rstCode ?? 'no code'})`, 'ECONNRESET'));
    });

    if (body) {
      body.on('data', () => handler.onBodySent?.(0, 0));
      body.on('error', (err) => this.#fail(err));
      body.pipe(stream);
    }
  }
}
