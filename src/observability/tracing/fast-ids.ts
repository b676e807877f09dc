import { randomBytes } from 'node:crypto';
import type { IdGenerator } from '@opentelemetry/sdk-trace-base';

/**
 * W3C trace and span ids sliced from a pool of random hex digits, refilled with one randomBytes
 * per POOL bytes (docs/tracing.md#cost): a request costs a string slice, not a crypto call. The SDK
 * takes its ids from here too (IdGenerator), so a trace id the sampler decided on ahead of the SDK
 * (unsampled-path.ts) is the one the SDK's root span gets.
 */
const POOL = 16 * 1024;
const POOL_HEX = 2 * POOL;

export class PooledIds implements IdGenerator {
  #pool = '';
  #at = POOL_HEX;
  #presetTraceId: string | undefined = undefined;

  /** 32 lower-case hex digits, never all zero (an invalid id). */
  traceId(): string {
    for (;;) {
      const id = this.#take(32);
      if (id !== '00000000000000000000000000000000') return id;
    }
  }

  /** 16 lower-case hex digits, never all zero. */
  spanId(): string {
    for (;;) {
      const id = this.#take(16);
      if (id !== '0000000000000000') return id;
    }
  }

  /** The next generateTraceId() returns `id` (a root span whose trace id was sampled already). */
  preset(id: string | undefined): void {
    this.#presetTraceId = id;
  }

  generateTraceId(): string {
    const preset = this.#presetTraceId;
    if (preset === undefined) return this.traceId();
    this.#presetTraceId = undefined;
    return preset;
  }

  generateSpanId(): string {
    return this.spanId();
  }

  #take(digits: number): string {
    let at = this.#at;
    if (at + digits > POOL_HEX) {
      this.#pool = randomBytes(POOL).toString('hex');
      at = 0;
    }
    this.#at = at + digits;
    return this.#pool.slice(at, at + digits);
  }
}
