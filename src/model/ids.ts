import { createHash } from 'node:crypto';

/**
 * Kong's deterministic DB-less ids (kong/db/schema/others/declarative_config.lua): every entity
 * type gets its own namespace uuidv5(KONG_NAMESPACE, "<entity>"), and an entity without an
 * explicit id gets uuidv5(that namespace, <endpoint key or cache key>). We derive ids the same way
 * in every mode so replicas and reloads agree (kong-jwt-compat.md §10).
 */
export const KONG_NAMESPACE = 'fd02801f-0957-4a15-a55a-c8d9606f30b5';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}

/** RFC 4122 §4.3 name-based UUID (SHA-1, version 5). */
export function uuidv5(namespace: string, name: string): string {
  if (!isUuid(namespace)) throw new Error('uuidv5: namespace must be a UUID');
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const bytes = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
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
