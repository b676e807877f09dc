import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Diagnostic } from '../model/diagnostics.js';
import { Backoff } from '../sources/kube/backoff.js';
import { CRD_GROUP, CRD_VERSION, type CrdKind, type KubeObjects } from '../sources/kube/kube-objects.js';
import type { CustomObject, StatusCondition } from '../sources/kube/types.js';
import { describeError, statusCode } from '../sources/kube/watcher.js';
import {
  MANAGED_CONDITIONS,
  conditionTime,
  conditionsEqual,
  desiredStatusOf,
  diagnosticsByObject,
  eventsFor,
  statusKey,
  targetKey,
  type DesiredStatus,
} from './conditions.js';
import { kicDesiredStatuses, kicStatusObjects } from './kic-conditions.js';
import type { KicSettings } from '../sources/kube/kic/types.js';
import type { EventRecorder } from './events.js';
import { LeaderWriteQueue } from './write-queue.js';
import { retryDelay } from './retry-delay.js';
import type { WriteBudget } from './write-budget.js';

/**
 * Leader-only writer of `.status.conditions` and `.status.observedGeneration` (the
 * metadata.generation the status was computed from). `report` is synchronous and cheap (it only computes
 * the differences and queues them), so serving never waits on the API server. A single worker
 * drains the queue at a bounded rate; a newer desired status for an object replaces a queued one.
 * Conflicts, throttling, 5xx and 401/403 are retried with backoff; 404 (object gone) drops the item.
 * 401/403 are retried because a kube-apiserver that just started answers 403 until its RBAC
 * caches fill; dropping the write would leave the status stale until something else changed.
 */
export interface StatusWriterOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  isLeader: () => boolean;
  events: EventRecorder;
  /** The process's write budget (write-budget.ts), shared with the other writers and Events. */
  budget: WriteBudget;
  /** --kic-resources: KIC's objects get their Programmed condition too (docs/kong-ingress-controller.md#status). */
  kic?: KicSettings;
  now?: () => Date;
}

/** What a report decided for one cached object version from, keyed by that version's object. */
interface SeenObject {
  kind: string;
  key: string;
  /** The diagnostics naming the object, as one string. */
  signature: string;
  /** The report that last saw it (older: the object is gone). */
  epoch: number;
}

/** Everything of a diagnostic that its object's conditions can show. */
function diagnosticSignature(d: Diagnostic): string {
  return `${d.severity}\u0000${d.reason}\u0000${d.field ?? ''}\u0000${d.message}\u0000${d.object.uid ?? ''}`;
}

interface QueueItem extends DesiredStatus {
  /** resourceVersion of the object the desired status was computed from. */
  resourceVersion?: string;
  notBefore: number;
}

export class StatusWriter {
  private readonly api: CustomObjectsApi;
  private readonly log: Logger;
  private readonly queue = new LeaderWriteQueue<QueueItem>({
    isLeader: () => this.opts.isLeader(),
    budget: () => this.opts.budget,
    write: (key, item) => this.write(key, item),
  });
  private readonly pending = this.queue.pending;
  /** What we last wrote per object, and the object's resourceVersion when we computed it, so a
   * rebuild that runs before our own write comes back through the watch does not write again. */
  private readonly written = new Map<string, { resourceVersion?: string; conditions: StatusCondition[] }>();
  private readonly backoffs = new Map<string, Backoff>();
  private readonly inFlight = new Map<string, QueueItem>();
  private lastInput: { diagnostics: readonly Diagnostic[]; objects: KubeObjects } | null = null;
  /** Per cached object version: what the last report decided from (incremental reports). */
  private readonly seen = new WeakMap<object, SeenObject>();
  private readonly byKey = new Map<string, SeenObject>();
  private epoch = 0;
  /** The last report's cost: objects recomputed and ms (tests, docs/controller-scale.md figures). */
  lastReport = { computed: 0, ms: 0 };
  patches = 0;

  constructor(private readonly opts: StatusWriterOptions) {
    this.api = opts.kubeConfig.makeApiClient(CustomObjectsApi);
    this.log = opts.logger.child({ component: 'status-writer' });
  }

