import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { describeError, statusCode } from '../sources/kube/watcher.js';

/**
 * coordination.k8s.io/v1 Lease leader election (the client-go algorithm, simplified):
 * - a lease is free when it has no holder, or when its record has not changed for a whole lease
 *   duration as observed on OUR clock (so clock skew between replicas does not matter);
 * - writes use the read resourceVersion, so two candidates cannot both win (409 for the loser);
 * - the leader renews every renewIntervalMs and steps down by itself if it could not renew for
 *   renewDeadlineMs (< lease duration), before anyone else may take over;
 * - release() empties holderIdentity so a follower takes over at its next retry.
 */
export interface LeaderElectionOptions {
  kubeConfig: KubeConfig;
  name: string;
  namespace: string;
  identity: string;
  logger: Logger;
  /** Default 10 s; whole seconds on the wire (minimum 1 s). */
  leaseDurationMs?: number;
  /** How often the leader renews and followers retry. Default 2 s. */
  renewIntervalMs?: number;
  /** Leader steps down when its last successful renew is older than this. Default 2/3 of the lease. */
  renewDeadlineMs?: number;
}

export interface LeaderElector {
  isLeader(): boolean;
  /** Subscribes to leadership changes; returns an unsubscribe function. */
  onChange(cb: (leader: boolean) => void): () => void;
  /** Gives the lease up (if held) and stops campaigning. */
  release(): Promise<void>;
  /** Stops campaigning WITHOUT releasing (as a crash would): others wait for the lease to expire. */
  abandon(): Promise<void>;
}

/**
 * The pod name plus a random suffix (client-go's convention): unique per process, so a container
 * restarted after a crash never believes it still holds a Lease it held before; the Lease waits out
 * its duration and goes to whichever replica is alive and asks first.
 */
export function defaultIdentity(): string {
  return `${process.env.POD_NAME || hostname()}_${randomBytes(4).toString('hex')}`;
}

