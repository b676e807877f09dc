import type { SecretObject } from './types.js';

export type SecretValue =
  | { ok: true; value: Buffer }
  | { ok: false; reason: 'SecretNotFound' | 'SecretKeyNotFound' | 'InvalidSecret'; message: string };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * One value of a Secret, as bytes: `data` holds base64 of arbitrary bytes (an HMAC key made of
 * random bytes is not text), `stringData` holds text and stands for its UTF-8 bytes. `stringData`
 * wins over `data`, as on a write to the API. Messages name the Secret and key, never the value.
 */
export function readSecretValue(
  secrets: ReadonlyMap<string, SecretObject>,
  namespace: string,
  name: string,
  key: string,
): SecretValue {
  const secret = secrets.get(`${namespace}/${name}`);
  if (!secret) return { ok: false, reason: 'SecretNotFound', message: `Secret '${namespace}/${name}' not found (credential Secrets must carry the label portcullis.dev/credential=true to be seen)` };
  const plain = secret.stringData?.[key];
  if (plain !== undefined) return { ok: true, value: Buffer.from(plain, 'utf8') };
  const encoded = secret.data?.[key];
  if (encoded === undefined) {
    return { ok: false, reason: 'SecretKeyNotFound', message: `Secret '${namespace}/${name}' has no key '${key}'` };
  }
  // Buffer.from(…, 'base64') skips bad characters silently; manifests can carry anything.
  if (!BASE64.test(encoded)) {
    return { ok: false, reason: 'InvalidSecret', message: `Secret '${namespace}/${name}' key '${key}' is not valid base64` };
  }
  return { ok: true, value: Buffer.from(encoded, 'base64') };
}
