/**
 * IP addresses and CIDR blocks for the trusted-proxy checks (docs/client-ip.md): parsing into
 * 32-bit words without allocating, the canonical text (RFC 5952, what node's socket.remoteAddress
 * and nginx's $remote_addr print), and a matcher compiled once from the --trusted-ips list.
 *
 * An address is parsed into a caller-owned Uint32Array(4): IPv4 in word 3 (family 4), IPv6 in
 * words 0-3 (family 6). An IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-stack listener
 * reports for IPv4 peers) also matches IPv4 blocks, as nginx's ngx_cidr_match does.
 */

export type IpFamily = 4 | 6;

/** Parses dotted-quad IPv4 from text[start, end) into a uint32, or -1. Strict: 4 parts, 0-255, no leading zeros. */
function parseV4(text: string, start: number, end: number): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = start; i <= end; i++) {
    const c = i === end ? 0x2e : text.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || parts === 4) return -1;
      value = value * 256 + part;
      parts++;
      part = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && part === 0) return -1; // leading zero ("01" could be read as octal elsewhere)
      part = part * 10 + (c - 0x30);
      if (part > 255) return -1;
      digits++;
    } else {
      return -1;
    }
  }
  return parts === 4 ? value : -1;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

/** IPv6 (with an optional trailing dotted quad) from text[start, end) into out; false if invalid. */
function parseV6(text: string, start: number, end: number, out: Uint32Array): boolean {
  const groups = [0, 0, 0, 0, 0, 0, 0, 0];
  let n = 0;
  let gap = -1;
  let i = start;
  if (end - start < 2) return false;
  if (text.charCodeAt(i) === 0x3a) {
    if (text.charCodeAt(i + 1) !== 0x3a) return false;
    gap = 0;
    i += 2;
    if (i === end) {
      out.fill(0);
      return true;
    }
  }
  for (;;) {
    if (n === 8) return false;
    let v = 0;
    let digits = 0;
    let j = i;
    while (j < end && digits <= 4) {
      const d = hexDigit(text.charCodeAt(j));
      if (d < 0) break;
      v = v * 16 + d;
      digits++;
      j++;
    }
    if (digits === 0 || digits > 4) return false;
    if (j < end && text.charCodeAt(j) === 0x2e) {
      // Embedded IPv4 in the last 32 bits.
      if (n > 6) return false;
      const v4 = parseV4(text, i, end);
      if (v4 < 0) return false;
      groups[n++] = v4 >>> 16;
      groups[n++] = v4 & 0xffff;
      break;
    }
    groups[n++] = v;
    if (j === end) break;
    if (text.charCodeAt(j) !== 0x3a) return false;
    j++;
    if (j < end && text.charCodeAt(j) === 0x3a) {
      if (gap >= 0) return false;
      gap = n;
      j++;
      if (j === end) break;
    } else if (j === end) {
      return false; // trailing single ":"
    }
    i = j;
  }
  if (gap >= 0) {
    if (n === 8) return false; // "::" must stand for at least one group
    const tail = n - gap;
    for (let k = 0; k < tail; k++) groups[7 - k] = groups[n - 1 - k]!;
    for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  } else if (n !== 8) {
    return false;
  }
  for (let w = 0; w < 4; w++) out[w] = ((groups[2 * w]! << 16) | groups[2 * w + 1]!) >>> 0;
  return true;
}

/**
 * Parses text[start, end) (default: all of it) as an IPv4 or IPv6 literal into `out`; returns the
 * family or 0. No brackets, ports or zone ids (callers strip them).
 */
export function parseIp(text: string, out: Uint32Array, start = 0, end = text.length): IpFamily | 0 {
  let colon = false;
  for (let i = start; i < end; i++) {
    if (text.charCodeAt(i) === 0x3a) {
      colon = true;
      break;
    }
  }
  if (!colon) {
    const v4 = parseV4(text, start, end);
    if (v4 < 0) return 0;
    out[0] = 0;
    out[1] = 0;
    out[2] = 0;
    out[3] = v4;
    return 4;
  }
  return parseV6(text, start, end, out) ? 6 : 0;
}

function isV4Mapped(w: Uint32Array): boolean {
  return w[0] === 0 && w[1] === 0 && w[2] === 0xffff;
}