/** RFC 3339 with microseconds, the format of metav1.MicroTime (client-node passes strings through). */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function toMillis(t: unknown): number | undefined {
  if (t instanceof Date) return t.getTime();
  if (typeof t === 'string') {
    const ms = Date.parse(t);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/**
 * PURE: may a candidate take the lease? Yes when nobody holds it, when its record has not changed
 * for a whole lease duration on our own clock, or when its renewTime is so old (2x the duration)
 * that even a skewed clock cannot explain it (a lease left by a pod that crashed before we started).
 */
export function leaseIsFree(l: { holder: string; observedAt: number; now: number; durationMs: number; renewTimeMs?: number }): boolean {
  return (
    !l.holder ||
    l.now - l.observedAt >= l.durationMs ||
    (l.renewTimeMs !== undefined && l.now - l.renewTimeMs > 2 * l.durationMs)
  );
}

/** A read-back MicroTime (string, or Date depending on the client's deserializer) in wire format. */
function asMicroTime(t: unknown): string | undefined {
  const ms = toMillis(t);
  if (ms === undefined) return undefined;
  return typeof t === 'string' ? t : microTime(new Date(ms));
}

export function startLeaderElection(opts: LeaderElectionOptions): LeaderElector {
  const api = opts.kubeConfig.makeApiClient(CoordinationV1Api);
  const log = opts.logger.child({ component: 'leader-election', lease: `${opts.namespace}/${opts.name}`, identity: opts.identity });
  const leaseDurationMs = opts.leaseDurationMs ?? 10_000;
  const leaseSeconds = Math.max(1, Math.ceil(leaseDurationMs / 1000));
  const renewIntervalMs = opts.renewIntervalMs ?? Math.min(2_000, Math.max(200, Math.floor(leaseDurationMs / 5)));
  const renewDeadlineMs = opts.renewDeadlineMs ?? Math.floor((leaseDurationMs * 2) / 3);
  const callTimeoutMs = Math.max(500, Math.min(renewIntervalMs * 2, renewDeadlineMs));

  let leader = false;
  let stopped = false;
  let lastRenewAt = 0;
  let observedRv = '';
  let observedAt = 0;
  let timer: NodeJS.Timeout | null = null;
  let inFlight: Promise<void> | null = null;
  const listeners = new Set<(leader: boolean) => void>();

  const setLeader = (v: boolean): void => {
    if (v === leader) return;
    leader = v;
    log.info(v ? 'became leader' : 'lost leadership');
    for (const cb of listeners) {
      try {
        cb(v);
      } catch (err) {
        log.error({ err: describeError(err) }, 'leadership listener failed');
      }
    }
  };

  const withTimeout = <T>(p: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`lease call timed out after ${callTimeoutMs} ms`)), callTimeoutMs);
      p.then(
        (v) => (clearTimeout(t), resolve(v)),
        (e) => (clearTimeout(t), reject(e)),
      );
    });

  const body = (rv: string | undefined, spec: Record<string, unknown>): V1Lease =>
    ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: opts.name, namespace: opts.namespace, ...(rv ? { resourceVersion: rv } : {}) },
      spec,
    }) as unknown as V1Lease;

  async function tick(): Promise<void> {
    const now = Date.now();
    let lease: V1Lease;
    try {
      lease = await withTimeout(api.readNamespacedLease({ name: opts.name, namespace: opts.namespace }));
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
      const nowStr = microTime(new Date());
      await withTimeout(
        api.createNamespacedLease({
          namespace: opts.namespace,
          body: body(undefined, {
            holderIdentity: opts.identity,
            leaseDurationSeconds: leaseSeconds,
            acquireTime: nowStr,
            renewTime: nowStr,
            leaseTransitions: 0,
          }),
        }),
      );
      lastRenewAt = now;
      setLeader(true);
      return;
    }
    const spec = lease.spec ?? {};
    const rv = lease.metadata?.resourceVersion ?? '';
    if (rv !== observedRv) {
      observedRv = rv;
      observedAt = now;
    }
    const holder = spec.holderIdentity ?? '';
    const theirDurationMs = (spec.leaseDurationSeconds ?? leaseSeconds) * 1000;
    const renewMs = toMillis(spec.renewTime);
    const expired = leaseIsFree({ holder, observedAt, now, durationMs: theirDurationMs, renewTimeMs: renewMs });

    if (holder !== opts.identity && !expired) {
      setLeader(false);
      return;
    }
    const nowStr = microTime(new Date());
    const taking = holder !== opts.identity;
    await withTimeout(
      api.replaceNamespacedLease({
        name: opts.name,
        namespace: opts.namespace,
        body: body(rv, {
          holderIdentity: opts.identity,
          leaseDurationSeconds: leaseSeconds,
          acquireTime: taking ? nowStr : asMicroTime(spec.acquireTime) ?? nowStr,
          renewTime: nowStr,
          leaseTransitions: (spec.leaseTransitions ?? 0) + (taking ? 1 : 0),
        }),
      }),
    );
    lastRenewAt = now;
    if (taking) log.info({ previousHolder: holder || null }, 'acquired lease');
    setLeader(true);
  }

  function schedule(delay: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = tick()
        .catch((err) => {
          const code = statusCode(err);
          if (code === 409) log.debug('lease update conflict');
          else log.warn({ err: describeError(err) }, 'lease update failed');
        })
        .finally(() => {
          inFlight = null;
          if (leader && Date.now() - lastRenewAt > renewDeadlineMs) setLeader(false);
          schedule(leader ? renewIntervalMs : retryDelay());
        });
    }, delay);
  }
  // Followers retry with a little jitter so candidates do not collide on every attempt.
  const retryDelay = (): number => Math.round(renewIntervalMs * (0.8 + Math.random() * 0.4));

  schedule(0);

  return {
    isLeader: () => leader,
    onChange(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    async abandon() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
      setLeader(false);
    },
    async release() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
      if (!leader) return;
      try {
        const lease = await withTimeout(api.readNamespacedLease({ name: opts.name, namespace: opts.namespace }));
        if (lease.spec?.holderIdentity === opts.identity) {
          await withTimeout(
            api.replaceNamespacedLease({
              name: opts.name,
              namespace: opts.namespace,
              body: body(lease.metadata?.resourceVersion, {
                holderIdentity: '',
                leaseDurationSeconds: 1,
                acquireTime: asMicroTime(lease.spec.acquireTime),
                renewTime: microTime(new Date()),
                leaseTransitions: lease.spec.leaseTransitions ?? 0,
              }),
            }),
          );
          log.info('released lease');
        }
      } catch (err) {
        log.warn({ err: describeError(err) }, 'lease release failed (a follower takes over when it expires)');
      } finally {
        setLeader(false);
      }
    },
  };
}
