/**
 * Request-path handling with Kong 3.x semantics (kong/tools/uri.lua `normalize`, kong/router/utils.lua
 * `get_upstream_uri` / `sanitize_uri_postfix`, runloop `escape`). Pure functions, hot path.
 */

const SLASH = 0x2f;
const DOT = 0x2e;
const PERCENT = 0x25;

/**
 * Reserved characters (RFC 3986 gen-delims + sub-delims, plus % and #): Kong keeps their
 * percent-encodings (upper-cased) because decoding them would change the path's meaning.
 * Everything else (unreserved and "other" characters) is decoded, as Kong does.
 */
const RESERVED = new Uint8Array(128);
for (const c of "!*'();:@&=+$,/?%#[]") RESERVED[c.charCodeAt(0)] = 1;

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

const HEX_UPPER = '0123456789ABCDEF';

/**
 * Decodes percent-encodings of non-reserved characters; upper-cases the rest. Runs of encoded
 * bytes >= 0x80 are decoded as UTF-8 when valid and otherwise kept encoded (upper-cased), so a
 * path never holds replacement characters. Returns null on a malformed `%` escape (nginx: 400).
 */
function percentNormalize(path: string): string | null {
  let out = '';
  let last = 0;
  const n = path.length;
  let i = path.indexOf('%');
  while (i !== -1) {
    out += path.slice(last, i);
    // Gather one run of consecutive escapes starting at i.
    const bytes: number[] = [];
    let j = i;
    while (j < n && path.charCodeAt(j) === PERCENT) {
      if (j + 2 >= n) return null;
      const hi = hexValue(path.charCodeAt(j + 1));
      const lo = hexValue(path.charCodeAt(j + 2));
      if (hi < 0 || lo < 0) return null;
      bytes.push((hi << 4) | lo);
      j += 3;
    }
    out += decodeRun(bytes);
    last = j;
    i = path.indexOf('%', j);
  }
  return out + path.slice(last);
}

function encodeByte(b: number): string {
  return '%' + HEX_UPPER[b >> 4]! + HEX_UPPER[b & 15]!;
}

function decodeRun(bytes: number[]): string {
  let out = '';
  let k = 0;
  while (k < bytes.length) {
    const b = bytes[k]!;
    if (b < 0x80) {
      out += RESERVED[b] ? encodeByte(b) : String.fromCharCode(b);
      k++;
      continue;
    }
    // Multi-byte UTF-8 sequence: decode when well-formed, else keep the byte encoded.
    const len = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? (b <= 0xef ? 3 : 0) : b >= 0xc2 ? 2 : 0;
    if (len > 0 && k + len <= bytes.length) {
      const seq = Buffer.from(bytes.slice(k, k + len));
      const text = seq.toString('utf8');
      // A single code point that re-encodes to the same bytes is valid UTF-8.
      if (!text.includes('\uFFFD') && Buffer.byteLength(text) === len) {
        out += text;
        k += len;
        continue;
      }
    }
    out += encodeByte(b);
    k++;
  }
  return out;
}

/**
 * Removes dot segments (RFC 3986 §5.2.4) and merges runs of slashes, as Kong's `normalize(uri, true)`.
 * `/a/b/../c` → `/a/c`, `/a/./b` → `/a/b`, `/..` → `/`, `//a///b` → `/a/b`.
 */
function removeDotSegmentsAndMergeSlashes(path: string): string {
  const segments: string[] = [];
  let i = 0;
  const n = path.length;
  while (i < n) {
    // Here path[i] is always '/'.
    let j = i + 1;
    while (j < n && path.charCodeAt(j) !== SLASH) j++;
    const segLen = j - i - 1;
    const atEnd = j >= n;
    if (segLen === 0) {
      // Empty segment: "//" run is merged; a trailing "/" is kept.
      if (atEnd) segments.push('/');
    } else if (segLen === 1 && path.charCodeAt(i + 1) === DOT) {
      if (atEnd) segments.push('/');
    } else if (segLen === 2 && path.charCodeAt(i + 1) === DOT && path.charCodeAt(i + 2) === DOT) {
      segments.pop();
      if (atEnd) segments.push('/');
    } else {
      segments.push(path.slice(i, j));
    }
    i = j;
  }
  if (segments.length === 0) return '/';
  return segments.join('');
}

