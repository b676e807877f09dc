import { EventsV1Api, PatchStrategy, setHeaderOptions, type EventsV1Event, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { randomBytes } from 'node:crypto';
import { CRD_GROUP, CRD_VERSION } from '../sources/kube/kube-objects.js';
import { describeError } from '../sources/kube/watcher.js';
import type { ConditionEvent, StatusTarget } from './conditions.js';
import { microTime } from './leader-election.js';
import { DEFAULT_AGGREGATION, EventAggregator, groupKey, type AggregatorOptions, type Group } from './event-aggregator.js';
import { WriteBudget } from './write-budget.js';

export const REPORTING_CONTROLLER = 'portcullis.dev/controller';
const MAX_NOTE = 1024; // events.k8s.io/v1 rejects longer notes

/** The object an Event is about: one of our CRs, or an object of another API group (an Ingress). */
export type EventSubject = Pick<StatusTarget, 'namespace' | 'name' | 'uid'> & { kind: string; apiVersion?: string };

/** How often an aggregate Event's series.count is brought up to date (at most). */
const SERIES_FLUSH_MS = 10_000;

/**
 * Writes Warning Events (events.k8s.io/v1) about our CRs. Deduplicated: an event for
 * (object, condition) is emitted only when its False reason differs from the last one emitted;
 * `forget` (condition back to True) re-arms it. Aggregated: past 10 objects failing the same way
 * within 10 minutes, one Event per group counts the rest in `series.count`
 * (event-aggregator.ts). Every create and update takes from the process's write budget.
 */
export class EventRecorder {
  private readonly api: EventsV1Api;
  private readonly lastReason = new Map<string, string>();
  private readonly aggregator: EventAggregator;
  private flushTimer: NodeJS.Timeout | null = null;
  emitted = 0;
  /** Events folded into an aggregate instead of being created. */
  folded = 0;

  constructor(
    kubeConfig: KubeConfig,
    private readonly identity: string,
    private readonly logger: Logger,
    private readonly budget: WriteBudget = new WriteBudget(),
    aggregation: AggregatorOptions = DEFAULT_AGGREGATION,
    private readonly flushMs = SERIES_FLUSH_MS,
  ) {
    this.api = kubeConfig.makeApiClient(EventsV1Api);
    this.aggregator = new EventAggregator(aggregation);
  }

  stop(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  /** Returns the events not yet emitted for this object, remembering them as emitted. */
  dedupe(target: EventSubject, events: readonly ConditionEvent[]): ConditionEvent[] {
    const out: ConditionEvent[] = [];
    for (const e of events) {
      const key = `${target.uid ?? `${target.kind}/${target.namespace}/${target.name}`}/${e.conditionType}`;
      if (this.lastReason.get(key) === e.reason) continue;
      this.lastReason.set(key, e.reason);
      out.push(e);
    }
    return out;
  }

  forget(target: EventSubject, conditionType: string): void {
    this.lastReason.delete(`${target.uid ?? `${target.kind}/${target.namespace}/${target.name}`}/${conditionType}`);
  }

  async warn(target: EventSubject, event: ConditionEvent): Promise<void> {
    const decision = this.aggregator.record(groupKey(target.namespace, target.kind, event.conditionType, event.reason));
    if (decision.kind === 'fold') {
      this.folded++;
      if (decision.first) await this.createAggregate(decision.group, target, event);
      else this.scheduleFlush();
      return;
    }
    await this.create(target, event, event.message);
  }

  /** Creates one Event; returns its name, or undefined when the API refused it (logged). */
  private async create(target: EventSubject, event: ConditionEvent, message: string): Promise<string | undefined> {
    const now = new Date();
    const note = message.length > MAX_NOTE ? `${message.slice(0, MAX_NOTE - 1)}…` : message;
    const body = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: {
        name: `${target.name}.${now.getTime().toString(16)}${randomBytes(3).toString('hex')}`,
        namespace: target.namespace,
      },
      eventTime: microTime(now),
      type: 'Warning',
      reason: event.reason,
      action: `Set${event.conditionType}`,
      note: note || `${event.conditionType} is False: ${event.reason}`,
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: this.identity,
      regarding: {
        apiVersion: target.apiVersion ?? `${CRD_GROUP}/${CRD_VERSION}`,
        kind: target.kind,
        namespace: target.namespace,
        name: target.name,
        ...(target.uid ? { uid: target.uid } : {}),
      },
    } as unknown as EventsV1Event;
    await this.budget.take();
    try {
      await this.api.createNamespacedEvent({ namespace: target.namespace, body });
      this.emitted++;
      return body.metadata!.name;
    } catch (err) {
      this.logger.warn({ err: describeError(err), object: `${target.kind} ${target.namespace}/${target.name}` }, 'could not create Event');
      return undefined;
    }
  }

  /** The group's one Event for everything past its first singles; its note cannot change later (only series may). */
  private async createAggregate(group: Group, target: EventSubject, event: ConditionEvent): Promise<void> {
    group.aggregate = { name: '', namespace: target.namespace, written: 1, creating: true };
    const message =
      `(combined from similar events): more ${target.kind} objects in ${target.namespace} have ${event.conditionType} False (${event.reason}); ` +
      `series.count counts them. First folded: ${target.name}: ${event.message}`;
    const name = await this.create(target, event, message);
    if (name === undefined) {
      delete group.aggregate; // the next folded event tries again
      return;
    }
    group.aggregate = { name, namespace: target.namespace, written: 1, creating: false };
    if (group.folded > 1) this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flush();
    }, this.flushMs);
    this.flushTimer.unref();
  }

  /** series.count (and lastObservedTime) of every aggregate behind its group, one PATCH each. */
  private async flush(): Promise<void> {
    for (const g of this.aggregator.stale()) {
      const agg = g.aggregate!;
      const count = g.folded;
      if (count < 2) continue; // the API accepts a series of 2 or more only
      const namespace = agg.namespace;
      await this.budget.take();
      try {
        await this.api.patchNamespacedEvent(
          { name: agg.name, namespace, body: { series: { count, lastObservedTime: microTime(new Date(g.lastObserved)) } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        agg.written = count;
      } catch (err) {
        this.logger.warn({ err: describeError(err), event: `${namespace}/${agg.name}` }, 'could not update the aggregate Event');
        agg.written = count; // not retried: the next fold brings a newer count
      }
    }
  }

}
