/**
 * V8 keeps a substring of 13 or more characters as a slice that points into its parent: one
 * secret or username kept from a parsed kong.yml keeps the whole file text alive (16 MB at
 * 100,000 consumers) for as long as the snapshot lives. This walks a freshly loaded document and
 * replaces such strings with copies, in place, so the text can be collected after parsing.
 * (A string sent over postMessage is copied anyway; this matters for the parse on the main thread.)
 */
const SLICE_MIN_LENGTH = 13;

export function detachStrings(value: unknown): unknown {
  if (typeof value === 'string') return value.length >= SLICE_MIN_LENGTH ? copyString(value) : value;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = detachStrings(value[i]);
  } else {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = detachStrings(record[key]);
  }
  return value;
}

/** ' ' + s is a cons string; slicing it flattens it into a new buffer, so the result no longer points into the original parent. */
function copyString(s: string): string {
  return (' ' + s).slice(1);
}
