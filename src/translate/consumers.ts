import type { Diagnostic } from '../model/diagnostics.js';
import { consumerId } from '../model/ids.js';
import type { ConsumerSpec } from '../model/resources.js';
import type { Consumer } from '../snapshot/types.js';

/** Consumers of one snapshot, looked up the ways Kong does (id, then username), per scope. */
export interface ConsumerTable {
  all: Consumer[];
  /** `${scope}\u0000${id}` → consumer */
  byId: Map<string, Consumer>;
  /** `${scope}\u0000${username}` → consumer */
  byUsername: Map<string, Consumer>;
  /** `${scope}\u0000${object name}` → consumer (Kubernetes references use metadata.name). */
  byObjectName: Map<string, Consumer>;
}

export const scoped = (scope: string, value: string): string => `${scope}\u0000${value}`;

export function buildConsumers(specs: readonly ConsumerSpec[], diagnostics: Diagnostic[]): ConsumerTable {
  const table: ConsumerTable = { all: [], byId: new Map(), byUsername: new Map(), byObjectName: new Map() };
  // Duplicates are ambiguous for every reference that names them: refuse all of them, not "the
  // first one wins" (which would depend on list order).
  const idCount = countBy(specs, (s) => scoped(s.scope, idOf(s)));
  const usernameCount = countBy(specs, (s) => (s.username === undefined ? undefined : scoped(s.scope, s.username)));
  const customIdCount = countBy(specs, (s) => (s.customId === undefined ? undefined : scoped(s.scope, s.customId)));

  for (const spec of specs) {
    const id = idOf(spec);
    // Username before id: a derived id only repeats because the username does.
    const dup =
      spec.username !== undefined && (usernameCount.get(scoped(spec.scope, spec.username)) ?? 0) > 1
        ? { field: 'username', what: `username '${spec.username}'` }
        : (idCount.get(scoped(spec.scope, id)) ?? 0) > 1
          ? { field: 'id', what: `id '${id}'` }
          : spec.customId !== undefined && (customIdCount.get(scoped(spec.scope, spec.customId)) ?? 0) > 1
            ? { field: 'custom_id', what: `custom_id '${spec.customId}'` }
            : undefined;
    if (dup) {
      diagnostics.push({
        severity: 'error',
        object: spec.ref,
        field: dup.field,
        reason: 'DuplicateConsumer',
        message: `another consumer${spec.scope ? ` in namespace ${spec.scope}` : ''} has the same ${dup.what}; both are refused`,
      });
      continue;
    }
    const consumer: Consumer = {
      id,
      ...(spec.username !== undefined && { username: spec.username }),
      ...(spec.customId !== undefined && { customId: spec.customId }),
      tags: spec.tags,
      scope: spec.scope,
      ref: spec.ref,
      upstreamHeaders: Object.freeze(identityHeaders(id, spec)),
    };
    table.all.push(consumer);
    table.byId.set(scoped(spec.scope, id), consumer);
    if (spec.username !== undefined) table.byUsername.set(scoped(spec.scope, spec.username), consumer);
    table.byObjectName.set(scoped(spec.scope, spec.ref.name), consumer);
  }
  return table;
}

/** Kong's lookup for `anonymous` and `consumer:` references: by id first, then by username. */
export function findConsumer(table: ConsumerTable, scope: string, idOrUsername: string): Consumer | undefined {
  return table.byId.get(scoped(scope, idOrUsername)) ?? table.byUsername.get(scoped(scope, idOrUsername));
}

function idOf(spec: ConsumerSpec): string {
  // At least one of username/custom_id is guaranteed by the sources' schemas.
  return spec.id ?? consumerId(spec.username ?? spec.customId ?? '');
}

/** Upstream identity headers (kong-jwt-compat.md §4); absent values are simply not sent. */
function identityHeaders(id: string, spec: ConsumerSpec): Record<string, string> {
  const headers: Record<string, string> = { 'x-consumer-id': id };
  if (spec.customId !== undefined) headers['x-consumer-custom-id'] = spec.customId;
  if (spec.username !== undefined) headers['x-consumer-username'] = spec.username;
  return headers;
}

function countBy<T>(items: readonly T[], keyOf: (item: T) => string | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const key = keyOf(item);
    if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