/**
 * Kong's request-path normalization before routing. Input: the raw path without the query string.
 * Output: the normalized path, or null when the path cannot be used (does not start with '/',
 * malformed percent-encoding): the proxy answers 400.
 */
export function normalizePath(rawPath: string): string | null {
  if (rawPath.length === 0 || rawPath.charCodeAt(0) !== SLASH) return null;
  if (rawPath.length === 1) return rawPath;
  let path = rawPath;
  if (path.indexOf('%') !== -1) {
    const decoded = percentNormalize(path);
    if (decoded === null) return null;
    path = decoded;
  }
  // Fast path: nothing to resolve.
  if (path.indexOf('.') === -1 && path.indexOf('//') === -1) return path;
  return removeDotSegmentsAndMergeSlashes(path);
}

/** Kong's `sanitize_uri_postfix`: a leftover leading "." / ".." segment is dropped. */
function sanitizePostfix(postfix: string): string {
  if (postfix === '.' || postfix === '..') return '';
  if (postfix.startsWith('./')) return postfix.slice(2);
  if (postfix.startsWith('../')) return postfix.slice(3);
  return postfix;
}

/**
 * Kong's upstream path ("v0" path handling, the 3.x default; kong/router/utils.lua get_upstream_uri).
 *
 * @param servicePath  the service path ("" means "/", as in Kong)
 * @param requestPath  the normalized request path (no query)
 * @param remainder    the request path with the matched prefix / regex match removed
 *                     (RouteMatch.strippedPath); ignored when stripPath is false
 * @param stripPath    the route's strip_path
 * The query string is appended by the caller unchanged; escape the result with escapeUpstreamPath.
 */
export function joinUpstreamPath(
  servicePath: string,
  requestPath: string,
  remainder: string,
  stripPath: boolean,
): string {
  const base = servicePath === '' ? '/' : servicePath;
  const baseEndsWithSlash = base.charCodeAt(base.length - 1) === SLASH;
  const requestEndsWithSlash = requestPath.charCodeAt(requestPath.length - 1) === SLASH;

  if (!stripPath) {
    if (baseEndsWithSlash) return base + requestPath.slice(1);
    return requestPath === '/' ? base : base + requestPath;
  }

  const postfix = sanitizePostfix(remainder);
  if (baseEndsWithSlash) {
    if (postfix === '') {
      if (base === '/') return '/';
      return requestEndsWithSlash ? base : base.slice(0, -1);
    }
    if (postfix.charCodeAt(0) === SLASH) return base.slice(0, -1) + postfix;
    return base + postfix;
  }
  if (postfix === '') {
    return requestPath.length > 1 && requestEndsWithSlash ? base + '/' : base;
  }
  if (postfix.charCodeAt(0) === SLASH) return base + postfix;
  return base + '/' + postfix;
}

/**
 * Characters Kong leaves as they are when forwarding (runloop `escape`): reserved characters,
 * ALPHA, DIGIT, "-", ".", "_", "~" and "%" (existing escapes). Everything else — decoded "other"
 * characters such as space or non-ASCII — is percent-encoded (UTF-8) before going upstream.
 */
const KEEP = new Uint8Array(128);
for (const c of "!#$&'()*+,/:;=?@[]-_.~%") KEEP[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) KEEP[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) KEEP[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) KEEP[c] = 1;

export function escapeUpstreamPath(path: string): string {
  const n = path.length;
  let i = 0;
  while (i < n) {
    const c = path.charCodeAt(i);
    if (c >= 128 || KEEP[c] === 0) break;
    i++;
  }
  if (i === n) return path;
  let out = path.slice(0, i);
  for (const ch of path.slice(i)) {
    const c = ch.charCodeAt(0);
    if (c < 128 && KEEP[c] === 1) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += encodeByte(b);
  }
  return out;
}
