import { createHash } from 'node:crypto';
import type { JwtAlgorithm } from '../model/algorithms.js';
import type { JwksSpec } from '../model/jwks.js';
import type { JwksProviderStats } from '../observability/jwks-metrics.js';
import { importJwks } from '../plugins/jwt/jwks-keys.js';
import type { JwksKeySet, JwksKeySource } from '../snapshot/jwks.js';
import { fetchJson, redactUrl, type FetchResult, type JwksFailureReason } from './jwks-fetch.js';

type FetchOutcome = { ok: true; set: JwksKeySet; hash: string; maxAgeSeconds: number | undefined } | Extract<FetchResult, { ok: false }>;

/** setTimeout's largest delay; longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type FetchTrigger = 'start' | 'scheduled' | 'retry' | 'unknown_kid';

/** What the registry and the status conditions read of a provider. */
export interface ProviderState {
  /** The last fetch failed (undefined: it succeeded, or none finished yet). */
  problem: string | undefined;
  /** No key set is usable (never fetched, stale beyond maxStale, or refused). */
  unavailable: boolean;
  /** A first fetch is still running: neither good nor bad yet. */
  starting: boolean;
}

export interface ProviderDeps {
  allowHttp: boolean;
  /** State changed (usable ↔ unavailable, failing ↔ fetching fine): status and logs follow. */
  onChange(provider: JwksProvider): void;
  now?: () => number;
}

/**
 * One key set source: fetches, caches and refreshes one provider's JWKS (docs/jwks.md). Shared by
 * every credential with the same settings and kept across snapshot builds by the registry.
 * Bounds (per process): scheduled fetches every TTL (Cache-Control max-age clamped to
 * [minTtl, maxTtl], else cacheTtl); after a failure, retries at 1, 2, 4 … s up to minTtl; at most
 * one unknown-kid refetch per refetchInterval; one fetch in flight at a time (single-flight).
 */
export class JwksProvider implements JwksKeySource, JwksProviderStats {
  keys: JwksKeySet | undefined = undefined;
  readonly algorithms: ReadonlySet<JwtAlgorithm>;
  readonly label: string;
  readonly fetches = new Map<string, number>();
  readonly failures = new Map<string, number>();
  #good: { set: JwksKeySet; hash: string; fetchedAt: number } | undefined;
  #inflight: Promise<void> | undefined;
  #lastKidRefetch = -Infinity;
  #failuresInARow = 0;
  #problem: string | undefined;
  #jwksUri: string | undefined;
  #refreshTimer: NodeJS.Timeout | undefined;
  #staleTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  #started = false;
  readonly #now: () => number;

  constructor(
    readonly spec: JwksSpec,
    private readonly deps: ProviderDeps,
  ) {
    this.algorithms = new Set(spec.algorithms);
    this.label = spec.inline !== undefined ? `inline:${sha256(spec.inline).slice(0, 12)}` : redactUrl(spec.issuer ?? spec.url ?? '');
    this.#now = deps.now ?? Date.now;
  }

