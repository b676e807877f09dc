import type { Logger } from '../observability/logger.js';
import { endpointForLogs, sameTracingSettings, type TracingSettings } from '../model/tracing-config.js';
import type { TracerSlot } from '../proxy/request-tracer.js';
import type { LoadedTracer as Loaded } from '../observability/tracing/otel-tracer.js';

/** At most one export-failure line per this long (a receiver that is down fails every batch). */
const ERROR_LOG_INTERVAL_MS = 60_000;

/**
 * Switches a proxy's tracing on, off or to new settings (docs/tracing.md): the --otel-* flags win;
 * without them, the live snapshot's (kong.yml's global opentelemetry plugin) apply. The
 * OpenTelemetry SDK is imported on the first enable only, so a gateway that never traces never
 * loads it, and the proxy's tracer field stays undefined (its request path unchanged).
 */
export class TracingControl {
  #current: { settings: TracingSettings; tracer: Loaded } | undefined;
  #wanted: TracingSettings | undefined;
  #pending: Promise<void> = Promise.resolve();
  #lastErrorAt = -Infinity;
  #overrideWarned = false;

  constructor(
    readonly flags: TracingSettings | undefined,
    readonly slot: TracerSlot,
    readonly logger: Logger,
  ) {}

  /** The live configuration's settings (undefined: it has none). */
  apply(fromConfig: TracingSettings | undefined): void {
    if (this.flags !== undefined && fromConfig !== undefined && !this.#overrideWarned) {
      this.#overrideWarned = true;
      this.logger.warn({ source: fromConfig.source }, 'tracing: the --otel-endpoint settings apply; the configuration\'s opentelemetry plugin is ignored');
    }
    const want = this.flags ?? fromConfig;
    if (sameTracingSettings(want, this.#wanted)) return;
    this.#wanted = want;
    this.#pending = this.#pending.then(() => this.#switch(want));
  }

  /** Resolves once the last apply() took effect (the listener starts after it). */
  settled(): Promise<void> {
    return this.#pending;
  }

  async #switch(want: TracingSettings | undefined): Promise<void> {
    const old = this.#current;
    try {
      if (want === undefined) {
        this.slot.setTracer(undefined);
        this.#current = undefined;
        if (old !== undefined) this.logger.info('tracing off');
      } else {
        const { createOtelTracer } = await import('../observability/tracing/otel-tracer.js');
        const tracer = createOtelTracer(want, { onError: (message) => this.#exportError(message) });
        this.slot.setTracer(tracer);
        this.#current = { settings: want, tracer };
        this.logger.info(
          { endpoint: endpointForLogs(want.endpoint), sampler: want.sampler, ratio: want.ratio, service: want.serviceName, source: want.source },
          'tracing on: OTLP/HTTP export',
        );
      }
    } catch (err) {
      this.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'tracing could not be set up; requests are not traced');
      this.slot.setTracer(undefined);
      this.#current = undefined;
    }
    // Requests already begun keep their spans; the old provider exports what it buffered.
    await old?.tracer.shutdown().catch(() => {});
  }

  #exportError(message: string): void {
    const now = performance.now();
    if (now - this.#lastErrorAt < ERROR_LOG_INTERVAL_MS) return;
    this.#lastErrorAt = now;
    this.logger.warn({ err: message }, 'tracing: span export failed (further failures within a minute are not logged)');
  }

  /** Shutdown: export what is buffered. */
  async close(): Promise<void> {
    await this.#pending;
    const current = this.#current;
    this.#current = undefined;
    await current?.tracer.shutdown().catch(() => {});
  }
}