  /**
   * Queues the differences between each object's status and the one its diagnostics call for.
   * Incremental (docs/controller-scale.md#status-writes): an object seen at the last report as the
   * same cached version (the watch cache keeps an unchanged object's reference) and named by the
   * same diagnostics is skipped: the decision made for it then still holds. `full` recomputes all.
   */
  report(diagnostics: readonly Diagnostic[], objects: KubeObjects, full = false): void {
    if (this.queue.stopped) return;
    this.lastInput = { diagnostics, objects };
    const started = performance.now();
    const epoch = ++this.epoch;
    const byObject = diagnosticsByObject(diagnostics);
    const signatures = new Map<string, string>();
    const signature = (key: string): string => {
      const named = byObject.get(key);
      if (named === undefined) return '';
      let sig = signatures.get(key);
      if (sig === undefined) signatures.set(key, (sig = named.map(diagnosticSignature).join('\n')));
      return sig;
    };
    let nowIso: string | undefined;
    let computed = 0;
    const lists: Array<[CrdKind, readonly CustomObject[]]> = [
      ['KongConsumer', objects.consumers],
      ['JwtCredential', objects.credentials],
      ['Route', objects.routes],
      // JwtPolicies are watched with --gateway-api only (docs/gateway-api.md#jwt).
      ['JwtPolicy', objects.gatewayApi?.jwtPolicies ?? []],
    ];
    for (const [kind, list] of lists) {
      for (const obj of list) {
        const seen = this.seen.get(obj);
        if (seen !== undefined && !full && seen.kind === kind && seen.signature === signature(seen.key)) {
          seen.epoch = epoch;
          this.byKey.set(seen.key, seen);
          continue;
        }
        const key = statusKey(kind, obj.metadata?.namespace, obj.metadata?.name ?? '');
        nowIso ??= conditionTime((this.opts.now ?? (() => new Date()))());
        const d = desiredStatusOf(kind, obj, byObject.get(key), nowIso);
        if (d === undefined) continue;
        computed++;
        const memo: SeenObject = { kind, key, signature: signature(key), epoch };
        this.seen.set(obj, memo);
        this.byKey.set(key, memo);
        this.decide(key, d, obj);
      }
    }
    // KIC's objects (few: plugins, consumers, groups) are recomputed on every report.
    const kic = this.opts.kic !== undefined && objects.kic !== undefined ? { settings: this.opts.kic, objects: objects.kic } : undefined;
    if (kic !== undefined) {
      const live = new Map<string, CustomObject>();
      for (const [kind, o] of kicStatusObjects(kic.objects, kic.settings)) {
        const ns = kind === 'KongClusterPlugin' ? '' : (o.metadata.namespace ?? 'default');
        live.set(`${ns}/${o.metadata.name ?? ''}/${o.metadata.uid ?? ''}`, o as CustomObject);
      }
      for (const d of kicDesiredStatuses(diagnostics, kic.objects, kic.settings, (this.opts.now ?? (() => new Date()))())) {
        const key = targetKey(d.target);
        const obj = live.get(`${d.target.namespace}/${d.target.name}/${d.target.uid ?? ''}`);
        computed++;
        this.byKey.set(key, { kind: d.target.kind, key, signature: '', epoch });
        this.decide(key, d, obj ?? { metadata: {} });
      }
    }
    // Objects gone since the last report: forget what was queued or written for them.
    for (const [key, memo] of this.byKey) {
      if (memo.epoch === epoch) continue;
      this.byKey.delete(key);
      this.pending.delete(key);
      this.written.delete(key);
    }
    this.lastReport = { computed, ms: performance.now() - started };
    this.queue.kick();
  }

