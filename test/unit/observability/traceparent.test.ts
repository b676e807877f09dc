import { describe, expect, it } from 'vitest';
import { traceIdOf } from '../../../src/observability/traceparent.js';

/** W3C Trace Context §3.2 traceparent: what the access log's trace_id accepts (docs/access-log.md#trace_id). */
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

describe('traceIdOf', () => {
  it.each([
    [`00-${TRACE}-${PARENT}-01`, 'version 00, sampled'],
    [`00-${TRACE}-${PARENT}-00`, 'version 00, not sampled'],
    [`01-${TRACE}-${PARENT}-01`, 'a later version, same length'],
    [`cc-${TRACE}-${PARENT}-09-what-the-future-holds`, 'a later version with more fields'],
  ])('%s (%s): the trace-id', (header) => {
    expect(traceIdOf(header)).toBe(TRACE);
  });

  it.each([
    [undefined, 'absent'],
    ['', 'empty'],
    [`00-${TRACE.toUpperCase()}-${PARENT}-01`, 'upper-case hex'],
    [`ff-${TRACE}-${PARENT}-01`, 'version ff'],
    [`00-${'0'.repeat(32)}-${PARENT}-01`, 'all-zero trace-id'],
    [`00-${TRACE}-${'0'.repeat(16)}-01`, 'all-zero parent-id'],
    [`00-${TRACE}-${PARENT}-01-extra`, 'version 00 with more fields'],
    [`00-${TRACE}-${PARENT}-01, 00-${TRACE}-${PARENT}-01`, 'two headers joined by node'],
    [`cc-${TRACE}-${PARENT}-09x`, 'a later version whose 56th character is not "-"'],
    [`00-${TRACE.slice(1)}-${PARENT}-01`, 'short trace-id'],
    [`00-${TRACE}-${PARENT}-1`, 'short flags'],
    [`00_${TRACE}_${PARENT}_01`, 'wrong separators'],
    [`0g-${TRACE}-${PARENT}-01`, 'non-hex version'],
    [`00-${TRACE.slice(0, 31)}z-${PARENT}-01`, 'non-hex trace-id'],
    [[`00-${TRACE}-${PARENT}-01`, `00-${TRACE}-${PARENT}-01`], 'an array'],
  ] as Array<[string | string[] | undefined, string]>)('%j (%s): none', (header) => {
    expect(traceIdOf(header)).toBeUndefined();
  });
});
