import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { GATEWAY_API_GROUP, GATEWAY_API_VERSION, GATEWAY_CONTROLLER_NAME } from '../model/gateway-api.js';
import { Backoff } from '../sources/kube/backoff.js';
import type { GatewayApiStatus } from '../sources/kube/gateway-api/index.js';
import { describeError, statusCode } from '../sources/kube/watcher.js';
import { LeaderWriteQueue } from './write-queue.js';
import { retryDelay } from './retry-delay.js';
import type { WriteBudget } from './write-budget.js';

/**
 * Leader-only writer of GatewayClass, Gateway and HTTPRoute status (docs/gateway-api.md#status),
 * as StatusWriter does for our CRs: `report` only queues differences; one worker patches the
 * status subresource at a bounded rate, retrying conflicts and outages with backoff. An HTTPRoute's
 * `parents` keeps the entries of other controllers; its patch carries the resourceVersion the
 * merge was computed from, so a concurrent writer's change is never overwritten (409: retried
 * with the next input).
 */
export interface GatewayApiStatusWriterOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  isLeader: () => boolean;
  /** The process's write budget (write-budget.ts), shared with the other writers and Events. */
  budget: WriteBudget;
}

interface Item {
  status: GatewayApiStatus;
  body: Record<string, unknown>;
  notBefore: number;
}

export class GatewayApiStatusWriter {
  private readonly api: CustomObjectsApi;
  private readonly log: Logger;
  private readonly queue = new LeaderWriteQueue<Item>({
    isLeader: () => this.opts.isLeader(),
    budget: () => this.opts.budget,
    write: (key, item) => this.write(key, item),
  });
  private readonly pending = this.queue.pending;
  private readonly written = new Map<string, { resourceVersion?: string; json: string }>();
  private readonly backoffs = new Map<string, Backoff>();
  private last: readonly GatewayApiStatus[] = [];

  constructor(private readonly opts: GatewayApiStatusWriterOptions) {
    this.api = opts.kubeConfig.makeApiClient(CustomObjectsApi);
    this.log = opts.logger.child({ component: 'gateway-api-status' });
  }

  report(statuses: readonly GatewayApiStatus[]): void {
    if (this.queue.stopped) return;
    this.last = statuses;
    const seen = new Set<string>();
    for (const s of statuses) {
      const key = `${s.kind}/${s.namespace ?? ''}/${s.name}`;
      seen.add(key);
      const body = statusBody(s);
      const json = comparable(body);
      const w = this.written.get(key);
      if (json === comparable(currentView(s)) || (w !== undefined && w.resourceVersion === s.resourceVersion && w.json === json)) {
        this.pending.delete(key);
        continue;
      }
      const queued = this.pending.get(key);
      this.pending.set(key, { status: s, body, notBefore: queued?.notBefore ?? 0 });
    }
    for (const k of this.pending.keys()) if (!seen.has(k)) this.pending.delete(k);
    for (const k of this.written.keys()) if (!seen.has(k)) this.written.delete(k);
    this.queue.kick();
  }

  onLeadership(leader: boolean): void {
    if (leader) this.report(this.last);
  }

  pendingCount(): number {
    return this.pending.size;
  }

  async stop(): Promise<void> {
    await this.queue.stop();
  }

  private async write(key: string, item: Item): Promise<void> {
    const s = item.status;
    const body: Record<string, unknown> = { status: item.body };
    // HTTPRoute parents are shared with other controllers: only on top of the version we merged with.
    if (s.kind === 'HTTPRoute' && s.resourceVersion !== undefined) body['metadata'] = { resourceVersion: s.resourceVersion };
    const base = { group: GATEWAY_API_GROUP, version: GATEWAY_API_VERSION, plural: s.plural, name: s.name, body };
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    try {
      if (s.namespace === undefined) await this.api.patchClusterCustomObjectStatus(base, merge);
      else await this.api.patchNamespacedCustomObjectStatus({ ...base, namespace: s.namespace }, merge);
      this.backoffs.delete(key);
      this.written.set(key, { ...(s.resourceVersion !== undefined && { resourceVersion: s.resourceVersion }), json: comparable(item.body) });
      this.log.debug({ object: key }, 'status written');
    } catch (err) {
      const code = statusCode(err);
      if (code === 404) return;
      // 409 on an HTTPRoute: someone else wrote; the watch brings the new version and a new report.
      if (code === 409 && s.kind === 'HTTPRoute') return;
      const retriable = code === undefined || code === 401 || code === 403 || code === 409 || code === 429 || code >= 500;
      if (!retriable) {
        this.log.warn({ object: key, err: describeError(err) }, 'status patch rejected');
        return;
      }
      let b = this.backoffs.get(key);
      if (!b) this.backoffs.set(key, (b = new Backoff({ initialMs: 250, maxMs: 30_000, jitter: 0.5 })));
      const delay = retryDelay(err, b, this.opts.budget);
      this.log.warn({ object: key, err: describeError(err), retryInMs: delay }, 'status patch failed: will retry');
      this.queue.retry(key, item, delay);
    }
  }
}

type Parent = { controllerName?: string; parentRef?: Record<string, unknown> };

/** What to write: GatewayClass/Gateway our status; HTTPRoute the other controllers' parents plus ours. */
function statusBody(s: GatewayApiStatus): Record<string, unknown> {
  if (s.kind !== 'HTTPRoute') return s.desired;
  const foreign = ((s.current?.['parents'] as Parent[] | undefined) ?? []).filter((p) => p.controllerName !== GATEWAY_CONTROLLER_NAME);
  return { parents: [...foreign, ...(s.desired['parents'] as Parent[])] };
}

/** The current status restricted to the keys we write. */
function currentView(s: GatewayApiStatus): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(statusBody(s))) if (s.current?.[k] !== undefined) out[k] = s.current[k];
  return out;
}

/**
 * Canonical JSON (sorted keys; no lastTransitionTime; empty arrays as absent, as the API server
 * omits them), so a rebuild that changes nothing writes nothing.
 */
export function comparable(v: unknown): string {
  return JSON.stringify(canonical(v)) ?? '';
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map(canonical);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) {
    if (k === 'lastTransitionTime') continue;
    const c = canonical((v as Record<string, unknown>)[k]);
    if (c !== undefined) out[k] = c;
  }
  return out;
}
