import { CoreV1Api, NetworkingV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Diagnostic } from '../model/diagnostics.js';
import { INGRESS_API_VERSION, type IngressSettings } from '../model/ingress.js';
import { Backoff } from '../sources/kube/backoff.js';
import { isServed, servedClasses } from '../sources/kube/ingress-class.js';
import type { LoadBalancerIngress } from '../sources/kube/ingress-types.js';
import type { KubeObjects } from '../sources/kube/kube-objects.js';
import { describeError, statusCode } from '../sources/kube/watcher.js';
import type { EventRecorder } from './events.js';
import { sameAddresses, serviceAddresses, sortAddresses, toLoadBalancerIngress, type IngressPublishing, type PublishedService } from './ingress-addresses.js';
import { LeaderWriteQueue } from './write-queue.js';
import { retryDelay } from './retry-delay.js';
import type { WriteBudget } from './write-budget.js';

export interface IngressStatusOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  isLeader: () => boolean;
  events: EventRecorder;
  settings: IngressSettings;
  publishing: IngressPublishing;
  /** The process's write budget (write-budget.ts), shared with the other writers and Events. */
  budget: WriteBudget;
  /** How often a published Service outside the watched namespace is read again (default 10 s). */
  serviceRefreshMs?: number;
}

interface Pending {
  namespace: string;
  name: string;
  resourceVersion: string | undefined;
  addresses: LoadBalancerIngress[];
  notBefore: number;
}

/**
 * Leader-only writer for the Ingresses we serve (docs/ingress.md#status): the addresses clients
 * use in status.loadBalancer.ingress (from --publish-address, or the --publish-service Service),
 * and a Warning Event per new diagnostic about an Ingress (Ingress has no conditions). `report` only
 * computes differences and queues them; one worker writes, retrying with backoff. Ingresses of
 * other classes are never written to: another controller owns their status.
 */
export class IngressStatusWriter {
  private readonly networking: NetworkingV1Api;
  private readonly core: CoreV1Api;
  private readonly log: Logger;
  private readonly queue = new LeaderWriteQueue<Pending>({
    isLeader: () => this.opts.isLeader(),
    budget: () => this.opts.budget,
    write: (key, item) => this.write(key, item),
  });
  private readonly pending = this.queue.pending;
  private readonly written = new Map<string, { resourceVersion: string | undefined; addresses: LoadBalancerIngress[] }>();
  private readonly backoffs = new Map<string, Backoff>();
  /** "ns/name/uid" → the diagnostics already sent as Events (re-armed when they go away). */
  private readonly emitted = new Map<string, Set<string>>();
  private lastInput: { diagnostics: readonly Diagnostic[]; objects: KubeObjects } | null = null;
  private fetched: { service: PublishedService | undefined; ok: boolean } | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  patches = 0;

  constructor(private readonly opts: IngressStatusOptions) {
    this.networking = opts.kubeConfig.makeApiClient(NetworkingV1Api);
    this.core = opts.kubeConfig.makeApiClient(CoreV1Api);
    this.log = opts.logger.child({ component: 'ingress-status' });
  }

  report(diagnostics: readonly Diagnostic[], objects: KubeObjects): void {
    if (this.queue.stopped || objects.ingresses === undefined) return;
    this.lastInput = { diagnostics, objects };
    if (!this.opts.isLeader()) return;
    const served = servedClasses(objects.ingressClasses ?? [], this.opts.settings);
    const addresses = this.addresses(objects);
    const byIngress = new Map<string, Diagnostic[]>();
    for (const d of diagnostics) {
      if (d.object.kind !== 'Ingress') continue;
      const key = `${d.object.namespace}/${d.object.name}`;
      const list = byIngress.get(key);
      if (list) list.push(d);
      else byIngress.set(key, [d]);
    }
    const seen = new Set<string>();
    const seenEvents = new Set<string>();
    for (const ing of objects.ingresses) {
      const m = ing.metadata;
      if (!m.name || !isServed(ing, served)) continue;
      const key = `${m.namespace ?? ''}/${m.name}`;
      seen.add(key);
      this.emitEvents(key, m, byIngress.get(key) ?? [], seenEvents);
      if (addresses === undefined) continue;
      const w = this.written.get(key);
      const current = ing.status?.loadBalancer?.ingress;
      if (sameAddresses(current, addresses) || (w && w.resourceVersion === m.resourceVersion && sameAddresses(w.addresses, addresses))) {
        this.pending.delete(key);
        continue;
      }
      const queued = this.pending.get(key);
      this.pending.set(key, { namespace: m.namespace ?? '', name: m.name, resourceVersion: m.resourceVersion, addresses, notBefore: queued?.notBefore ?? 0 });
    }
    for (const key of this.pending.keys()) if (!seen.has(key)) this.pending.delete(key);
    for (const key of this.written.keys()) if (!seen.has(key)) this.written.delete(key);
    for (const key of this.emitted.keys()) if (!seenEvents.has(key)) this.emitted.delete(key);
    this.queue.kick();
  }

