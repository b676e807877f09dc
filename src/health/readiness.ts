import type { SnapshotStore } from '../snapshot/store.js';

/**
 * Readiness: true once a snapshot is live and until shutdown starts. Shutdown flips it first, so
 * load balancers stop sending traffic while in-flight requests drain.
 */
export class Readiness {
  #shuttingDown = false;
  #extraGates = new Map<string, boolean>();

  constructor(private readonly store: SnapshotStore) {}

  /** Extra conditions (e.g. "kube-synced"); readiness needs every gate open. */
  setGate(name: string, open: boolean): void {
    this.#extraGates.set(name, open);
  }

  markShuttingDown(): void {
    this.#shuttingDown = true;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  isReady(): boolean {
    if (this.#shuttingDown || !this.store.current()) return false;
    for (const open of this.#extraGates.values()) if (!open) return false;
    return true;
  }

  /** Why not ready, for the /readyz body. */
  reason(): string {
    if (this.#shuttingDown) return 'shutting down';
    if (!this.store.current()) return 'no snapshot loaded yet';
    for (const [name, open] of this.#extraGates) if (!open) return `waiting for ${name}`;
    return 'ready';
  }
}
