import { diagnostic, type Diagnostic, type ObjectRef } from '../model/diagnostics.js';
import type { JwksSpec } from '../model/jwks.js';
import type { JwksStatsSource } from '../observability/jwks-metrics.js';
import type { Logger } from '../observability/logger.js';
import type { JwksKeySource, JwksSources } from '../snapshot/jwks.js';
import { stableHash } from '../translate/stable-hash.js';
import { JwksProvider } from './jwks-provider.js';

interface Owner {
  ref: ObjectRef;
  field: string;
}

/**
 * The process's JWKS providers, keyed by their settings, kept across snapshot builds so a rebuild
 * never refetches (docs/jwks.md#lifecycle). translate asks `source()` for each JWKS credential
 * between beginBuild() and commitBuild()/abortBuild() (snapshot-applier.ts): a commit stops the
 * providers the new snapshot no longer uses; an abort (the build threw) keeps what serves.
 * Every process holding snapshots has its own (with --workers, the primary and each worker).
 */
export class JwksRegistry implements JwksSources, JwksStatsSource {
  #live = new Map<string, JwksProvider>();
  #owners = new Map<JwksProvider, Owner[]>();
  #building: Map<string, JwksProvider> | undefined;
  #buildOwners = new Map<JwksProvider, Owner[]>();
  readonly #listeners = new Set<() => void>();

  constructor(private readonly opts: { allowHttp: boolean; logger?: Logger; now?: () => number }) {}

  beginBuild(): void {
    this.#building = new Map();
    this.#buildOwners = new Map();
  }

  source(spec: JwksSpec, owner: ObjectRef): JwksKeySource {
    if (this.#building === undefined) this.beginBuild();
    const { field, ...settings } = spec;
    const key = stableHash(settings);
    let p = this.#building!.get(key) ?? this.#live.get(key);
    if (p === undefined) {
      p = new JwksProvider(spec, { allowHttp: this.opts.allowHttp, onChange: (changed) => this.#changed(changed), ...(this.opts.now ? { now: this.opts.now } : {}) });
      p.start();
    }
    this.#building!.set(key, p);
    const owners = this.#buildOwners.get(p);
    if (owners) owners.push({ ref: owner, field });
    else this.#buildOwners.set(p, [{ ref: owner, field }]);
    return p;
  }

  /** The built snapshot serves: its providers are the live ones; the others stop. */
  commitBuild(): void {
    const next = this.#building ?? new Map<string, JwksProvider>();
    const nextSet = new Set(next.values());
    for (const p of this.#live.values()) if (!nextSet.has(p)) p.stop();
    this.#live = next;
    this.#owners = this.#buildOwners;
    this.#building = undefined;
    this.#buildOwners = new Map();
  }

  /** The build failed: what serves keeps its providers; ones made for the failed build stop. */
  abortBuild(): void {
    const live = new Set(this.#live.values());
    for (const p of this.#building?.values() ?? []) if (!live.has(p)) p.stop();
    this.#building = undefined;
    this.#buildOwners = new Map();
  }

  providers(): Iterable<JwksProvider> {
    return this.#live.values();
  }

  /**
   * The live providers' problems on the credentials that use them: an error (Programmed False)
   * while no key set is usable, a warning while the last good one still serves.
   */
  diagnostics(): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const p of this.#live.values()) {
      const s = p.state;
      if (s.starting) continue;
      if (!s.unavailable && s.problem === undefined) continue;
      for (const o of this.#owners.get(p) ?? []) {
        if (s.unavailable) {
          out.push(diagnostic('error', o.ref, 'JwksUnavailable', `no usable key set: ${s.problem ?? 'not fetched yet'}; tokens are refused`, o.field));
        } else {
          out.push(diagnostic('warning', o.ref, 'JwksFetchFailed', `fetching the key set failed: ${s.problem}; the last good key set is used`, o.field));
        }
      }
    }
    return out;
  }

  /** Called when a provider's state changes (status conditions in controller mode). */
  onChange(cb: () => void): () => void {
    this.#listeners.add(cb);
    return () => this.#listeners.delete(cb);
  }

  close(): void {
    for (const p of this.#live.values()) p.stop();
    for (const p of this.#building?.values() ?? []) p.stop();
  }

  #changed(p: JwksProvider): void {
    if (![...this.#live.values()].includes(p)) return;
    const s = p.state;
    const log = this.opts.logger;
    if (log !== undefined) {
      const fields = { provider: p.label };
      if (s.unavailable) log.error({ ...fields, problem: s.problem }, 'JWKS: no usable key set; tokens of its credentials are refused');
      else if (s.problem !== undefined) log.warn({ ...fields, problem: s.problem }, 'JWKS: fetch failed; the last good key set is used');
      else log.info(fields, 'JWKS: key set fetched');
    }
    this.#notify();
  }

  #notify(): void {
    for (const cb of this.#listeners) {
      try {
        cb();
      } catch {
        // A listener's failure must not stop the others.
      }
    }
  }
}
