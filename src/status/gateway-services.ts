import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Service } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { MANAGED_BY, MANAGED_BY_LABEL, type DesiredGatewayService } from '../sources/kube/gateway-api/data-plane.js';
import { describeError, statusCode } from '../sources/kube/watcher.js';

export interface GatewayServiceWriterOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  isLeader: () => boolean;
  /** The pods' namespace, where the managed Services live. */
  namespace: string;
  /** How often the leader re-applies the last plan (a lost write, a new leader, a hand-edited Service). Default 5 s. */
  resyncMs?: number;
}

/**
 * Leader-only: keeps one Service per Gateway (docs/gateway-api.md#one-address-per-gateway) as the
 * translation planned it (sources/kube/gateway-api/data-plane.ts): creates the missing ones,
 * merge-patches those that differ, deletes managed Services no Gateway wants any more (a Service
 * cannot be owned by an object of another namespace, so the label is the garbage collector). One
 * pass at a time; a plan arriving meanwhile runs after it.
 */
export class GatewayServiceWriter {
  private readonly core: CoreV1Api;
  private desired: DesiredGatewayService[] | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private readonly timer: NodeJS.Timeout;
  /** Writes made (tests, logs). */
  writes = 0;

  constructor(private readonly opts: GatewayServiceWriterOptions) {
    this.core = opts.kubeConfig.makeApiClient(CoreV1Api);
    this.timer = setInterval(() => this.kick(), opts.resyncMs ?? 5_000);
    this.timer.unref();
  }

  /** The plan of the latest build; written at once when leading. */
  apply(desired: DesiredGatewayService[]): void {
    this.desired = desired;
    this.kick();
  }

  /** Settles when no pass is running (tests). */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  stop(): void {
    clearInterval(this.timer);
    this.desired = undefined;
  }

  private kick(): void {
    if (this.desired === undefined || !this.opts.isLeader()) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  private async pass(): Promise<void> {
    const desired = this.desired;
    if (desired === undefined) return;
    const namespace = this.opts.namespace;
    try {
      const list = await this.core.listNamespacedService({ namespace, labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}` });
      const existing = new Map(list.items.map((s) => [s.metadata?.name ?? '', s]));
      for (const d of desired) {
        if (!this.opts.isLeader()) return;
        const current = existing.get(d.name);
        existing.delete(d.name);
        if (current === undefined) {
          await this.core.createNamespacedService({ namespace, body: toService(d) });
          this.writes++;
          this.opts.logger.info({ service: `${namespace}/${d.name}`, ports: d.ports.map((p) => `${p.port}->${p.targetPort}`) }, 'Gateway Service created');
        } else if (!sameService(current, d)) {
          const body = { metadata: { labels: d.labels }, spec: { type: d.type, selector: d.selector, ports: servicePorts(d, current) } };
          await this.core.patchNamespacedService({ namespace, name: d.name, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
          this.writes++;
          this.opts.logger.info({ service: `${namespace}/${d.name}`, ports: d.ports.map((p) => `${p.port}->${p.targetPort}`) }, 'Gateway Service updated');
        }
      }
      for (const name of existing.keys()) {
        if (!this.opts.isLeader()) return;
        try {
          await this.core.deleteNamespacedService({ namespace, name });
          this.writes++;
          this.opts.logger.info({ service: `${namespace}/${name}` }, 'Gateway Service deleted: its Gateway is gone');
        } catch (err) {
          if (statusCode(err) !== 404) throw err;
        }
      }
    } catch (err) {
      // The resync timer tries again.
      this.opts.logger.warn({ namespace, err: describeError(err) }, 'Gateway Services: write failed, retrying');
    }
  }
}

function toService(d: DesiredGatewayService): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: d.name, namespace: d.namespace, labels: d.labels },
    spec: { type: d.type, selector: d.selector, ports: servicePorts(d, undefined) },
  };
}

/** Keeps the nodePorts the API server assigned, so a patch does not reshuffle them. */
function servicePorts(d: DesiredGatewayService, current: V1Service | undefined) {
  return d.ports.map((p) => {
    const nodePort = d.type === 'ClusterIP' ? undefined : current?.spec?.ports?.find((c) => c.port === p.port)?.nodePort;
    return { name: p.name, port: p.port, targetPort: p.targetPort, protocol: 'TCP', ...(nodePort !== undefined && { nodePort }) };
  });
}

function sameService(s: V1Service, d: DesiredGatewayService): boolean {
  const labels = s.metadata?.labels ?? {};
  if (Object.entries(d.labels).some(([k, v]) => labels[k] !== v)) return false;
  if ((s.spec?.type ?? 'ClusterIP') !== d.type) return false;
  const sel = s.spec?.selector ?? {};
  if (Object.keys(sel).length !== Object.keys(d.selector).length || Object.entries(d.selector).some(([k, v]) => sel[k] !== v)) return false;
  const ports = s.spec?.ports ?? [];
  return ports.length === d.ports.length && d.ports.every((p) => ports.some((c) => c.name === p.name && c.port === p.port && c.targetPort === p.targetPort));
}
