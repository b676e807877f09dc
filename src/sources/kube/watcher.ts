import { Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { ObjectCache } from './object-cache.js';
import { errorText } from '../../observability/error-text.js';
import type { ResourceType } from './resource-types.js';

/**
 * A resilient list+watch loop for one resource type, feeding an ObjectCache.
 *
 * Written on client-node's low-level `Watch` rather than `makeInformer` because the informer stops
 * for good on errors other than 410 and cannot be told to relist on a timer; this loop:
 * - lists (paged) then watches from the list's resourceVersion;
 * - on watch error/close re-watches from the last seen resourceVersion, with jittered backoff;
 * - on 410 Gone (stream ERROR event or HTTP status) relists and swaps the cache atomically, so
 *   deletions during an outage are seen;
 * - relists every `resyncMs` (aborting the current watch) to guard against a silently stalled stream;
 * - treats a failing list (e.g. CRD not installed: 404) as "not synced", logs it and retries.
 */
export interface WatcherOptions {
  kubeConfig: KubeConfig;
  type: ResourceType;
  logger: Logger;
  /** Called after the cache changed (an event, or a relist that found differences). */
  onChange: () => void;
  /** Called once, after the first complete list. */
  onSynced?: () => void;
  resyncMs?: number;
  backoff?: BackoffOptions;
  pageSize?: number;
  /** Counts what the loop does, for metrics (optional). */
  stats?: WatchStats;
}

/** Why the cache was listed again: first sync, 410 Gone, the periodic resync. */
export type RelistReason = 'initial' | 'gone' | 'resync';
/** How a watch stream ended (a 'closed' at the server's timeout is the normal case). */
export type WatchEnd = 'closed' | 'error' | 'gone' | 'resync';

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
  | { kind: 'error'; error: unknown; events: number };

const DEFAULT_RESYNC_MS = 5 * 60_000;

export class ResourceWatcher<T extends KubernetesObject = KubernetesObject> {
  readonly cache = new ObjectCache<T>();
  private synced = false;
  private stopped = false;
  private resourceVersion = '';
  private needRelist = true;
  private relistReason: RelistReason = 'initial';
  private readonly backoff: Backoff;
  private readonly watch: Watch;
  private readonly log: Logger;
  private abortWatch: ((outcome: WatchOutcome) => void) | null = null;
  private wakeSleep: (() => void) | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  private loopDone: Promise<void> | null = null;
  private lastListError = '';

  constructor(private readonly opts: WatcherOptions) {
    this.backoff = new Backoff(opts.backoff ?? DEFAULT_BACKOFF);
    this.watch = new Watch(opts.kubeConfig);
    this.log = opts.logger.child({ resource: opts.type.name });
  }

  hasSynced(): boolean {
    return this.synced;
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
          this.reportListError(err);
          this.opts.stats?.listFailed(this.opts.type.name);
          await this.sleep(this.backoff.next());
          continue;
        }
      }
      const startedAt = Date.now();
      const outcome = await this.watchOnce();
      if (this.stopped || outcome.kind === 'stopped') break;
      this.opts.stats?.watchEnded(this.opts.type.name, outcome.kind);
      switch (outcome.kind) {
        case 'gone':
          this.log.info({ resourceVersion: this.resourceVersion }, 'watch expired (410 Gone): relisting');
          this.needRelist = true;
          this.relistReason = 'gone';
          break;
        case 'resync':
          break;
        case 'closed':
          // The server ends watches at timeoutSeconds; a long-lived or productive watch is healthy.
          if (outcome.events > 0 || Date.now() - startedAt > 5_000) this.backoff.reset();
          else await this.sleep(this.backoff.next());
          break;
        case 'error': {
          if (outcome.events > 0) this.backoff.reset();
          const delay = this.backoff.next();
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
      const page = await this.opts.type.list({ limit: this.opts.pageSize ?? 500, continueToken });
      if (!resourceVersion) resourceVersion = page.resourceVersion;
      items.push(...(page.items as T[]));
      continueToken = page.continueToken;
    } while (continueToken && !this.stopped);
    if (this.stopped) return;
    const changed = this.cache.replaceAll(items);
    this.resourceVersion = resourceVersion;
    this.needRelist = false;
    this.opts.stats?.relisted(this.opts.type.name, this.relistReason, this.cache.size);
    this.backoff.reset();
    if (this.lastListError) this.log.info('list succeeded again');
    this.lastListError = '';
    this.log.debug({ count: items.length, resourceVersion }, 'listed');
    if (!this.synced) {
      this.synced = true;
      this.opts.onSynced?.();
    }
    if (changed) this.opts.onChange();
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

  private watchOnce(): Promise<WatchOutcome> {
    return new Promise<WatchOutcome>((resolve) => {
      let settled = false;
      let events = 0;
      let controller: AbortController | null = null;
      const finish = (outcome: WatchOutcome): void => {
        if (settled) return;
        settled = true;
        this.abortWatch = null;
        controller?.abort();
        resolve(outcome);
      };
      this.abortWatch = finish;
      if (this.stopped) return finish({ kind: 'stopped' });

      const query: Record<string, string | number | boolean | undefined> = {
        resourceVersion: this.resourceVersion || undefined,
        allowWatchBookmarks: true,
        // Server-side close after 4-8 minutes keeps connections fresh (as client-go does).
        timeoutSeconds: 240 + Math.floor(Math.random() * 240),
        labelSelector: this.opts.type.labelSelector,
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
        let changed = false;
        if (phase === 'ADDED' || phase === 'MODIFIED') changed = this.cache.upsert(obj as T);
        else if (phase === 'DELETED') changed = this.cache.delete(obj as T);
        else return; // BOOKMARK: only the resourceVersion
        this.opts.stats?.event(this.opts.type.name, phase, this.cache.size);
        if (changed) this.opts.onChange();
      };
      const onDone = (err: unknown): void => {
        if (err && statusCode(err) === 410) return finish({ kind: 'gone' });
        finish(err ? { kind: 'error', error: err, events } : { kind: 'closed', events });
      };
      this.watch.watch(this.opts.type.watchPath, query, onEvent, onDone).then(
        (c) => {
          controller = c;
          if (settled) c.abort();
        },
        (err) => finish({ kind: 'error', error: err, events }),
      );
    });
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
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
