import { CLAIMS_LIMITS } from '../../model/jwt-claims-config.js';
import { toHeaderValue } from '../../model/header-values.js';

/**
 * A claim as an upstream header value (docs/claims.md#header-values): strings as they are,
 * numbers and booleans as JSON text, objects as JSON, arrays joined or as JSON; undefined (no
 * header) for a missing or null claim, a value with a control character, or one longer than
 * CLAIMS_LIMITS.headerValueBytes. Non-ASCII goes as its UTF-8 bytes, as Kong sends identity headers.
 */
export function claimHeaderValue(value: unknown, arrays: 'join' | 'json', separator: string): string | undefined {
  let text: string | undefined;
  if (typeof value === 'string') text = value;
  else if (value === undefined || value === null) return undefined;
  else if (Array.isArray(value) && arrays === 'join') text = joinArray(value, separator);
  else text = JSON.stringify(value);
  if (text === undefined || hasControl(text)) return undefined;
  const encoded = toHeaderValue(text);
  return encoded.length > CLAIMS_LIMITS.headerValueBytes ? undefined : encoded;
}

/** Elements as their own text (strings) or JSON (anything else); null elements are left out. */
function joinArray(items: readonly unknown[], separator: string): string | undefined {
  let out = '';
  let first = true;
  for (const item of items) {
    if (item === null || item === undefined) continue;
    out += (first ? '' : separator) + (typeof item === 'string' ? item : JSON.stringify(item));
    first = false;
    if (out.length > CLAIMS_LIMITS.headerValueBytes) return undefined;
  }
  return first ? undefined : out;
}

/** CTL characters other than HTAB (RFC 9110 field-value): CR, LF and NUL included. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}
