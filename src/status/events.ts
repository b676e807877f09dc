import { EventsV1Api, type EventsV1Event, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { randomBytes } from 'node:crypto';
import { CRD_GROUP, CRD_VERSION } from '../sources/kube/kube-objects.js';
import { describeError } from '../sources/kube/watcher.js';
import type { ConditionEvent, StatusTarget } from './conditions.js';
import { microTime } from './leader-election.js';

export const REPORTING_CONTROLLER = 'portcullis.dev/controller';
const MAX_NOTE = 1024; // events.k8s.io/v1 rejects longer notes

/** The object an Event is about: one of our CRs, or an object of another API group (an Ingress). */
export type EventSubject = Pick<StatusTarget, 'namespace' | 'name' | 'uid'> & { kind: string; apiVersion?: string };

/**
 * Writes Warning Events (events.k8s.io/v1) about our CRs. Deduplicated: an event for
 * (object, condition) is emitted only when its False reason differs from the last one emitted;
 * `forget` (condition back to True) re-arms it.
 */
export class EventRecorder {
  private readonly api: EventsV1Api;
  private readonly lastReason = new Map<string, string>();
  emitted = 0;

  constructor(
    kubeConfig: KubeConfig,
    private readonly identity: string,
    private readonly logger: Logger,
  ) {
    this.api = kubeConfig.makeApiClient(EventsV1Api);
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
    const now = new Date();
    const note = event.message.length > MAX_NOTE ? `${event.message.slice(0, MAX_NOTE - 1)}…` : event.message;
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
    try {
      await this.api.createNamespacedEvent({ namespace: target.namespace, body });
      this.emitted++;
    } catch (err) {
      this.logger.warn({ err: describeError(err), object: `${target.kind} ${target.namespace}/${target.name}` }, 'could not create Event');
    }
  }
}
