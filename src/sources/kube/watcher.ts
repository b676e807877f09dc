import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ApiRecovery } from './api-recovery.js';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { ObjectCache } from './object-cache.js';
import type { ObjectChange } from './object-change.js';
import { errorText } from '../../observability/error-text.js';
import type { ResourceType } from './resource-types.js';
import { openWatchStream, type WatchQuery, type WatchStream } from './watch-stream.js';
import { throttledFor } from './retry-after.js';
import { dropIdleConnections } from './kube-config.js';

/**
 * A resilient list+watch loop for one resource type, feeding an ObjectCache.
 *
 * Written on a plain watch request (watch-stream.ts) rather than client-node's `makeInformer`
 * because the informer stops for good on errors other than 410, cannot be told to relist on a
 * timer and cannot notice a silent connection; this loop:
 * - lists (paged) then watches from the list's resourceVersion;
 * - on watch error/close re-watches from the last seen resourceVersion, with jittered backoff;
 * - on 410 Gone (stream ERROR event or HTTP status) relists and swaps the cache atomically, so
 *   deletions during an outage are seen;
 * - asks the server to end each watch before `idleTimeoutMs` (with a bookmark first), so a live
 *   watch never stays silent that long: a watch that does (no byte, not even a bookmark; or no
 *   response headers within `openTimeoutMs`) is a stalled connection: it is aborted, logged,
 *   counted (end="stalled") and resumed at once from the last resourceVersion, missing nothing;
 * - relists every `resyncMs` (aborting the current watch) as a last line of defence;
 * - treats a failing list (e.g. CRD not installed: 404) as "not synced", logs it and retries;
 * - reports since when it has had no working watch (downSince), for readiness.
 */
export interface WatcherOptions {
  kubeConfig: KubeConfig;
  type: ResourceType;
  logger: Logger;
  /** Called after the cache changed in what the gateway reads (an event, or a relist that found differences). */
  onChange: () => void;
  /** Called after an object changed only in a status the gateway does not read (object-change.ts). */
  onStatusChange?: () => void;
  /** Called once, after the first complete list. */
  onSynced?: () => void;
  resyncMs?: number;
  /** No byte on an open watch for this long means a stalled connection (default 30 s). */
  idleTimeoutMs?: number;
  /** A watch or list request that gets no response headers for this long has stalled too (default min(idle, 10 s)). */
  openTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** Shared by the source's watchers: cuts retry sleeps short once the server answers again. */
  recovery?: ApiRecovery;
  pageSize?: number;
  /** Counts what the loop does, for metrics (optional). */
  stats?: WatchStats;
}

/** Why the cache was listed again: first sync, 410 Gone, the periodic resync. */
export type RelistReason = 'initial' | 'gone' | 'resync';
/** How a watch stream ended (a 'closed' at the server's timeout is the normal case; 'stalled': silent past the idle timeout). */
export type WatchEnd = 'closed' | 'error' | 'gone' | 'resync' | 'stalled';

/** What a watcher reports as it runs; `resource` is the type's name ("kongconsumers", …). */
export interface WatchStats {
  relisted(resource: string, reason: RelistReason, objects: number): void;
  listFailed(resource: string): void;
  watchEnded(resource: string, end: WatchEnd): void;
  /** A watch event that reached the cache (ADDED, MODIFIED, DELETED; bookmarks not counted). */
  event(resource: string, type: string, objects: number): void;
}

type WatchOutcome =
  | { kind: 'gone' }
  | { kind: 'resync' }
  | { kind: 'stopped' }
  | { kind: 'closed'; events: number }
  | { kind: 'error'; error: unknown; events: number }
  | { kind: 'stalled'; opened: boolean; silentMs: number };

// Bookmarks keep the resourceVersion fresh and the liveness deadline catches silent watches, so the
// periodic relist is a last defence only: at 50,000 objects a relist every 5 min was most of the
// steady-state load on the API server (docs/controller-scale.md#requests-per-minute).
const DEFAULT_RESYNC_MS = 30 * 60_000;
/** A relist after 410 Gone waits a random time below this: after an API-server restart every type
 * of every replica gets its 410 at once, and their lists should not arrive together. */
