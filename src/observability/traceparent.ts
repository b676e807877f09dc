/**
 * The trace-id of a W3C `traceparent` request header (Trace Context level 1, §3.2), for the access
 * log only: parsed, never propagated (docs/access-log.md#trace_id). Undefined for anything the
 * spec says to ignore: version ff, uppercase or non-hex, wrong lengths, an all-zero trace-id or
 * parent-id, a version-00 header with extra content, or several traceparent headers.
 */
const HEAD = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_PARENT_ID = '0'.repeat(16);
/** version-traceid-parentid-flags of version 00. */
const V0_LENGTH = 55;

export function traceIdOf(header: string | string[] | undefined): string | undefined {
  // Node joins repeated traceparent headers with ", ": too long for 00, caught below.
  if (typeof header !== 'string' || header.length < V0_LENGTH) return undefined;
  // A future version may append "-…" fields; its first 55 characters keep the 00 layout.
  if (header.length > V0_LENGTH && header.charCodeAt(V0_LENGTH) !== 0x2d) return undefined;
  const m = HEAD.exec(header.length === V0_LENGTH ? header : header.slice(0, V0_LENGTH));
  if (m === null) return undefined;
  const version = m[1]!;
  if (version === 'ff' || (version === '00' && header.length !== V0_LENGTH)) return undefined;
  const traceId = m[2]!;
  return traceId === ZERO_TRACE_ID || m[3] === ZERO_PARENT_ID ? undefined : traceId;
}
