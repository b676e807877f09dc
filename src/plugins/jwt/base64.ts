/**
 * Strict base64 decoding. Buffer.from(x, 'base64url') silently skips characters outside the
 * alphabet (docs/kong-compatibility.md#stricter-than-kong), so an altered token could decode "fine": validate first.
 */

/** 0..63 for base64url characters, -1 otherwise. */
const URL_VALUES = new Int8Array(128).fill(-1);
/** Same for the union of the standard and url-safe alphabets (secrets may use either). */
const ANY_VALUES = new Int8Array(128).fill(-1);
const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
for (let i = 0; i < STD.length; i++) {
  URL_VALUES[STD.charCodeAt(i)] = i;
  ANY_VALUES[STD.charCodeAt(i)] = i;
}
URL_VALUES[45] = 62; // '-'
URL_VALUES[95] = 63; // '_'
ANY_VALUES[45] = 62;
ANY_VALUES[95] = 63;
ANY_VALUES[43] = 62; // '+'
ANY_VALUES[47] = 63; // '/'

/**
 * Decodes one unpadded base64url JWS segment, or returns null when the segment is not the
 * canonical encoding of some bytes (bad character, impossible length, non-zero spare bits).
 * Canonical-only means one byte string has exactly one accepted spelling: a token cannot be
 * altered without changing what it decodes to.
 */
export function decodeBase64UrlStrict(segment: string): Buffer | null {
  const len = segment.length;
  const rem = len & 3;
  if (rem === 1) return null;
  let last = 0;
  for (let i = 0; i < len; i++) {
    const c = segment.charCodeAt(i);
    const v = c < 128 ? URL_VALUES[c]! : -1;
    if (v < 0) return null;
    last = v;
  }
  // Spare low bits of the final character must be zero: 2 chars carry 8 bits (4 spare), 3 carry 16 (2 spare).
  if (rem === 2 && (last & 0x0f) !== 0) return null;
  if (rem === 3 && (last & 0x03) !== 0) return null;
  return Buffer.from(segment, 'base64url');
}

/**
 * Decodes a secret stored as base64 (secret_is_base64): standard or url-safe alphabet, padding
 * optional but correct when present. Anything else → null (docs/kong-compatibility.md#decisions-where-kong-is-silent).
 */
export function decodeBase64Secret(text: string): Buffer | null {
  let end = text.length;
  let pad = 0;
  while (end > 0 && text.charCodeAt(end - 1) === 61 /* '=' */) {
    end--;
    pad++;
  }
  if (pad > 2) return null;
  if (pad > 0 && (text.length & 3) !== 0) return null;
  const rem = end & 3;
  if (rem === 1) return null;
  if (pad > 0 && pad !== 4 - rem) return null;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || ANY_VALUES[c]! < 0) return null;
  }
  const body = text.slice(0, end).replace(/\+/g, '-').replace(/\//g, '_');
  return Buffer.from(body, 'base64url');
}
