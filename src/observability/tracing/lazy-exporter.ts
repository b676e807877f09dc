import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/** What the OTLP/HTTP exporter is built with (otel-tracer.ts). */
export interface OtlpExporterConfig {
  url: string;
  headers: Record<string, string>;
  timeoutMillis: number;
}

/**
 * The OTLP/HTTP exporter, imported on the first batch to send (docs/tracing.md#cost): a gateway
 * that records nothing (ratio 0, always_off, only unsampled clients) never loads its transport and
 * serialisation modules (about 2 MiB RSS).
 */
export class LazyOtlpExporter implements SpanExporter {
  #inner: Promise<SpanExporter> | undefined;

  constructor(readonly config: OtlpExporterConfig) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.#load().then(
      (e) => e.export(spans, done),
      (error: unknown) => done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) }),
    );
  }

  async shutdown(): Promise<void> {
    const inner = this.#inner;
    if (inner !== undefined) await (await inner).shutdown();
  }

  async forceFlush(): Promise<void> {
    const inner = this.#inner;
    if (inner !== undefined) await (await inner).forceFlush?.();
  }

  #load(): Promise<SpanExporter> {
    this.#inner ??= import('@opentelemetry/exporter-trace-otlp-http').then(({ OTLPTraceExporter }) => new OTLPTraceExporter({ ...this.config }));
    return this.#inner;
  }
}
