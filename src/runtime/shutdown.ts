import type { Logger } from '../observability/logger.js';
import type { Readiness } from '../health/readiness.js';
import type { ProxyPlacement } from './placement.js';
import { onStopSignals, ShutdownDelay } from './shutdown-delay.js';

export interface Shutdown {
  /** Resolves with the exit code once everything has drained and closed. */
  closed: Promise<number>;
  /** Idempotent: the first call decides the reason and exit code. */
  shutdown(reason: string, exitCode?: number): Promise<void>;
  /** From now on SIGTERM/SIGINT start the shutdown (shutdown-delay.ts onStopSignals). */
  onSignals(): void;
}

/**
 * The one shutdown sequence: readiness off; the shutdown delay (shutdown-delay.ts), during which
 * the proxy still accepts but ends keep-alive; the placement's drain, which runs `beforeClose`
 * (stop watches, release the Lease); then the admin and status listeners.
 */
export function createShutdown(opts: {
  shutdownDelaySeconds: number;
  logger: Logger;
  readiness: Readiness;
  placement: ProxyPlacement;
  beforeClose: (() => Promise<void>) | undefined;
  /** Closed last (the admin and status listeners). */
  listeners: ReadonlyArray<{ close(): Promise<void> }>;
}): Shutdown {
  const { logger, placement } = opts;
  const hook = async () => {
    try {
      await opts.beforeClose?.();
    } catch (err) {
      logger.warn({ err: { message: (err as Error).message } }, 'shutdown hook failed');
    }
  };
  let resolveClosed!: (code: number) => void;
  const closed = new Promise<number>((r) => (resolveClosed = r));
  const delay = new ShutdownDelay(opts.shutdownDelaySeconds * 1000);
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (reason: string, exitCode = 0) =>
    (shuttingDown ??= (async () => {
      opts.readiness.markShuttingDown();
      // A failed start (exit code ≠ 0) has nothing to keep serving.
      if (delay.ms > 0 && exitCode === 0) {
        logger.info({ reason, delay_seconds: opts.shutdownDelaySeconds }, placement.messages.delay);
        placement.endKeepAlive();
        await delay.wait();
      }
      logger.info({ reason }, placement.messages.drain);
      await placement.drain(hook);
      await Promise.allSettled(opts.listeners.map((l) => l.close()));
      logger.info('stopped');
      logger.flush();
      resolveClosed(exitCode);
    })());
  return { closed, shutdown, onSignals: () => onStopSignals(delay, logger, (signal) => void shutdown(signal)) };
}