export const GONE_RELIST_JITTER_MS = 250;
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
const MAX_OPEN_TIMEOUT_MS = 10_000;
const LIST_PAGE_TIMEOUT_MS = 30_000;

/**
 * Server-side watch timeout (seconds) for an idle timeout: between 50% and 80% of it, so the
 * server's pre-timeout bookmark and close always come before the client gives up on silence,
 * and replicas and types do not restart their watches in lockstep.
 */
export function watchTimeoutSeconds(idleTimeoutMs: number, random = Math.random()): number {
  return Math.max(1, Math.floor((idleTimeoutMs / 1000) * (0.5 + 0.3 * random)));
}

export class ResourceWatcher<T extends KubernetesObject = KubernetesObject> {
  readonly cache: ObjectCache<T>;
  private synced = false;
  private stopped = false;
  private resourceVersion = '';
  private needRelist = true;
  private relistReason: RelistReason = 'initial';
  private readonly backoff: Backoff;
  private readonly log: Logger;
  private readonly idleTimeoutMs: number;
  private readonly openTimeoutMs: number;
  /** Since when (ms epoch) no watch has been working: null while one is (or before the first list). */
  private downSinceMs: number | null = null;
  /** This watcher got no answer at all from the server since its last success. */
  private lostServer = false;
  private stallsInARow = 0;
  private abortWatch: ((outcome: WatchOutcome) => void) | null = null;
  private wakeSleep: (() => void) | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  private loopDone: Promise<void> | null = null;
  private lastListError = '';

