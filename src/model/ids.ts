import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';

/**
 * Kong's deterministic DB-less ids (kong/db/schema/others/declarative_config.lua): every entity
 * type gets its own namespace uuidv5(KONG_NAMESPACE, "<entity>"), and an entity without an
 * explicit id gets uuidv5(that namespace, <endpoint key or cache key>). We derive ids the same way
 * in every mode so replicas and reloads agree (docs/kong-compatibility.md#decisions-where-kong-is-silent).
 */
export const KONG_NAMESPACE = 'fd02801f-0957-4a15-a55a-c8d9606f30b5';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}

/** Namespace UUID → its 16 bytes, validated once (ids are derived for every entity of a file). */
const namespaceBytes = new Map<string, Buffer>();

/** RFC 4122 §4.3 name-based UUID (SHA-1, version 5). */
export function uuidv5(namespace: string, name: string): string {
  let ns = namespaceBytes.get(namespace);
  if (ns === undefined) {
    if (!isUuid(namespace)) throw new Error('uuidv5: namespace must be a UUID');
    ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
    if (namespaceBytes.size < 64) namespaceBytes.set(namespace, ns);
  }
  const bytes = sha1(ns, name);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return formatUuid(bytes);
}

/** crypto.hash (Node >= 20.12) is a one-shot digest without a Hash object: ~30% cheaper per id. */
const oneShotHash = (crypto as { hash?: (alg: string, data: Buffer, enc: 'buffer') => Buffer }).hash;
let input = Buffer.alloc(256);

function sha1(ns: Buffer, name: string): Buffer {
  if (oneShotHash === undefined) return createHash('sha1').update(ns).update(name, 'utf8').digest();
  const need = 16 + Buffer.byteLength(name, 'utf8');
  if (need > input.length) input = Buffer.alloc(Math.max(need, input.length * 2));
  ns.copy(input, 0);
  input.write(name, 16, 'utf8');
  return oneShotHash('sha1', input.subarray(0, need), 'buffer');
}

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
const uuidText = Buffer.alloc(36, 0x2d); // '-' at 8, 13, 18, 23 stays

/**
 * 16 bytes → "xxxxxxxx-xxxx-...": written into one buffer and read back as ONE flat string.
 * Slicing and joining hex (the obvious way) leaves a tree of sliced and cons strings per id,
 * several hundred bytes each, when a 100,000-consumer file keeps 200,000 ids alive.
 */
function formatUuid(bytes: Buffer): string {
  let out = 0;
  for (let i = 0; i < 16; i++) {
    if (out === 8 || out === 13 || out === 18 || out === 23) out++;
    const b = bytes[i]!;
    uuidText[out++] = HEX_DIGITS[b >> 4]!;
    uuidText[out++] = HEX_DIGITS[b & 15]!;
  }
  return uuidText.toString('latin1');
}

const entityNamespaces = new Map<string, string>();

/** uuidv5(KONG_NAMESPACE, entity), memoised: the per-entity namespace Kong derives. */
export function entityNamespace(entity: string): string {
  let ns = entityNamespaces.get(entity);
  if (ns === undefined) {
    ns = uuidv5(KONG_NAMESPACE, entity);
    entityNamespaces.set(entity, ns);
  }
  return ns;
}

/** Kong's id for `entity` keyed by `key` (its endpoint key, e.g. a name, or a cache key). */
export function entityId(entity: string, key: string): string {
  return uuidv5(entityNamespace(entity), key);
}

/** Consumer: keyed by username (Kong), or custom_id when there is no username (our choice; Kong is random there). */
export function consumerId(usernameOrCustomId: string): string {
  return entityId('consumers', usernameOrCustomId);
}

/**
 * Ids a source already derived for the consumer specs it built, so the translator does not hash
 * them a second time (100,000 consumers = 100,000 SHA-1s). Keyed by the spec object: nothing
 * leaks, and the spec's content (and so golden files and hashes) is unchanged.
 */
const derivedConsumerIds = new WeakMap<object, string>();

/** Records `consumerId(usernameOrCustomId)` computed for `spec` (a spec without an explicit id). */
export function rememberConsumerId(spec: object, id: string): void {
  derivedConsumerIds.set(spec, id);
}

/** consumerId(usernameOrCustomId), or the id a source already derived for this spec. */
export function derivedConsumerId(spec: object, usernameOrCustomId: string): string {
  return derivedConsumerIds.get(spec) ?? consumerId(usernameOrCustomId);
}

/** jwt_secrets: keyed by `key`, the endpoint key. */
export function credentialId(key: string): string {
  return entityId('jwt_secrets', key);
}

/** Services: keyed by name (Kong). Unnamed services: by file position "services[0]" (Kong is random there). */
export function serviceId(nameOrPosition: string): string {
  return entityId('services', nameOrPosition);
}

/** Routes: keyed by name (Kong). Unnamed routes: by label "<service>.routes[0]" (Kong is random there). */
export function routeId(nameOrLabel: string): string {
  return entityId('routes', nameOrLabel);
}

/**
 * Plugins: Kong keys them by `instance_name` when set, else by the cache key
 * "plugins:<name>:<route>:<service>:<consumer>" (OSS plugins.lua cache_key; Enterprise appends
 * consumer_group) where each scope part is the parent's id for a nested plugin, the reference as
 * written for a top-level one, or "".
 */
export function pluginId(scope: {
  name: string;
  instanceName?: string;
  route?: string;
  service?: string;
  consumer?: string;
}): string {
  if (scope.instanceName !== undefined) return entityId('plugins', scope.instanceName);
  const key = ['plugins', scope.name, scope.route ?? '', scope.service ?? '', scope.consumer ?? ''].join(':');
  return entityId('plugins', key);
}
