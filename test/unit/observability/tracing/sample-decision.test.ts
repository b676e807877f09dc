import { ROOT_CONTEXT, SpanKind, TraceFlags, trace, type Context } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TRACE_SAMPLERS, type TraceSampler } from '../../../../src/model/tracing-config.js';
import { samplerOf } from '../../../../src/observability/tracing/otel-tracer.js';
import { sampleDecisionOf } from '../../../../src/observability/tracing/sample-decision.js';

/**
 * The decision taken without the SDK (docs/tracing.md#cost) is the configured SDK sampler's, for
 * every sampler, ratio, trace id and parent (none, sampled, not sampled): the gateway's 99 % never
 * reach the SDK, so any disagreement would record what should not be, or drop what should.
 */
const hexId = (len: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: len, maxLength: len });
const parentOf = (traceId: string, sampled: boolean | undefined): Context =>
  sampled === undefined
    ? ROOT_CONTEXT
    : trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: '00f067aa0ba902b7', traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true });
const sdkSays = (sampler: TraceSampler, ratio: number, traceId: string, parent: boolean | undefined): boolean =>
  samplerOf({ sampler, ratio }).shouldSample(parentOf(traceId, parent), traceId, 'GET', SpanKind.SERVER, {}, []).decision === SamplingDecision.RECORD_AND_SAMPLED;

describe('sampleDecisionOf agrees with the SDK sampler (samplerOf)', () => {
  it('on random trace ids, ratios and parents, for every OTEL_TRACES_SAMPLER value', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TRACE_SAMPLERS),
        fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1, 0.01, 0.5, 1e-9, 1 - 1e-9)),
        hexId(32),
        fc.constantFrom(undefined, true, false),
        (sampler, ratio, traceId, parent) => {
          expect(sampleDecisionOf({ sampler, ratio })!(parent, traceId)).toBe(sdkSays(sampler, ratio, traceId, parent));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('a ratio keeps about its share of new traces, and the same trace id always gets the same answer', () => {
    const decide = sampleDecisionOf({ sampler: 'parentbased_traceidratio', ratio: 0.01 })!;
    const ids = fc.sample(hexId(32), 20_000);
    const kept = ids.filter((id) => decide(undefined, id)).length;
    expect(kept).toBeGreaterThan(100);
    expect(kept).toBeLessThan(320);
    for (const id of ids.slice(0, 500)) expect(decide(undefined, id)).toBe(decide(undefined, id));
  });

  it("parent-based samplers follow the parent's flag whatever the ratio; the others ignore it", () => {
    const id = '4bf92f3577b34da6a3ce929d0e0e4736';
    expect(sampleDecisionOf({ sampler: 'parentbased_traceidratio', ratio: 0 })!(true, id)).toBe(true);
    expect(sampleDecisionOf({ sampler: 'parentbased_traceidratio', ratio: 1 })!(false, id)).toBe(false);
    expect(sampleDecisionOf({ sampler: 'always_on', ratio: 0 })!(false, id)).toBe(true);
    expect(sampleDecisionOf({ sampler: 'always_off', ratio: 1 })!(true, id)).toBe(false);
    expect(sampleDecisionOf({ sampler: 'traceidratio', ratio: 1 })!(false, id)).toBe(true);
  });

  it('a sampler it does not know is left to the SDK', () => {
    expect(sampleDecisionOf({ sampler: 'jaeger_remote' as TraceSampler, ratio: 1 })).toBeUndefined();
  });
});