  constructor(private readonly opts: WatcherOptions) {
    this.cache = new ObjectCache<T>(opts.type.statusRead);
    this.backoff = new Backoff(opts.backoff ?? DEFAULT_BACKOFF);
    this.log = opts.logger.child({ resource: opts.type.name });
    this.idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.openTimeoutMs = opts.openTimeoutMs ?? Math.min(this.idleTimeoutMs, MAX_OPEN_TIMEOUT_MS);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** How long this type has had no working watch (0 while it has one). */
  downForMs(now = Date.now()): number {
    return this.downSinceMs === null ? 0 : now - this.downSinceMs;
  }

  private markDown(): void {
    this.downSinceMs ??= Date.now();
  }

  /** The server answered a list or a watch: healthy again, and retry delays start over after an outage. */
  private markAnswered(): void {
    this.downSinceMs = null;
    if (this.lostServer) {
      this.lostServer = false;
      this.backoff.reset();
    }
    this.opts.recovery?.answered();
  }

  /**
   * A failed list or watch. Without an HTTP answer (refused, reset, timed out) the server may be
   * gone. With one (e.g. 503 while a restarted server fills its watch cache) it is back: retries
   * start over from the shortest delay rather than at the cap the outage grew them to.
   */
  private noteFailure(err: unknown): void {
    if (statusCode(err) === undefined) {
      this.lostServer = true;
      this.opts.recovery?.unreachable();
      return;
    }
    if (this.lostServer) {
      this.lostServer = false;
      this.backoff.reset();
    }
    this.opts.recovery?.answered();
  }

  start(): void {
    if (this.loopDone) return;
    this.loopDone = this.run();
    this.scheduleResync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    this.abortWatch?.({ kind: 'stopped' });
    this.wakeSleep?.();
    await this.loopDone;
  }

  /** Forces a relist now (used by the periodic resync, and handy in tests). */
  resync(): void {
    this.needRelist = true;
    this.relistReason = 'resync';
    this.abortWatch?.({ kind: 'resync' });
  }

  private scheduleResync(): void {
    const every = this.opts.resyncMs ?? DEFAULT_RESYNC_MS;
    // ±10% so replicas and types do not relist in lockstep.
    const delay = Math.round(every * (0.9 + Math.random() * 0.2));
    this.resyncTimer = setTimeout(() => {
      if (this.stopped) return;
      this.log.debug('periodic resync');
      this.resync();
      this.scheduleResync();
    }, delay);
    this.resyncTimer.unref();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (this.needRelist) {
        try {
          await this.relist();
        } catch (err) {
          if (this.stopped) break;
          this.markDown();
          this.noteFailure(err);
          this.reportListError(err);
          this.opts.stats?.listFailed(this.opts.type.name);
          // 429 with Retry-After: never sooner than the server asked.
          await this.sleep(Math.max(this.backoff.next(), throttledFor(err) ?? 0));
          continue;
        }
      }
      const startedAt = Date.now();
      const timeoutSeconds = watchTimeoutSeconds(this.idleTimeoutMs);
      const outcome = await this.watchOnce(timeoutSeconds);
      if (this.stopped || outcome.kind === 'stopped') break;
      this.opts.stats?.watchEnded(this.opts.type.name, outcome.kind);
      switch (outcome.kind) {
        case 'gone':
          this.log.info({ resourceVersion: this.resourceVersion }, 'watch expired (410 Gone): relisting');
          this.needRelist = true;
          this.relistReason = 'gone';
          await this.sleep(Math.floor(Math.random() * GONE_RELIST_JITTER_MS));
          break;
        case 'resync':
          break;
        case 'closed': {
          // The server ends watches at timeoutSeconds; a watch that lasted about that long, or
          // delivered events, is healthy.
          const lasted = Date.now() - startedAt;
          if (outcome.events > 0 || lasted >= Math.min(5_000, timeoutSeconds * 1000 - 500)) this.backoff.reset();
          else await this.sleep(this.backoff.next());
          break;
        }
        case 'stalled': {
          this.markDown();
          this.lostServer = true;
          this.opts.recovery?.unreachable();
          dropIdleConnections(this.opts.kubeConfig);
          // Straight back (from the last resourceVersion: nothing is lost); back off only when
          // new watches stall too.
          const delay = this.stallsInARow++ === 0 ? 0 : this.backoff.next();
          this.log.warn(
            { silentForMs: outcome.silentMs, stage: outcome.opened ? 'stream' : 'response headers', resourceVersion: this.resourceVersion, retryInMs: delay },
            'watch stalled: nothing received within the idle timeout; restarting it',
          );
          if (delay > 0) await this.sleep(delay);
          break;
        }
        case 'error': {
          this.markDown();
          this.noteFailure(outcome.error);
          if (outcome.events > 0) this.backoff.reset();
          const delay = Math.max(this.backoff.next(), throttledFor(outcome.error) ?? 0);
          this.log.warn({ err: describeError(outcome.error), retryInMs: delay }, 'watch failed: restarting');
          await this.sleep(delay);
          break;
        }
      }
    }
  }

  private async relist(): Promise<void> {
    const items: T[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.withListTimeout(this.opts.type.list({ limit: this.opts.pageSize ?? 500, continueToken }));
      if (!resourceVersion) resourceVersion = page.resourceVersion;
      for (const item of page.items as T[]) items.push(this.cache.prepare(item)); // slimmed page by page
      continueToken = page.continueToken;
    } while (continueToken && !this.stopped);
    if (this.stopped) return;
    const changed = this.cache.replaceAll(items, true);
    this.resourceVersion = resourceVersion;
    this.needRelist = false;
    this.opts.stats?.relisted(this.opts.type.name, this.relistReason, this.cache.size);
    this.backoff.reset();
    this.markAnswered();
    if (this.lastListError) this.log.info('list succeeded again');
    this.lastListError = '';
    this.log.debug({ count: items.length, resourceVersion }, 'listed');
    if (!this.synced) {
      this.synced = true;
      this.opts.onSynced?.();
    }
    if (changed === 'read') this.opts.onChange();
    else if (changed === 'status') this.opts.onStatusChange?.();
  }

  private reportListError(err: unknown): void {
    const desc = describeError(err);
    const notInstalled = this.opts.type.isCustom && statusCode(err) === 404;
    const msg = notInstalled ? 'CRD not installed (404): not synced, retrying' : 'list failed: retrying';
    // Warn on the first failure and when the cause changes; otherwise keep the log quiet.
    if (desc !== this.lastListError) this.log.warn({ err: desc }, msg);
    else this.log.debug({ err: desc }, msg);
    this.lastListError = desc;
  }

