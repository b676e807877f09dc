import { ROOT_CONTEXT } from '@opentelemetry/api';
import { SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { TracingSettings } from '../../model/tracing-config.js';

/**
 * The configured sampler's decision for a request's SERVER span, taken before (and instead of) the
 * SDK's startSpan (docs/tracing.md#cost): `parentSampled` is the sampled flag of a valid client
 * traceparent (undefined: none, a new trace), `traceId` the trace's id (the parent's or the new one).
 * Mirrors otel-tracer.ts's samplerOf: parent-based samplers follow a remote parent's flag, the ratio
 * is the SDK's own TraceIdRatioBasedSampler (a function of the trace id, so every hop agrees).
 */
export type SampleDecision = (parentSampled: boolean | undefined, traceId: string) => boolean;

/** undefined: a sampler not decided here; the SDK then decides every request. */
export function sampleDecisionOf(s: Pick<TracingSettings, 'sampler' | 'ratio'>): SampleDecision | undefined {
  switch (s.sampler) {
    case 'always_on':
      return () => true;
    case 'always_off':
      return () => false;
    case 'traceidratio': {
      const ratio = ratioDecision(s.ratio);
      return (_parent, traceId) => ratio(traceId);
    }
    case 'parentbased_always_on':
      return (parent) => parent ?? true;
    case 'parentbased_always_off':
      return (parent) => parent ?? false;
    case 'parentbased_traceidratio': {
      const ratio = ratioDecision(s.ratio);
      return (parent, traceId) => parent ?? ratio(traceId);
    }
    default:
      return undefined;
  }
}

function ratioDecision(r: number): (traceId: string) => boolean {
  const sampler = new TraceIdRatioBasedSampler(r);
  return (traceId) => sampler.shouldSample(ROOT_CONTEXT, traceId).decision === SamplingDecision.RECORD_AND_SAMPLED;
}
