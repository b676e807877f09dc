import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../observability/logger.js';
import { isFromWorker, WORKER_ENV, type FromWorker, type ToWorker } from './worker-protocol.js';

export interface WorkerPoolEvents {
  /** A worker was forked into `slot`. */
  forked(w: Worker, slot: number): void;
  message(w: Worker, msg: FromWorker): void;
  /** A worker exited (already removed from `live`). */
  exited(w: Worker, code: number | null, signal: string | null): void;
}

/**
 * The node:cluster processes of the proxy workers: forks them with their settings, tracks the
 * live ones, sends them messages, restarts them when told, and stops them. What the messages
 * mean, and when to restart, is worker-placement.ts's.
 */
export class WorkerPool {
  /** Live worker processes by cluster id, their slots, and those whose message handler is installed. */
  readonly live = new Map<number, Worker>();
  readonly #slots = new Map<number, number>();
  readonly greeted = new Set<number>();
  readonly #restartTimers = new Set<NodeJS.Timeout>();
  #stopping = false;
  #allExited: (() => void) | undefined;

  constructor(
    private readonly logger: Logger,
    /** The JSON of the workers' GatewayOptions (WORKER_ENV.options). */
    private readonly workerOptions: string,
    private readonly events: WorkerPoolEvents,
  ) {
    // Let the kernel hand connections to the workers (each accepts on the shared socket) rather
    // than node:cluster's round-robin through the primary: with round-robin, a connection handed
    // to a worker at the moment it dies is never closed by the primary and the client hangs until
    // its own timeout. Also keeps the primary off the accept path. NODE_CLUSTER_SCHED_POLICY=rr
    // still selects round-robin.
    if (!process.env['NODE_CLUSTER_SCHED_POLICY']) cluster.schedulingPolicy = cluster.SCHED_NONE;
    cluster.setupPrimary({
      exec: fileURLToPath(new URL('./proxy-worker-main.js', import.meta.url)),
      args: [],
      // Structured clone: a large ResourceSet crosses IPC faster than as JSON.
      serialization: 'advanced',
    });
  }

  /** Once stop() was called: no restarts, and a worker that greets is told to drain. */
  get stopping(): boolean {
    return this.#stopping;
  }

  fork(slot: number): void {
    const w = cluster.fork({ [WORKER_ENV.slot]: String(slot), [WORKER_ENV.options]: this.workerOptions });
    this.live.set(w.id, w);
    this.#slots.set(w.id, slot);
    this.events.forked(w, slot);
    w.on('message', (msg: unknown) => {
      if (isFromWorker(msg)) this.events.message(w, msg);
    });
    w.on('error', (err: Error) => this.logger.warn({ worker: slot, err: { message: err.message } }, 'proxy worker IPC error'));
    w.on('exit', (code: number | null, signal: string | null) => this.#onExit(w, code, signal));
  }

  /** Fork into `slot` after `ms`, unless the pool is stopping by then. */
  restartLater(slot: number, ms: number): void {
    const timer = setTimeout(() => {
      this.#restartTimers.delete(timer);
      if (!this.#stopping) this.fork(slot);
    }, ms);
    this.#restartTimers.add(timer);
  }

  send(w: Worker, msg: ToWorker): void {
    try {
      if (w.isConnected()) w.send(msg);
    } catch (err) {
      this.logger.warn({ worker: this.#slots.get(w.id), err: { message: (err as Error).message } }, 'cannot reach proxy worker');
    }
  }

  /** To every live worker that greeted (the others get the current state when they do). */
  broadcast(msg: ToWorker): void {
    for (const id of this.greeted) {
      const w = this.live.get(id);
      if (w) this.send(w, msg);
    }
  }

  /** Tell every worker to drain (a signal stops one that has not greeted yet); resolves when all exited. */
  stop(): Promise<void> {
    this.#stopping = true;
    for (const t of this.#restartTimers) clearTimeout(t);
    this.#restartTimers.clear();
    const exited = new Promise<void>((r) => (this.live.size === 0 ? r() : (this.#allExited = r)));
    for (const w of this.live.values()) {
      // A worker that has not greeted yet may not hear a message: a signal stops it either way.
      if (this.greeted.has(w.id)) this.send(w, { t: 'portcullis:drain' });
      else w.process.kill('SIGTERM');
    }
    return exited;
  }

  kill(): void {
    for (const w of this.live.values()) w.process.kill('SIGKILL');
  }

  #onExit(w: Worker, code: number | null, signal: string | null): void {
    this.live.delete(w.id);
    this.#slots.delete(w.id);
    this.greeted.delete(w.id);
    this.events.exited(w, code, signal);
    if (this.#stopping && this.live.size === 0) this.#allExited?.();
  }
}
