import type { ObjectRef } from '../../model/diagnostics.js';
import { isUuid } from '../../model/ids.js';
import type { ErrorReason } from '../../model/reasons.js';
import type { Reporter } from './report.js';

// Field readers shared by the entity parsers (services, routes, consumers, plugins).

export type Mapping = Record<string, unknown>;

/**
 * The shared value of an absent `tags` list (frozen: nothing may add to it). Consumers and
 * credentials mostly have none, and an empty array each is ~3 MB at 100,000 of both.
 */
export const NO_TAGS: string[] = Object.freeze([]) as unknown as string[];

export function isMapping(v: unknown): v is Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Typed field reader for one entity. Every problem becomes a diagnostic on the entity and clears
 * `ok`; messages never quote values of fields that may hold secrets (callers pass field names only).
 * A YAML `null` counts as "not set", as in Kong.
 */
export class Fields {
  ok = true;
  constructor(
    readonly raw: Mapping,
    readonly ref: ObjectRef,
    private readonly rep: Reporter,
  ) {}

  fail(field: string | undefined, message: string, reason: ErrorReason = 'InvalidValue'): void {
    this.ok = false;
    this.rep.error(this.ref, reason, message, field);
  }

  has(name: string): boolean {
    return this.raw[name] !== undefined && this.raw[name] !== null;
  }

  string(name: string, required = false): string | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null) {
      if (required) this.fail(name, 'required field missing', 'MissingField');
      return undefined;
    }
    if (typeof v !== 'string') return this.fail(name, 'expected a string'), undefined;
    if (v.length === 0) return this.fail(name, 'length must be at least 1'), undefined;
    return v;
  }

  bool(name: string, dflt: boolean): boolean {
    const v = this.raw[name];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'boolean') return this.fail(name, 'expected a boolean'), dflt;
    return v;
  }

  int(name: string, dflt: number, min: number, max: number): number {
    const v = this.raw[name];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v)) return this.fail(name, 'expected an integer'), dflt;
    if (v < min || v > max) return this.fail(name, `value should be between ${min} and ${max}`), dflt;
    return v;
  }

  strings(name: string, dflt: string[] = []): string[] {
    const v = this.raw[name];
    if (v === undefined || v === null) return dflt;
    if (!Array.isArray(v)) return this.fail(name, 'expected an array'), dflt;
    const out: string[] = [];
    v.forEach((x, i) => {
      if (typeof x !== 'string' || x.length === 0) this.fail(`${name}[${i}]`, 'expected a non-empty string');
      else out.push(x);
    });
    return out;
  }

  /** A nested list of entities; absent = []. */
  list(name: string): unknown[] {
    const v = this.raw[name];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) return this.fail(name, 'expected an array'), [];
    return v;
  }

  /**
   * Kong's schemas are strict: an unknown field is an error. `ignored` are fields Kong knows whose
   * effect Portcullis does not need (metadata, stream/TLS-only matchers, buffering knobs).
   */
  checkKnown(known: ReadonlySet<string>, ignored: ReadonlySet<string>): void {
    for (const key of Object.keys(this.raw)) {
      if (known.has(key) || ignored.has(key)) continue;
      this.fail(key, 'unknown field', 'UnknownField');
    }
  }
}

/** `id`: a UUID when set (Kong's rule), lower-cased. */
export function readId(f: Fields): string | undefined {
  const id = f.string('id');
  if (id !== undefined && !isUuid(id)) {
    f.fail('id', 'expected a valid UUID');
    return undefined;
  }
  return id?.toLowerCase();
}

/** A foreign reference: "<name or id>" or { id: "<id>" } as Kong accepts both. */
export function readReference(f: Fields, field: string): string | undefined {
  const v = f.raw[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && v !== '') return v;
  if (isMapping(v) && typeof v.id === 'string' && v.id !== '' && Object.keys(v).length === 1) return v.id;
  f.fail(field, 'expected a name or id (string), or { id: <id> }');
  return undefined;
}