  get state(): ProviderState {
    return { problem: this.#problem, unavailable: this.keys === undefined, starting: !this.#started || (this.#good === undefined && this.#problem === undefined) };
  }

  /** The last fetch's failure (JwksKeySource: explain names it). */
  get problem(): string | undefined {
    return this.#problem;
  }

  /** Seconds since the key set in use was fetched. */
  keySetAgeSeconds(): number | undefined {
    return this.keys === undefined || this.#good === undefined ? undefined : Math.max(0, (this.#now() - this.#good.fetchedAt) / 1000);
  }

  /** First fetch (or import of an inline set); the registry calls it once. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    void this.#run('start');
  }

  refetch(): Promise<void> | undefined {
    if (this.#inflight !== undefined) return this.#inflight;
    if (this.#stopped || this.spec.inline !== undefined) return undefined;
    const now = this.#now();
    if (now - this.#lastKidRefetch < this.spec.timing.refetchIntervalSeconds * 1000) return undefined;
    this.#lastKidRefetch = now;
    return this.#run('unknown_kid');
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#refreshTimer);
    clearTimeout(this.#staleTimer);
  }

  #run(trigger: FetchTrigger): Promise<void> {
    if (this.#inflight !== undefined) return this.#inflight;
    clearTimeout(this.#refreshTimer);
    const p = this.#fetchOnce(trigger).then(
      (r) => this.#settle(trigger, r),
      (err: unknown) => this.#settle(trigger, { ok: false, reason: 'network', problem: err instanceof Error ? err.message : String(err) }),
    ).catch(() => undefined); // waiting requests must never see a rejection
    this.#inflight = p.finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #fetchOnce(trigger: FetchTrigger): Promise<FetchOutcome> {
    const spec = this.spec;
    let doc: unknown;
    let body: string;
    let maxAgeSeconds: number | undefined;
    if (spec.inline !== undefined) {
      body = spec.inline;
      try {
        doc = JSON.parse(body);
      } catch {
        return { ok: false, reason: 'invalid_json', problem: 'the inline JWKS is not JSON' };
      }
    } else {
      const limits = { timeoutMs: spec.timing.timeoutMs, maxBytes: spec.timing.maxBytes, ca: spec.caCertificates, allowHttp: this.deps.allowHttp };
      let uri = spec.url ?? this.#jwksUri;
      if (uri === undefined) {
        const discovered = await this.#discover(limits, trigger);
        if (!discovered.ok) return discovered;
        uri = discovered.uri;
      }
      const r = await fetchJson(uri, limits);
      if (!r.ok) {
        // Maybe the provider moved its keys: ask discovery again next time.
        this.#jwksUri = undefined;
        return r;
      }
      body = r.body.toString('utf8');
      doc = r.json;
      maxAgeSeconds = r.maxAgeSeconds;
    }
    const hash = sha256(body);
    if (this.#good !== undefined && this.#good.hash === hash) return { ok: true, set: this.#good.set, hash, maxAgeSeconds };
    const imported = await importJwks(doc, spec.algorithms);
    if (!imported.ok) return { ok: false, reason: 'no_usable_key', problem: imported.problem };
    return { ok: true, set: imported.set, hash, maxAgeSeconds };
  }

  /** OIDC Discovery 1.0 §4: the issuer's configuration names jwks_uri; its issuer must be ours, exactly. */
  async #discover(limits: Parameters<typeof fetchJson>[1], trigger: FetchTrigger): Promise<{ ok: true; uri: string } | Extract<FetchResult, { ok: false }>> {
    const issuer = this.spec.issuer!;
    const r = await fetchJson(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`, limits);
    if (!r.ok) return { ...r, problem: `discovery: ${r.problem}` };
    this.#count(trigger, 'discovered');
    const cfg = r.json as { issuer?: unknown; jwks_uri?: unknown } | null;
    if (typeof cfg !== 'object' || cfg === null || typeof cfg.jwks_uri !== 'string') {
      return { ok: false, reason: 'discovery', problem: 'discovery: the configuration has no jwks_uri' };
    }
    if (cfg.issuer !== issuer) return { ok: false, reason: 'discovery', problem: 'discovery: the configuration names another issuer' };
    this.#jwksUri = cfg.jwks_uri;
    return { ok: true, uri: cfg.jwks_uri };
  }

  #count(trigger: FetchTrigger, outcome: string): void {
    const key = `${trigger}\u0000${outcome}`;
    this.fetches.set(key, (this.fetches.get(key) ?? 0) + 1);
  }

  #settle(trigger: FetchTrigger, r: FetchOutcome): void {
    if (this.#stopped) return;
    const before = this.#signature();
    const timing = this.spec.timing;
    if (r.ok) {
      const changed = this.#good?.set !== r.set;
      this.#count(trigger, changed ? 'updated' : 'unchanged');
      this.#good = { set: r.set, hash: r.hash, fetchedAt: this.#now() };
      this.keys = r.set;
      this.#problem = undefined;
      this.#failuresInARow = 0;
      if (this.spec.inline === undefined) {
        const ttl = clamp(r.maxAgeSeconds ?? timing.cacheTtlSeconds, timing.minTtlSeconds, timing.maxTtlSeconds);
        this.#schedule(ttl * 1000, 'scheduled');
        this.#armStale(timing.maxStaleSeconds * 1000);
      }
    } else {
      this.#count(trigger, 'failed');
      this.failures.set(r.reason, (this.failures.get(r.reason) ?? 0) + 1);
      this.#problem = r.problem;
      this.#failuresInARow++;
      if (this.spec.inline === undefined && r.reason !== 'refused') {
        this.#schedule(Math.min(2 ** (this.#failuresInARow - 1), timing.minTtlSeconds) * 1000, 'retry');
      }
    }
    if (this.#signature() !== before) this.deps.onChange(this);
  }

  /** What status and logs follow: usable or not, and the failure text. */
  #signature(): string {
    return `${this.keys === undefined}\u0000${this.#problem ?? ''}`;
  }

  #schedule(ms: number, trigger: FetchTrigger): void {
    clearTimeout(this.#refreshTimer);
    if (this.#stopped) return;
    this.#refreshTimer = setTimeout(() => void this.#run(trigger), Math.min(ms, MAX_TIMER_MS));
    this.#refreshTimer.unref();
  }

  /** After maxStale without a good fetch, the key set is dropped and tokens are refused. */
  #armStale(ms: number): void {
    clearTimeout(this.#staleTimer);
    const deadline = this.#now() + ms;
    const arm = (wait: number) => {
      this.#staleTimer = setTimeout(() => {
        const left = deadline - this.#now();
        if (left > 0) return arm(left);
        if (this.#stopped || this.keys === undefined) return;
        const before = this.#signature();
        this.keys = undefined;
        this.#problem ??= 'the key set could not be refreshed';
        if (this.#signature() !== before) this.deps.onChange(this);
      }, Math.min(wait, MAX_TIMER_MS));
      this.#staleTimer.unref();
    };
    arm(ms);
  }
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export type { JwksFailureReason };