  /** Queues one object's desired status unless it is current, already written or already queued. */
  private decide(key: string, d: DesiredStatus, obj: CustomObject): void {
    const rv = obj.metadata?.resourceVersion;
    const w = this.written.get(key);
    const f = this.inFlight.get(key);
    const alreadyWritten =
      (w && w.resourceVersion === rv && conditionsEqual(w.conditions, d.desired)) ||
      // Being written right now: no second, identical write once it returns.
      (f !== undefined && f.resourceVersion === rv && conditionsEqual(f.desired, d.desired));
    // A status written before observedGeneration existed (same conditions) still gets it.
    // KIC's status has conditions only: the condition's observedGeneration says it (conditionsEqual compares it).
    const generationCurrent = d.target.generation === undefined || d.target.apiVersion !== undefined || obj.status?.['observedGeneration'] === d.target.generation;
    if ((conditionsEqual(d.current, d.desired) && generationCurrent) || alreadyWritten) {
      this.pending.delete(key);
      for (const c of d.desired) if (c.status === 'True') this.opts.events.forget(d.target, c.type);
      return;
    }
    const queued = this.pending.get(key);
    // Keep an equal queued item rather than a fresh copy: a follower (or a leader behind on a
    // large cluster) re-reports objects, and replacing them all would turn each report into
    // old-generation garbage (hundreds of MB of RSS at 10k objects).
    if (queued && queued.resourceVersion === rv && conditionsEqual(queued.desired, d.desired) && conditionsEqual(queued.current, d.current)) return;
    this.pending.set(key, { ...d, resourceVersion: rv, notBefore: queued?.notBefore ?? 0 });
  }

  /** To be called when this replica becomes leader: recompute every object from the last input and write. */
  onLeadership(leader: boolean): void {
    if (leader && this.lastInput) this.report(this.lastInput.diagnostics, this.lastInput.objects, true);
  }

  pendingCount(): number {
    return this.pending.size;
  }

  /** The queued statuses by object key (tests and debug). */
  queued(): ReadonlyMap<string, DesiredStatus & { resourceVersion?: string }> {
    return this.pending;
  }

  async stop(): Promise<void> {
    await this.queue.stop();
  }

  private async write(key: string, item: QueueItem): Promise<void> {
    this.inFlight.set(key, item);
    try {
      await this.patch(key, item);
    } finally {
      this.inFlight.delete(key);
    }
  }

  private async patch(key: string, item: QueueItem): Promise<void> {
    const t = item.target;
    const [group, version] = t.apiVersion === undefined ? [CRD_GROUP, CRD_VERSION] : (t.apiVersion.split('/') as [string, string]);
    const body = { status: statusBody(item) };
    const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    try {
      // KongClusterPlugin (namespace ''): the only cluster-scoped kind we write.
      if (t.namespace === '') await this.api.patchClusterCustomObjectStatus({ group, version, plural: t.plural, name: t.name, body }, mergePatch);
      else await this.api.patchNamespacedCustomObjectStatus({ group, version, namespace: t.namespace, plural: t.plural, name: t.name, body }, mergePatch);
      this.patches++;
      this.backoffs.delete(key);
      this.written.set(key, { resourceVersion: item.resourceVersion, conditions: item.desired });
      this.log.debug({ object: key }, 'status written');
      for (const c of item.desired) if (c.status === 'True' && (MANAGED_CONDITIONS as readonly string[]).includes(c.type)) this.opts.events.forget(t, c.type);
      // No Events for a cluster-scoped object (KongClusterPlugin): the chart grants Events in the
      // watched namespace only; its condition carries the message.
      if (t.namespace !== '') for (const e of this.opts.events.dedupe(t, eventsFor(item.current, item.desired))) await this.opts.events.warn(t, e);
    } catch (err) {
      const code = statusCode(err);
      if (code === 404) {
        this.log.debug({ object: key }, 'object gone before its status was written');
        return;
      }
      const retriable = code === undefined || code === 401 || code === 403 || code === 409 || code === 429 || code >= 500;
      if (!retriable) {
        this.log.warn({ object: key, err: describeError(err) }, 'status patch rejected');
        return;
      }
      let b = this.backoffs.get(key);
      if (!b) this.backoffs.set(key, (b = new Backoff({ initialMs: 250, maxMs: 30_000, jitter: 0.5 })));
      const delay = retryDelay(err, b, this.opts.budget);
      this.log.warn({ object: key, err: describeError(err), retryInMs: delay }, 'status patch failed: will retry');
      // A newer desired status queued meanwhile wins; otherwise retry this one later.
      this.queue.retry(key, item, delay);
    }
  }
}

/**
 * The merge patch's status: our conditions, and the generation they describe. KIC's status
 * schema has no status.observedGeneration (the API server would prune it): conditions only.
 */
function statusBody(item: DesiredStatus): { observedGeneration?: number; conditions: StatusCondition[] } {
  const generation = item.target.generation;
  return generation === undefined || item.target.apiVersion !== undefined ? { conditions: item.desired } : { observedGeneration: generation, conditions: item.desired };
}
