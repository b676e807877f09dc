import { DEFAULT_BACKOFF, nextStreak, restartDelayMs, type BackoffPolicy } from './restart-backoff.js';

export type WorkerState = 'starting' | 'serving' | 'draining';

export interface WorkerRecord {
  /** Stable position 1..N; a restarted worker takes its predecessor's slot (and log/metric label). */
  slot: number;
  /** node:cluster worker id (new for every fork). */
  id: number;
  pid: number | undefined;
  state: WorkerState;
  /** Last snapshot version the worker acknowledged having swapped in. */
  version: number | undefined;
  startedAt: number;
}

/**
 * Pure bookkeeping of the proxy workers: which slot each lives in, what it acknowledged, when a
 * dead one is restarted, and whether the pod may be called ready.
 *
 * Readiness: before the fleet has been complete once, every slot must be serving the primary's
 * version (so a pod starts taking traffic at full capacity, on the config it reports). After that,
 * the pod stays ready while at least one worker serves: node:cluster only hands connections to
 * workers that listen, and a worker only listens once its first snapshot is live, so a restarting
 * worker never receives traffic. A worker still swapping to a newer version keeps serving the
 * previous one, exactly as the single process does during a rebuild; gating readiness on that
 * would flip every replica unready at once on each reload (they all reload together).
 */
export class WorkerFleet {
  readonly #bySlot = new Map<number, WorkerRecord>();
  readonly #slotById = new Map<number, number>();
  readonly #streak = new Map<number, number>();
  #complete = false;

  constructor(
    readonly size: number,
    private readonly backoff: BackoffPolicy = DEFAULT_BACKOFF,
  ) {}

  started(slot: number, id: number, pid: number | undefined, now: number): WorkerRecord {
    const rec: WorkerRecord = { slot, id, pid, state: 'starting', version: undefined, startedAt: now };
    this.#bySlot.set(slot, rec);
    this.#slotById.set(id, slot);
    return rec;
  }

  get(id: number): WorkerRecord | undefined {
    const slot = this.#slotById.get(id);
    const rec = slot === undefined ? undefined : this.#bySlot.get(slot);
    return rec?.id === id ? rec : undefined;
  }

  applied(id: number, version: number): void {
    const rec = this.get(id);
    if (rec && (rec.version === undefined || version > rec.version)) rec.version = version;
  }

  listening(id: number): void {
    const rec = this.get(id);
    if (rec && rec.state === 'starting') rec.state = 'serving';
  }

  draining(id: number): void {
    const rec = this.get(id);
    if (rec) rec.state = 'draining';
  }

  /** Forget a worker that exited; returns its slot and how long to wait before restarting it. */
  exited(id: number, now: number): { slot: number; restartInMs: number } | undefined {
    const rec = this.get(id);
    this.#slotById.delete(id);
    if (!rec) return undefined;
    this.#bySlot.delete(rec.slot);
    const streak = nextStreak(this.#streak.get(rec.slot) ?? 0, now - rec.startedAt, this.backoff);
    this.#streak.set(rec.slot, streak);
    return { slot: rec.slot, restartInMs: restartDelayMs(streak, this.backoff) };
  }

  all(): WorkerRecord[] {
    return [...this.#bySlot.values()].sort((a, b) => a.slot - b.slot);
  }

  serving(): WorkerRecord[] {
    return this.all().filter((w) => w.state === 'serving');
  }

  /** Workers serving something older than `version`. */
  lagging(version: number): WorkerRecord[] {
    return this.serving().filter((w) => w.version !== version);
  }

  /** See the class comment. Latches "complete" the first time every slot serves `version`. */
  ready(version: number | undefined): boolean {
    if (version === undefined) return false;
    const serving = this.serving();
    if (!this.#complete) {
      this.#complete = serving.length === this.size && serving.every((w) => w.version === version);
      return this.#complete;
    }
    return serving.length > 0;
  }
}
