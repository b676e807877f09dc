import type { JwtPluginConfig } from '../../model/jwt-config.js';

/**
 * Token collection (docs/kong-compatibility.md#request-flow): query parameters, cookies and headers feed
 * one set of distinct tokens.
 */
export type CollectedTokens =
  | { kind: 'none' }
  | { kind: 'multiple' }
  /** Only a query parameter without "=" (`?jwt`): Kong's "Unrecognizable token". */
  | { kind: 'unrecognizable' }
  | { kind: 'one'; token: string };

const NONE: CollectedTokens = Object.freeze({ kind: 'none' });
const MULTIPLE: CollectedTokens = Object.freeze({ kind: 'multiple' });
const UNRECOGNIZABLE: CollectedTokens = Object.freeze({ kind: 'unrecognizable' });

/** Precomputed lookups for one plugin config, so a request only scans its own data. */
export interface TokenSourcePlan {
  uriParamNames: ReadonlySet<string>;
  cookieNames: readonly string[];
  /** Lower-cased header name → bit index, for "first occurrence only". */
  headerIndex: ReadonlyMap<string, number>;
  /** Lengths of configured header names: skips lower-casing headers that cannot match. */
  headerLengths: ReadonlySet<number>;
  wantsCookies: boolean;
}

export function planTokenSources(config: JwtPluginConfig): TokenSourcePlan {
  const headerIndex = new Map<string, number>();
  for (const name of config.headerNames) {
    const lower = name.toLowerCase();
    if (!headerIndex.has(lower)) headerIndex.set(lower, headerIndex.size);
  }
  return {
    uriParamNames: new Set(config.uriParamNames),
    cookieNames: [...config.cookieNames],
    headerIndex,
    headerLengths: new Set([...headerIndex.keys()].map((n) => n.length)),
    wantsCookies: config.cookieNames.length > 0,
  };
}

/** Accumulates distinct tokens without allocating a Set on the hot path. */
class TokenSet {
  first: string | undefined = undefined;
  multiple = false;
  bare = false;

  add(token: string): void {
    if (token === '') return;
    if (this.first === undefined) this.first = token;
    else if (this.first !== token) this.multiple = true;
  }

  result(): CollectedTokens {
    const count = (this.first === undefined ? 0 : 1) + (this.bare ? 1 : 0);
    if (this.multiple || count > 1) return MULTIPLE;
    if (this.first !== undefined) return { kind: 'one', token: this.first };
    return this.bare ? UNRECOGNIZABLE : NONE;
  }
}

export function collectTokens(plan: TokenSourcePlan, rawQuery: string, rawHeaders: readonly string[]): CollectedTokens {
  const set = new TokenSet();
  if (rawQuery !== '' && plan.uriParamNames.size > 0) collectFromQuery(plan.uriParamNames, rawQuery, set);
  if (plan.wantsCookies) collectFromCookies(plan.cookieNames, rawHeaders, set);
  if (plan.headerIndex.size > 0) collectFromHeaders(plan, rawHeaders, set);
  return set.result();
}

/**
 * Query parsing as nginx's get_uri_args: "&"-separated, split at the first "=", names and
 * values URL-decoded ("+" is a space), names case-sensitive. A name without "=" is a bare flag;
 * an empty value is ignored.
 */
function collectFromQuery(names: ReadonlySet<string>, rawQuery: string, set: TokenSet): void {
  let start = 0;
  const len = rawQuery.length;
  while (start <= len) {
    let end = rawQuery.indexOf('&', start);
    if (end === -1) end = len;
    if (end > start) {
      const eq = rawQuery.indexOf('=', start);
      if (eq === -1 || eq > end) {
        if (names.has(urlDecode(rawQuery.slice(start, end)))) set.bare = true;
      } else if (eq > start && names.has(urlDecode(rawQuery.slice(start, eq)))) {
        set.add(urlDecode(rawQuery.slice(eq + 1, end)));
      }
    }
    start = end + 1;
  }
}

const HEX = /%[0-9A-Fa-f]{2}/;

/** Lenient URL decoding like nginx: "+" → space, valid %XX decoded, malformed escapes kept. */
export function urlDecode(text: string): string {
  if (text.indexOf('%') === -1) return text.indexOf('+') === -1 ? text : text.replace(/\+/g, ' ');
  if (!HEX.test(text)) return text.replace(/\+/g, ' ');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 /* % */ && i + 2 < text.length && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === 0x2b /* + */) {
      bytes.push(0x20);
    } else {
      // Non-ASCII characters were already decoded by someone: keep them as UTF-8.
      for (const b of Buffer.from(text[i]!, 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/**
 * Cookies as nginx's $cookie_<name>: the first matching cookie across all Cookie headers,
 * name compared case-insensitively, value raw (no decoding, quotes kept).
 */
function collectFromCookies(names: readonly string[], rawHeaders: readonly string[], set: TokenSet): void {
  for (const wanted of names) {
    const found = findCookie(wanted.toLowerCase(), rawHeaders);
    if (found !== undefined) set.add(found);
  }
}

export function findCookie(lowerName: string, rawHeaders: readonly string[]): string | undefined {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length !== 6 || name.toLowerCase() !== 'cookie') continue;
    for (const pair of rawHeaders[i + 1]!.split(';')) {
      const eq = pair.indexOf('=');
      if (eq === -1) continue;
      if (pair.slice(0, eq).trim().toLowerCase() !== lowerName) continue;
      const value = pair.slice(eq + 1).trim();
      if (value !== '') return value;
    }
  }
  return undefined;
}

/**
 * Headers: names case-insensitive, only the FIRST occurrence of each configured header counts
 * (node would join or drop repeats), and it contributes only as `Bearer <token>` with the scheme
 * matched case-insensitively at the start of the value (docs/kong-compatibility.md#stricter-than-kong).
 */
function collectFromHeaders(plan: TokenSourcePlan, rawHeaders: readonly string[], set: TokenSet): void {
  let seen = 0;
  let seenMany: Set<number> | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (!plan.headerLengths.has(name.length)) continue;
    const index = plan.headerIndex.get(name.toLowerCase());
    if (index === undefined) continue;
    if (index < 30) {
      const bit = 1 << index;
      if ((seen & bit) !== 0) continue;
      seen |= bit;
    } else {
      seenMany ??= new Set();
      if (seenMany.has(index)) continue;
      seenMany.add(index);
    }
    const token = bearerToken(rawHeaders[i + 1]!);
    if (token !== undefined) set.add(token);
  }
}

/** The credentials after a case-insensitive "Bearer" scheme and whitespace, or undefined. */
export function bearerToken(value: string): string | undefined {
  let i = 0;
  while (i < value.length && isSpace(value.charCodeAt(i))) i++;
  if (value.length - i < 7) return undefined;
  if (value.slice(i, i + 6).toLowerCase() !== 'bearer') return undefined;
  i += 6;
  if (!isSpace(value.charCodeAt(i))) return undefined;
  while (i < value.length && isSpace(value.charCodeAt(i))) i++;
  return i < value.length ? value.slice(i) : undefined;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09;
}