  /**
   * A list page that gets no answer within 30 s (or the open timeout, if longer) counts as failed:
   * a request on a stalled connection would otherwise hold the loop forever (it is left to die
   * with its socket).
   */
  private withListTimeout<R>(request: Promise<R>): Promise<R> {
    const ms = Math.max(this.openTimeoutMs, LIST_PAGE_TIMEOUT_MS);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`list: no answer within ${ms} ms`)), ms);
    });
    return Promise.race([request, timeout]).finally(() => clearTimeout(timer));
  }

  private watchOnce(timeoutSeconds: number): Promise<WatchOutcome> {
    return new Promise<WatchOutcome>((resolve) => {
      let settled = false;
      let events = 0;
      let opened = false;
      let lastActivity = Date.now();
      let stream: WatchStream | null = null;
      // Checked a few times per timeout rather than re-armed on every chunk (cheap on busy watches).
      const liveness = setInterval(() => {
        const silentMs = Date.now() - lastActivity;
        if (silentMs > (opened ? this.idleTimeoutMs : this.openTimeoutMs)) finish({ kind: 'stalled', opened, silentMs });
      }, Math.max(100, Math.min(this.openTimeoutMs, this.idleTimeoutMs) / 5));
      liveness.unref();
      const finish = (outcome: WatchOutcome): void => {
        if (settled) return;
        settled = true;
        this.abortWatch = null;
        clearInterval(liveness);
        stream?.abort();
        resolve(outcome);
      };
      this.abortWatch = finish;
      if (this.stopped) return finish({ kind: 'stopped' });

      const query: WatchQuery = {
        resourceVersion: this.resourceVersion || undefined,
        allowWatchBookmarks: true,
        timeoutSeconds,
        labelSelector: this.opts.type.labelSelector,
        fieldSelector: this.opts.type.fieldSelector,
      };
      const onEvent = (phase: string, obj: any): void => {
        if (settled) return;
        events++;
        if (phase === 'ERROR') {
          const code = obj?.code;
          return finish(code === 410 ? { kind: 'gone' } : { kind: 'error', error: obj, events });
        }
        const rv = obj?.metadata?.resourceVersion;
        if (typeof rv === 'string' && rv) this.resourceVersion = rv;
        let changed: ObjectChange = 'none';
        if (phase === 'ADDED' || phase === 'MODIFIED') changed = this.cache.upsert(obj as T);
        else if (phase === 'DELETED') changed = this.cache.delete(obj as T) ? 'read' : 'none';
        else return; // BOOKMARK: only the resourceVersion
        this.opts.stats?.event(this.opts.type.name, phase, this.cache.size);
        if (changed === 'read') this.opts.onChange();
        else if (changed === 'status') this.opts.onStatusChange?.();
      };
      stream = openWatchStream(this.opts.kubeConfig, this.opts.type.watchPath, query, {
        onOpen: () => {
          opened = true;
          lastActivity = Date.now();
          this.stallsInARow = 0;
          this.markAnswered();
        },
        onBytes: () => {
          lastActivity = Date.now();
        },
        onEvent,
        onEnd: (err) => {
          if (err && statusCode(err) === 410) return finish({ kind: 'gone' });
          finish(err ? { kind: 'error', error: err, events } : { kind: 'closed', events });
        },
      });
      if (settled) stream.abort();
    });
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.opts.recovery) {
      const { done, cancel } = this.opts.recovery.sleep(ms);
      this.wakeSleep = cancel;
      return done.finally(() => (this.wakeSleep = null));
    }
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.wakeSleep = () => {
        this.wakeSleep = null;
        done();
      };
    });
  }
}

export function statusCode(err: unknown): number | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

/**
 * A short description of an API error, without response bodies (which may echo object data) and
 * without the text of a response that could not be parsed (a Secret list, say).
 */
export function describeError(err: unknown): string {
  const code = statusCode(err);
  return `${code ? `HTTP ${code}: ` : ''}${errorText(err)}`;
}