  onLeadership(leader: boolean): void {
    if (leader && this.lastInput) this.report(this.lastInput.diagnostics, this.lastInput.objects);
  }

  pendingCount(): number {
    return this.pending.size;
  }

  async stop(): Promise<void> {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    await this.queue.stop();
  }

  /** undefined: nothing to publish (no flag), or the Service has not been read yet. */
  private addresses(objects: KubeObjects): LoadBalancerIngress[] | undefined {
    const p = this.opts.publishing;
    if (p.addresses !== undefined && p.addresses.length > 0) return sortAddresses(p.addresses.map(toLoadBalancerIngress));
    if (p.service === undefined) return undefined;
    const watched = objects.services.get(`${p.service.namespace}/${p.service.name}`);
    if (watched !== undefined) return serviceAddresses(watched);
    // Outside the watched namespace: read it (services get) and again every serviceRefreshMs.
    this.startServiceRefresh();
    return this.fetched?.ok ? serviceAddresses(this.fetched.service) : undefined;
  }

  private startServiceRefresh(): void {
    if (this.refreshTimer || this.queue.stopped) return;
    const refresh = (): void => void this.fetchService();
    this.refreshTimer = setInterval(refresh, this.opts.serviceRefreshMs ?? 10_000);
    this.refreshTimer.unref();
    refresh();
  }

  private async fetchService(): Promise<void> {
    const ref = this.opts.publishing.service!;
    let next: { service: PublishedService | undefined; ok: boolean };
    try {
      next = { service: (await this.core.readNamespacedService(ref)) as PublishedService, ok: true };
    } catch (err) {
      if (statusCode(err) === 404) next = { service: undefined, ok: true };
      else {
        this.log.warn({ err: describeError(err), service: `${ref.namespace}/${ref.name}` }, 'cannot read the published Service');
        return;
      }
    }
    const before = this.fetched?.ok ? serviceAddresses(this.fetched.service) : undefined;
    this.fetched = next;
    if (before === undefined || !sameAddresses(before, serviceAddresses(next.service))) {
      if (this.lastInput) this.report(this.lastInput.diagnostics, this.lastInput.objects);
    }
  }

  private emitEvents(key: string, m: { uid?: string; namespace?: string; name?: string }, diags: readonly Diagnostic[], seen: Set<string>): void {
    const id = `${key}/${m.uid ?? ''}`;
    seen.add(id);
    let sent = this.emitted.get(id);
    const now = new Set<string>();
    for (const d of diags) {
      // A diagnostic about an earlier incarnation of the same name is stale.
      if (d.object.uid && m.uid && d.object.uid !== m.uid) continue;
      const text = `${d.field ? `${d.field}: ` : ''}${d.message}`;
      const k = `${d.reason}\u0000${text}`;
      now.add(k);
      if (sent?.has(k)) continue;
      const target = { apiVersion: INGRESS_API_VERSION, kind: 'Ingress', namespace: m.namespace ?? '', name: m.name ?? '', ...(m.uid ? { uid: m.uid } : {}) };
      void this.opts.events.warn(target, { conditionType: 'Ingress', reason: d.reason, message: text });
    }
    sent = now;
    this.emitted.set(id, sent);
  }

  private async write(key: string, item: Pending): Promise<void> {
    try {
      // A merge patch replaces the list whole: exactly our addresses.
      await this.networking.patchNamespacedIngressStatus(
        { namespace: item.namespace, name: item.name, body: { status: { loadBalancer: { ingress: item.addresses } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      this.patches++;
      this.backoffs.delete(key);
      this.written.set(key, { resourceVersion: item.resourceVersion, addresses: item.addresses });
      this.log.debug({ object: key }, 'ingress status written');
    } catch (err) {
      const code = statusCode(err);
      if (code === 404) return;
      const retriable = code === undefined || code === 401 || code === 403 || code === 409 || code === 429 || code >= 500;
      if (!retriable) {
        this.log.warn({ object: key, err: describeError(err) }, 'ingress status patch rejected');
        return;
      }
      let b = this.backoffs.get(key);
      if (!b) this.backoffs.set(key, (b = new Backoff({ initialMs: 250, maxMs: 30_000, jitter: 0.5 })));
      const delay = retryDelay(err, b, this.opts.budget);
      this.log.warn({ object: key, err: describeError(err), retryInMs: delay }, 'ingress status patch failed: will retry');
      this.queue.retry(key, item, delay);
    }
  }
}
