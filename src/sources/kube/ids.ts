import { createHash } from 'node:crypto';

/**
 * Deterministic ids for objects that come from Kubernetes. Same uuidv5 as src/model/ids.ts
 * (written in parallel by the declarative source; to be deduplicated at merge: same signature).
 */
export const KONG_NAMESPACE = 'fd02801f-0957-4a15-a55a-c8d9606f30b5';

/** RFC 4122 §4.3 name-based UUID (SHA-1, version 5). */
export function uuidv5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error('uuidv5: namespace must be a UUID');
  const bytes = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Kong's DB-less consumer id: uuidv5(uuidv5(NS, "consumers"), username or custom_id). */
export function kongConsumerId(usernameOrCustomId: string): string {
  return uuidv5(uuidv5(KONG_NAMESPACE, 'consumers'), usernameOrCustomId);
}

/** Namespace for ids of things that exist only in controller mode (routes, their services and plugins). */
const KUBE_NAMESPACE = uuidv5(KONG_NAMESPACE, 'portcullis.dev');

/** e.g. kubeId('route', 'demo', 'my-api', 'jwt') = uuidv5 of "route:demo/my-api:jwt". */
export function kubeId(kind: string, namespace: string, name: string, suffix?: string): string {
  return uuidv5(KUBE_NAMESPACE, `${kind}:${namespace}/${name}${suffix === undefined ? '' : `:${suffix}`}`);
}
