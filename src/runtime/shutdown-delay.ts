import os from 'node:os';
import type { Logger } from '../observability/logger.js';

/**
 * The wait between SIGTERM and the drain (--shutdown-delay). Kubernetes removes a terminating pod
 * from its Service endpoints at the same time as it signals the pod, and kube-proxies, load
 * balancers and clients learn of it seconds later: a listener closed at once refuses the
 * connections they still send. During the delay the proxy keeps accepting (answering with
 * `connection: close`) while /readyz says 503. A second stop signal cuts the delay short.
 */
export class ShutdownDelay {
  #cut: (() => void) | undefined;
  #wasCut = false;

  constructor(readonly ms: number) {}

  /** Resolves after `ms`, or at once when cut(). */
  wait(): Promise<void> {
    if (this.ms <= 0 || this.#wasCut) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.#cut = undefined;
        resolve();
      }
      this.#cut = done;
    });
  }

  /** Ends the delay now (or makes a later wait() return at once). Returns whether one was running. */
  cut(): boolean {
    this.#wasCut = true;
    const cut = this.#cut;
    cut?.();
    return cut !== undefined;
  }
}

const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * SIGTERM and SIGINT: the first one calls `stop`. A later one cuts the shutdown delay short; one
 * that arrives when no delay is running (the drain has begun) exits at once, as an unhandled
 * signal did before, so pressing Ctrl-C again always ends a local run promptly.
 */
export function onStopSignals(delay: ShutdownDelay, logger: Logger, stop: (signal: NodeJS.Signals) => void): void {
  let received = 0;
  for (const signal of STOP_SIGNALS) {
    process.on(signal, () => {
      if (received++ === 0) return stop(signal);
      if (delay.cut()) return logger.info({ signal }, 'second stop signal: shutdown delay cut short');
      logger.warn({ signal }, 'stop signal during the drain: exiting without waiting for in-flight requests');
      logger.flush();
      process.exit(128 + (os.constants.signals[signal] ?? 0));
    });
  }
}
