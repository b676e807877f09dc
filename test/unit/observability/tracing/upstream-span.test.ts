import { TraceFlags, trace, type SpanContext } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';
import { propagate, propagateIds } from '../../../../src/observability/tracing/upstream-span.js';

const span = (sc: SpanContext) => trace.wrapSpanContext(sc);
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('propagate: the upstream request carries the CLIENT span (docs/tracing.md#propagation)', () => {
  it("replaces the client's traceparent/tracestate, whatever their case, keeping every other header in order", () => {
    const headers = ['Host', 'up', 'TraceParent', '00-11111111111111111111111111111111-2222222222222222-01', 'x-a', '1', 'tracestate', 'old=1', 'x-b', '2'];
    propagate(headers, span({ traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.SAMPLED, traceState: new TraceState('vendor=abc') }), []);
    expect(headers).toEqual(['Host', 'up', 'x-a', '1', 'x-b', '2', 'traceparent', `00-${TRACE}-${SPAN}-01`, 'tracestate', 'vendor=abc']);
  });

  it('an unsampled span propagates flags 00 and no tracestate when it has none', () => {
    const headers = ['x-a', '1'];
    propagate(headers, span({ traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.NONE }), []);
    expect(headers).toEqual(['x-a', '1', 'traceparent', `00-${TRACE}-${SPAN}-00`]);
  });

  it("removes Kong's propagation.clear names", () => {
    const headers = ['X-Old-Trace', 'v', 'x-keep', 'k'];
    propagate(headers, span({ traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.SAMPLED }), ['x-old-trace']);
    expect(headers).toEqual(['x-keep', 'k', 'traceparent', `00-${TRACE}-${SPAN}-01`]);
  });
});

describe('propagateIds: the unsampled path, without a span', () => {
  it('sends the given traceparent and tracestate, replacing the client ones and the cleared names', () => {
    const headers = ['traceparent', `00-${TRACE}-2222222222222222-00`, 'x-drop', '1', 'tracestate', 'a=1', 'x-keep', '2'];
    propagateIds(headers, `00-${TRACE}-${SPAN}-00`, 'a=1', ['x-drop']);
    expect(headers).toEqual(['x-keep', '2', 'traceparent', `00-${TRACE}-${SPAN}-00`, 'tracestate', 'a=1']);
  });

  it('an empty tracestate is not sent', () => {
    const headers: string[] = [];
    propagateIds(headers, `00-${TRACE}-${SPAN}-00`, '', []);
    expect(headers).toEqual(['traceparent', `00-${TRACE}-${SPAN}-00`]);
  });
});
