import { diagnostic, type Diagnostic } from '../model/diagnostics.js';
import { headerValueProblem, toHeaderValue } from '../model/header-values.js';
import { derivedConsumerId } from '../model/ids.js';
import type { ConsumerSpec } from '../model/resources.js';
import type { Consumer } from '../snapshot/types.js';

/** Consumers of one snapshot, looked up the ways Kong does (id, then username), per scope. */
export interface ConsumerTable {
  all: Consumer[];
  /** Reference scope ("" for kong.yml, the namespace for Kubernetes) → its consumers. */
  scopes: Map<string, ScopeConsumers>;
}

export interface ScopeConsumers {
  byId: Map<string, Consumer>;
  byUsername: Map<string, Consumer>;
  /** Kubernetes references use metadata.name. */
  byObjectName: Map<string, Consumer>;
}

/** How often each id / username / custom_id occurs in one scope. */
interface ScopeCounts {
  id: Map<string, number>;
  username: Map<string, number>;
  customId: Map<string, number>;
}

/**
 * `memo` (the controller's, translate/build-reuse.ts): the consumer each spec object gave last time,
 * handed back as the same object while the spec is the same object and still not a duplicate.
 */
export function buildConsumers(specs: readonly ConsumerSpec[], diagnostics: Diagnostic[], memo?: WeakMap<ConsumerSpec, Consumer>): ConsumerTable {
  const table: ConsumerTable = { all: [], scopes: new Map() };
  // Duplicates are ambiguous for every reference that names them: refuse all of them, not "the
  // first one wins" (which would depend on list order). Maps per scope, not "scope\0value" keys:
  // at 100,000 consumers the concatenated keys were a large share of the build.
  const ids = memo === undefined ? specs.map(idOf) : specs.map((spec) => memo.get(spec)?.id ?? idOf(spec));
  const counts = new Map<string, ScopeCounts>();
  specs.forEach((spec, i) => {
    let c = counts.get(spec.scope);
    if (c === undefined) counts.set(spec.scope, (c = { id: new Map(), username: new Map(), customId: new Map() }));
    increment(c.id, ids[i]!);
    if (spec.username !== undefined) increment(c.username, spec.username);
    if (spec.customId !== undefined) increment(c.customId, spec.customId);
  });

  specs.forEach((spec, i) => {
    const id = ids[i]!;
    const c = counts.get(spec.scope)!;
    // Username before id: a derived id only repeats because the username does.
    const dup =
      spec.username !== undefined && c.username.get(spec.username)! > 1
        ? { field: 'username', what: `username '${spec.username}'` }
        : c.id.get(id)! > 1
          ? { field: 'id', what: `id '${id}'` }
          : spec.customId !== undefined && c.customId.get(spec.customId)! > 1
            ? { field: 'custom_id', what: `custom_id '${spec.customId}'` }
            : undefined;
    if (dup) {
      const message = `another consumer${spec.scope ? ` in namespace ${spec.scope}` : ''} has the same ${dup.what}; both are refused`;
      diagnostics.push(diagnostic('error', spec.ref, 'DuplicateConsumer', message, dup.field));
      return;
    }
    const known = memo?.get(spec);
    if (known !== undefined) {
      addConsumer(table, spec, known);
      return;
    }
    // Sent upstream as X-Consumer-* header values: refuse what no header can carry, here, rather
    // than fail every request of this consumer.
    const bad = headerProblem(id, spec);
    if (bad) {
      diagnostics.push(diagnostic('error', spec.ref, 'InvalidHeaderValue', `${bad.field} ${bad.problem}; the consumer is refused`, bad.field));
      return;
    }
    // Usual fields in one literal: a property added afterwards costs a property array per consumer.
    const upstreamHeaders = Object.freeze(identityHeaders(id, spec));
    const consumer: Consumer = spec.username !== undefined
      ? { id, username: spec.username, tags: spec.tags, scope: spec.scope, ref: spec.ref, upstreamHeaders }
      : { id, tags: spec.tags, scope: spec.scope, ref: spec.ref, upstreamHeaders };
    if (spec.customId !== undefined) consumer.customId = spec.customId;
    if (spec.groups !== undefined && spec.groups.length > 0) consumer.groups = Object.freeze([...spec.groups]);
    memo?.set(spec, consumer);
    addConsumer(table, spec, consumer);
  });
  return table;
}

function addConsumer(table: ConsumerTable, spec: ConsumerSpec, consumer: Consumer): void {
  table.all.push(consumer);
  let scope = table.scopes.get(spec.scope);
  if (scope === undefined) table.scopes.set(spec.scope, (scope = { byId: new Map(), byUsername: new Map(), byObjectName: new Map() }));
  scope.byId.set(consumer.id, consumer);
  if (spec.username !== undefined) scope.byUsername.set(spec.username, consumer);
  scope.byObjectName.set(spec.ref.name, consumer);
}

/** Kong's lookup for `anonymous` and `consumer:` references: by id first, then by username. */
export function findConsumer(table: ConsumerTable, scope: string, idOrUsername: string): Consumer | undefined {
  const s = table.scopes.get(scope);
  return s === undefined ? undefined : (s.byId.get(idOrUsername) ?? s.byUsername.get(idOrUsername));
}

/** Kubernetes lookup: the KongConsumer's metadata.name in the same namespace. */
export function findConsumerByObjectName(table: ConsumerTable, scope: string, name: string): Consumer | undefined {
  return table.scopes.get(scope)?.byObjectName.get(name);
}

function idOf(spec: ConsumerSpec): string {
  // At least one of username/custom_id is guaranteed by the sources' schemas.
  return spec.id ?? derivedConsumerId(spec, spec.username ?? spec.customId ?? '');
}

/**
 * Upstream identity headers (docs/kong-compatibility.md#upstream-headers); absent values are simply not sent. One
 * literal per case, in the same order, so each object keeps its properties in-object.
 */
function identityHeaders(rawId: string, spec: ConsumerSpec): Record<string, string> {
  const id = toHeaderValue(rawId);
  const customId = spec.customId === undefined ? undefined : toHeaderValue(spec.customId);
  const username = spec.username === undefined ? undefined : toHeaderValue(spec.username);
  if (customId === undefined) {
    return username === undefined ? { 'x-consumer-id': id } : { 'x-consumer-id': id, 'x-consumer-username': username };
  }
  return username === undefined
    ? { 'x-consumer-id': id, 'x-consumer-custom-id': customId }
    : { 'x-consumer-id': id, 'x-consumer-custom-id': customId, 'x-consumer-username': username };
}

/** The first identity field that cannot be a header value, named as the consumer's source names it. */
function headerProblem(id: string, spec: ConsumerSpec): { field: string; problem: string } | undefined {
  const crd = spec.ref.kind === 'KongConsumer';
  const fields = [
    [crd ? 'spec.username' : 'username', spec.username],
    [crd ? 'spec.customId' : 'custom_id', spec.customId],
    ['id', id],
  ] as const;
  for (const [field, value] of fields) {
    const problem = value === undefined ? undefined : headerValueProblem(value);
    if (problem !== undefined) return { field, problem };
  }
  return undefined;
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
