/**
 * Values the gateway sends upstream as header values (consumer username / custom_id / id,
 * credential key). nginx, and so Kong, sends a string's UTF-8 bytes as they are and refuses
 * control characters; undici refuses characters above U+00FF and control characters. Checked and
 * encoded once, when the snapshot is built, so no value can fail a request.
 */

/** CTL characters other than HTAB (RFC 9110 field-value), which no header value may carry. */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/** Why `value` can never be a header value, or undefined when it can. */
export function headerValueProblem(value: string): string | undefined {
  const m = CONTROL.exec(value);
  if (m === null) return undefined;
  const code = m[0].charCodeAt(0);
  const name = code === 0 ? 'NUL' : code === 10 ? 'LF' : code === 13 ? 'CR' : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `contains a control character (${name}) at position ${m.index}, which cannot be sent in the upstream identity header`;
}

/**
 * The header value as a latin1 string of its UTF-8 bytes (what undici writes byte for byte), so
 * "José" or "用户" reach the upstream as UTF-8, exactly as Kong sends them. ASCII is returned as is.
 */
export function toHeaderValue(value: string): string {
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) > 0x7e) return Buffer.from(value, 'utf8').toString('latin1');
  }
  return value;
}
