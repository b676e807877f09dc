import { createHash, type Hash } from 'node:crypto';

/** Bytes are handed to the hash in chunks this large: one update per scalar was most of the cost. */
const FLUSH_AT = 1 << 16;

/**
 * Content hash of a source's output: identical inputs give identical hashes whatever the key
 * order, so a rebuild that changes nothing is detected and no swap happens. Linear in the size of
 * `value`; the bytes hashed are exactly those of the unbuffered walk (same digests as before).
 */
export function stableHash(value: unknown): string {
  const hash = createHash('sha256');
  const sink = { hash, buf: '' };
  feed(sink, value);
  hash.update(sink.buf);
  return hash.digest('hex');
}

interface Sink {
  hash: Hash;
  buf: string;
}

function feed(sink: Sink, value: unknown): void {
  if (value === null || typeof value !== 'object') {
    sink.buf += value === undefined ? 'u' : JSON.stringify(value);
  } else if (value instanceof Uint8Array) {
    // Bytes (a Secret's HMAC key): tagged so they never hash like a string or an object.
    sink.buf += `b${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}`;
  } else if (Array.isArray(value)) {
    sink.buf += '[';
    for (const item of value) {
      feed(sink, item);
      sink.buf += ',';
    }
    sink.buf += ']';
  } else {
    sink.buf += '{';
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined) continue;
      sink.buf += `${JSON.stringify(key)}:`;
      feed(sink, v);
      sink.buf += ',';
    }
    sink.buf += '}';
  }
  if (sink.buf.length >= FLUSH_AT) {
    sink.hash.update(sink.buf);
    sink.buf = '';
  }
}
