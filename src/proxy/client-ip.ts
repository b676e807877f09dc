import type { IncomingMessage } from 'node:http';
import { PROXY_PROTOCOL, type ClientIpSettings } from '../model/client-ip-settings.js';
import { CidrMatcher, formatIp, parseCidr, parseIp, type IpFamily } from '../model/ip-address.js';
import { proxyHeaderOf } from './proxy-protocol.js';

/**
 * The real client address, as nginx's realip module computes it for Kong (docs/client-ip.md):
 * only when the connecting peer is a trusted proxy is the configured header (or the PROXY
 * protocol's source address) believed. Its value is a list: the last address is taken; with
 * recursive on, trusted addresses are skipped from the right and the first untrusted one (or the
 * leftmost) is taken. An element that is not an address ("unknown", garbage) stops the walk at the
 * address before it. Built only when trusted IPs are configured: otherwise the handler never
 * calls in here (no per-request cost).
 */
export class ClientIpResolver {
  readonly #trusted: CidrMatcher;
  readonly #header: string;
  readonly #xff: boolean;
  readonly #proxyProtocol: boolean;
  readonly #recursive: boolean;
  readonly #scratch = new Uint32Array(4);

  constructor(settings: ClientIpSettings) {
    this.#trusted = new CidrMatcher(settings.trustedIps.map((t) => parseCidr(t)!));
    this.#header = settings.realIpHeader;
    this.#xff = settings.realIpHeader === 'x-forwarded-for';
    this.#proxyProtocol = settings.realIpHeader === PROXY_PROTOCOL;
    this.#recursive = settings.realIpRecursive;
  }

  /** The connecting peer is a trusted proxy: its X-Forwarded-* headers are kept, its real-IP header believed. */
  trusts(peer: string): boolean {
    return this.#trusted.contains(peer);
  }

  /** The client address for a request from a trusted `peer`. */
  realIp(req: IncomingMessage, peer: string): string {
    if (this.#proxyProtocol) {
      const h = proxyHeaderOf(req.socket);
      return h?.command === 'proxy' ? h.sourceAddress : peer;
    }
    // X-Forwarded-For: every occurrence, in order (node joins them with ", "); any other header:
    // its first occurrence, as nginx reads it.
    const value = this.#xff ? (req.headers['x-forwarded-for'] as string | undefined) : firstHeader(req.rawHeaders, this.#header);
    return value === undefined ? peer : this.walk(value, peer);
  }

  /** nginx's ngx_http_get_forwarded_addr over one list value, starting from the trusted peer. */
  walk(value: string, peer: string): string {
    let addr = peer;
    let end = value.length;
    const w = this.#scratch;
    for (;;) {
      while (end > 0 && isSeparator(value.charCodeAt(end - 1))) end--;
      if (end === 0) return addr;
      let start = end;
      while (start > 0 && !isSeparator(value.charCodeAt(start - 1))) start--;
      const family = parseAddrPort(value, start, end, w);
      if (family === 0) return addr;
      addr = formatIp(family, w);
      if (!this.#recursive || start === 0 || !this.#trusted.containsParsed(family, w)) return addr;
      end = start - 1;
    }
  }
}

/** A resolver when trusted IPs are configured; undefined (nothing to do per request) otherwise. */
export function createClientIpResolver(settings: ClientIpSettings | undefined): ClientIpResolver | undefined {
  return settings === undefined || settings.trustedIps.length === 0 ? undefined : new ClientIpResolver(settings);
}

function isSeparator(c: number): boolean {
  return c === 0x20 || c === 0x2c;
}

function firstHeader(raw: readonly string[], lower: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === lower.length && name.toLowerCase() === lower) return raw[i + 1];
  }
  return undefined;
}

/**
 * An address, optionally with a port, as nginx's ngx_parse_addr_port reads a list element:
 * "1.2.3.4", "1.2.3.4:5678", "2001:db8::1", "[2001:db8::1]:443" (a port 1-65535 is required
 * after brackets). The port is dropped.
 */
function parseAddrPort(text: string, start: number, end: number, w: Uint32Array): IpFamily | 0 {
  const whole = parseIp(text, w, start, end);
  if (whole !== 0) return whole;
  let addrEnd: number;
  let addrStart = start;
  if (text.charCodeAt(start) === 0x5b) {
    const close = text.indexOf(']', start);
    if (close === -1 || close >= end - 1 || text.charCodeAt(close + 1) !== 0x3a) return 0;
    addrStart = start + 1;
    addrEnd = close;
  } else {
    addrEnd = text.indexOf(':', start);
    if (addrEnd === -1 || addrEnd >= end) return 0;
  }
  const port = text.slice(addrEnd + (text.charCodeAt(addrEnd) === 0x5d ? 2 : 1), end);
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) return 0;
  return parseIp(text, w, addrStart, addrEnd);
}
