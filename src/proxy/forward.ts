import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { ReadDeadlines, Watched } from './read-deadlines.js';
import type { GatewayHeaderModifier } from '../model/gateway-routes.js';
import { modifyHeaders } from './gateway-rule.js';

/** What the handler adds to a relayed response, and what it does when the exchange fails. */
export interface RelayContext {
  readonly requestId: string;
  /** Value of X-Portcullis-Proxy-Latency, or undefined to send no latency headers. */
  readonly proxyLatencyHeader: string | undefined;
  /** Upstream response headers arrived (for the access log). */
  upstreamLatencyMs: number | undefined;
  /** Failure before any response was written. */
  onFailure(err: Error): void;
  /** The client speaks HTTP/2 (node:http2 compat response): no status text, trailers relayed. */
  readonly h2: boolean;
  /** An HTTPRoute's ResponseHeaderModifier (docs/gateway-api.md#filters); undefined otherwise. */
  readonly responseHeaders?: GatewayHeaderModifier | undefined;
}

/** Http2ServerResponse has no `destroyed`; its stream does. */
function clientGone(res: ServerResponse, h2: boolean): boolean {
  return res.destroyed || (h2 && (res as unknown as { stream: { destroyed: boolean } }).stream.destroyed);
}

/** Response header appended to Via, as Kong appends "1.1 kong/x". */
export const VIA_TOKEN = '1.1 portcullis';

/** Response header names the relay drops or replaces (lower-case), by kind. */
const enum Drop {
  Keep = 0,
  /** Hop-by-hop (RFC 9110 §7.6.1): connection, keep-alive, proxy-connection, transfer-encoding, te, trailer, upgrade, proxy-authenticate. */
  HopByHop,
  Connection,
  Via,
  /** Set by the gateway itself: x-request-id, and the latency headers when they are on. */
  Own,
  Latency,
}

/** ASCII case-insensitive compare of `name` against a lower-case literal of the same length. */
function sameLower(name: string, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Classifies a response header name without lower-casing it (no string allocated or hashed). */
function classify(name: string): Drop {
  switch (name.length) {
    case 2:
      return sameLower(name, 'te') ? Drop.HopByHop : Drop.Keep;
    case 3:
      return sameLower(name, 'via') ? Drop.Via : Drop.Keep;
    case 7:
      return sameLower(name, 'upgrade') || sameLower(name, 'trailer') ? Drop.HopByHop : Drop.Keep;
    case 10:
      if (sameLower(name, 'connection')) return Drop.Connection;
      return sameLower(name, 'keep-alive') ? Drop.HopByHop : Drop.Keep;
    case 12:
      return sameLower(name, 'x-request-id') ? Drop.Own : Drop.Keep;
    case 16:
      return sameLower(name, 'proxy-connection') ? Drop.HopByHop : Drop.Keep;
    case 17:
      return sameLower(name, 'transfer-encoding') ? Drop.HopByHop : Drop.Keep;
    case 18:
      return sameLower(name, 'proxy-authenticate') ? Drop.HopByHop : Drop.Keep;
    case 26:
      return sameLower(name, 'x-portcullis-proxy-latency') ? Drop.Latency : Drop.Keep;
    case 29:
      return sameLower(name, 'x-portcullis-upstream-latency') ? Drop.Latency : Drop.Keep;
    default:
      return Drop.Keep;
  }
}

/** The Connection values nearly every upstream sends, as their token sets (no split, no Set per response). */
const KEEP_ALIVE_TOKENS: ReadonlySet<string> = new Set(['keep-alive']);
const CLOSE_TOKENS: ReadonlySet<string> = new Set(['close']);

/** Lower-cased header names a Connection header lists (so they are dropped too), or null. */
function connectionTokens(values: string[]): ReadonlySet<string> | null {
  if (values.length === 1) {
    const v = values[0]!;
    if (v.length === 10 && sameLower(v, 'keep-alive')) return KEEP_ALIVE_TOKENS;
    if (v.length === 5 && sameLower(v, 'close')) return CLOSE_TOKENS;
  }
  let out: Set<string> | null = null;
  for (const v of values) {
    for (const part of v.split(',')) {
      const t = part.trim().toLowerCase();
      if (t !== '') (out ??= new Set()).add(t);
    }
  }
  return out;
}

/**
 * Relayed response headers as a flat [name, value, …] list (res.writeHead takes it as is, repeats
 * such as Set-Cookie kept in order): the upstream's headers without hop-by-hop ones and without
 * those its Connection header names, Via extended, X-Request-Id and the latency headers ours.
 */
export function relayedHeaders(raw: Buffer[], ctx: RelayContext, upstreamLatencyMs: number): string[] {
  const out: string[] = [];
  let via: string | undefined;
  let connection: string[] | undefined;
  const latency = ctx.proxyLatencyHeader !== undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    const kind = classify(name);
    if (kind === Drop.Keep || (kind === Drop.Latency && !latency)) {
      out.push(name, raw[i + 1]!.toString('latin1'));
      continue;
    }
    if (kind === Drop.Via) {
      const v = raw[i + 1]!.toString('latin1');
      via = via === undefined ? v : `${via}, ${v}`;
    } else if (kind === Drop.Connection) {
      (connection ??= []).push(raw[i + 1]!.toString('latin1'));
    }
  }
  let result = out;
  if (connection !== undefined) {
    const listed = connectionTokens(connection);
    if (listed !== null) {
      result = [];
      for (let i = 0; i < out.length; i += 2) if (!listed.has(out[i]!.toLowerCase())) result.push(out[i]!, out[i + 1]!);
    }
  }
  result.push('via', via === undefined ? VIA_TOKEN : `${via}, ${VIA_TOKEN}`, 'x-request-id', ctx.requestId);
  if (latency) {
    result.push('x-portcullis-upstream-latency', String(Math.round(upstreamLatencyMs)), 'x-portcullis-proxy-latency', ctx.proxyLatencyHeader!);
  }
  return result;
}