function v4Text(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/**
 * The canonical text of a parsed address: dotted quad, or compressed IPv6 exactly as libuv's
 * inet_ntop (so node's socket.remoteAddress) writes it, IPv4-mapped and -compatible forms included.
 */
export function formatIp(family: IpFamily, w: Uint32Array): string {
  if (family === 4) return v4Text(w[3]!);
  const g: number[] = [];
  for (let i = 0; i < 4; i++) g.push(w[i]! >>> 16, w[i]! & 0xffff);
  // The longest run of two or more zero groups (the first of equal runs) becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number, b: number) => g.slice(a, b).map((x) => x.toString(16)).join(':');
  if (best === 0 && (bestLen === 6 || (bestLen === 5 && g[5] === 0xffff))) return `::${bestLen === 5 ? 'ffff:' : ''}${v4Text(w[3]!)}`;
  if (best < 0) return hex(0, 8);
  return `${hex(0, best)}::${hex(best + bestLen, 8)}`;
}

/** The canonical text of an address literal, or undefined if `text` is not one. */
export function canonicalIp(text: string): string | undefined {
  const w = new Uint32Array(4);
  const family = parseIp(text, w);
  return family === 0 ? undefined : formatIp(family, w);
}

export interface Cidr {
  family: IpFamily;
  /** Network words, host bits cleared (IPv4 in word 3). */
  network: Uint32Array;
  prefix: number;
}

/** "10.0.0.0/8", "2001:db8::/32", or a bare address (/32, /128); host bits are cleared, as nginx does. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const network = new Uint32Array(4);
  const family = parseIp(text, network, 0, slash === -1 ? text.length : slash);
  if (family === 0) return undefined;
  const max = family === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const p = text.slice(slash + 1);
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > max) return undefined;
    prefix = Number(p);
  }
  const first = family === 4 ? 3 : 0;
  for (let w = first; w < 4; w++) network[w] = network[w]! & wordMask(prefix - (family === 4 ? 0 : 32 * w));
  return { family, network, prefix };
}

/** Mask of the first `bits` bits of a 32-bit word (bits <= 0: none, >= 32: all). */
function wordMask(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return (0xffffffff << (32 - bits)) >>> 0;
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.family, c.network)}/${c.prefix}`;
}

/**
 * Membership test against a fixed CIDR list, compiled once: IPv4 blocks are (network, mask) pairs
 * of numbers, IPv6 blocks four of each. `contains(text)` parses into a reused buffer: no allocation.
 */
export class CidrMatcher {
  readonly #v4: number[] = [];
  readonly #v6: number[] = [];
  readonly #scratch = new Uint32Array(4);
  readonly #allV4: boolean;
  readonly #allV6: boolean;

  constructor(cidrs: readonly Cidr[]) {
    for (const c of cidrs) {
      if (c.family === 4) {
        this.#v4.push(c.network[3]!, wordMask(c.prefix));
      } else {
        for (let w = 0; w < 4; w++) this.#v6.push(c.network[w]!, wordMask(c.prefix - 32 * w));
      }
    }
    this.#allV4 = cidrs.some((c) => c.family === 4 && c.prefix === 0);
    this.#allV6 = cidrs.some((c) => c.family === 6 && c.prefix === 0);
  }

  get empty(): boolean {
    return this.#v4.length === 0 && this.#v6.length === 0;
  }

  /** `text` is an address (a zone id after "%" is ignored) inside one of the blocks. */
  contains(text: string): boolean {
    if (this.#allV4 && this.#allV6) return true;
    const w = this.#scratch;
    const pct = text.indexOf('%');
    const family = parseIp(text, w, 0, pct === -1 ? text.length : pct);
    if (family === 0) return false;
    return this.containsParsed(family, w);
  }

  containsParsed(family: IpFamily, w: Uint32Array): boolean {
    if (family === 4 || isV4Mapped(w)) {
      if (this.#allV4) return true;
      const a = w[3]!;
      const v4 = this.#v4;
      for (let i = 0; i < v4.length; i += 2) if (((a & v4[i + 1]!) >>> 0) === v4[i]) return true;
      if (family === 4) return false;
    }
    if (this.#allV6) return true;
    const v6 = this.#v6;
    for (let i = 0; i < v6.length; i += 8) {
      if (
        ((w[0]! & v6[i + 1]!) >>> 0) === v6[i] &&
        ((w[1]! & v6[i + 3]!) >>> 0) === v6[i + 2] &&
        ((w[2]! & v6[i + 5]!) >>> 0) === v6[i + 4] &&
        ((w[3]! & v6[i + 7]!) >>> 0) === v6[i + 6]
      ) {
        return true;
      }
    }
    return false;
  }
}
