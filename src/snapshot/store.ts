import type { Snapshot } from './types.js';

export type SwapListener = (next: Snapshot, previous: Snapshot | undefined) => void;

/**
 * Holds the live Snapshot behind one reference. The proxy reads `current()` once at request start,
 * so in-flight requests finish on the snapshot they began with while a swap happens beside them.
 */
export class SnapshotStore {
  #current: Snapshot | undefined;
  #listeners: SwapListener[] = [];

  current(): Snapshot | undefined {
    return this.#current;
  }

  /** Swap in `next`; its version must increase (a stale snapshot is refused). */
  swap(next: Snapshot): void {
    const prev = this.#current;
    if (prev && next.version <= prev.version) {
      throw new Error(`snapshot version must increase (${prev.version} -> ${next.version})`);
    }
    this.#current = next;
    for (const cb of this.#listeners) {
      try {
        cb(next, prev);
      } catch {
        // A listener failure must not undo or block the swap.
      }
    }
  }

  /** Register a swap listener; returns an unsubscribe function. */
  onSwap(cb: SwapListener): () => void {
    this.#listeners.push(cb);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== cb);
    };
  }
}