/**
 * Streams one upstream exchange into `res` through undici's dispatch API (no buffering, both
 * directions): the request body is `req` itself, the response is written chunk by chunk with
 * backpressure (pause the upstream when the client socket is full).
 *
 * Implements undici's raw handler interface (onConnect/onHeaders/onData/onComplete/onError) rather
 * than the onResponse* one: that one is adapted by undici's UnwrapHandler, which first parses the raw
 * headers into an object (lower-casing every name) that we would then have to take apart again.
 * undici 8 drops this interface: hence the `>=7.24.0 <8` range in package.json.
 *
 * The read timeout is not undici's (see read-deadlines.ts): dispatch it with headersTimeout and
 * bodyTimeout 0; this handler is its own entry in the deadlines' list while it waits on the upstream.
 */
export class ForwardHandler implements Dispatcher.DispatchHandler, Watched {
  #abort: ((err?: Error) => void) | undefined;
  #resume: (() => void) | undefined;
  #started = false;
  readonly #t0 = performance.now();
  #finished = false;
  readonly #onDrain = (): void => {
    this.paused = false;
    this.lastActive = this.deadlines.stamp;
    this.#resume?.();
  };
  prevWatched: Watched | null = null;
  nextWatched: Watched | null = null;
  lastActive = 0;
  paused = false;
  headersReceived = false;

  constructor(
    /** The client's response; tracing finds its request's span by it (docs/tracing.md). */
    readonly res: ServerResponse,
    private readonly ctx: RelayContext,
    private readonly deadlines: ReadDeadlines,
    readonly readTimeoutMs: number,
  ) {}

  /** Client went away: stop the upstream exchange. */
  abort(reason: Error): void {
    if (this.#finished) return;
    this.#abort?.(reason);
  }

  /** The read timeout passed (called by the deadlines' sweep, already out of its list). */
  timedOut(err: Error): void {
    if (this.#finished) return;
    this.#abort?.(err);
  }

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort;
    if (clientGone(this.res, this.ctx.h2)) return abort(new Error('client closed'));
    if (this.readTimeoutMs > 0) this.deadlines.add(this);
  }

  /** A request body chunk went out: activity, as undici refreshes its headers timeout on each write. */
  onBodySent(): void {
    this.lastActive = this.deadlines.stamp;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    this.lastActive = this.deadlines.stamp;
    if (statusCode < 200) return true; // 1xx informational: not relayed
    this.#started = true;
    this.headersReceived = true;
    this.#resume = resume;
    const upMs = performance.now() - this.#t0;
    this.ctx.upstreamLatencyMs = upMs;
    const mod = this.ctx.responseHeaders;
    const headers = mod === undefined ? relayedHeaders(rawHeaders, this.ctx, upMs) : modifyHeaders(relayedHeaders(rawHeaders, this.ctx, upMs), mod);
    const res = this.res;
    const h2 = this.ctx.h2;
    if (clientGone(res, h2)) {
      this.#abort?.(new Error('client closed'));
      return false;
    }
    // HTTP/2 has no reason phrase (RFC 9113 §8.3.2); node warns when given one.
    if (h2) statusText = '';
    if (res.getHeaderNames().length > 0) {
      // Headers already set on `res` (connection: close while draining): writeHead would merge a
      // list with setHeader, keeping only the last of repeated names; append them instead.
      for (let i = 0; i < headers.length; i += 2) res.appendHeader(headers[i]!, headers[i + 1]!);
      res.writeHead(statusCode, statusText || undefined);
    } else {
      res.writeHead(statusCode, statusText || undefined, headers);
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.lastActive = this.deadlines.stamp;
    if (this.res.write(chunk)) return true;
    this.paused = true;
    this.res.once('drain', this.#onDrain);
    return false;
  }

  /** undici types `trailers` as strings; its HTTP/1.1 client passes Buffers (both handled). */
  onComplete(trailers: string[] | null): void {
    this.#finished = true;
    this.deadlines.remove(this);
    // Trailers (gRPC's grpc-status …) reach HTTP/2 clients; HTTP/1.x responses are not chunked-with-trailers here.
    if (trailers !== null && trailers.length !== 0 && this.ctx.h2) relayTrailers(this.res, trailers);
    this.res.end();
  }

  onError(err: Error): void {
    this.#finished = true;
    this.deadlines.remove(this);
    if (this.#started) {
      // Mid-body failure: the status is out, so the only honest signal is a cut connection.
      this.res.destroy();
      return;
    }
    this.ctx.onFailure(err);
  }
}

/** Trailer fields except hop-by-hop ones, appended to an HTTP/2 response before it ends. */
function relayTrailers(res: ServerResponse, raw: ReadonlyArray<Buffer | string>): void {
  const text = (v: Buffer | string): string => (typeof v === 'string' ? v : v.toString('latin1'));
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = text(raw[i]!).toLowerCase();
    if (classify(name) !== Drop.Keep) continue;
    const value = text(raw[i + 1]!);
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  res.addTrailers(out);
}

/** true when the request carries a body (so it cannot be replayed on retry). */
export function hasRequestBody(req: IncomingMessage): boolean {
  const cl = req.headers['content-length'];
  if (cl !== undefined) return cl !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}
