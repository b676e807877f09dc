import { describe, expect, it } from 'vitest';
import { relayedHeaders, type RelayContext } from '../../../src/proxy/forward.js';

const ctx: RelayContext = { requestId: 'rid', proxyLatencyHeader: undefined, upstreamLatencyMs: undefined, onFailure: () => {}, h2: false };
const relay = (...pairs: string[]): string[] => relayedHeaders(pairs.map((s) => Buffer.from(s, 'latin1')), ctx, 1);
const names = (flat: string[]): string[] => flat.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());

describe('relayedHeaders: Connection and the headers it lists (RFC 9110 §7.6.1)', () => {
  it('drops Connection: keep-alive and Keep-Alive, in any case', () => {
    for (const v of ['keep-alive', 'Keep-Alive', 'KEEP-ALIVE']) {
      const out = relay('Content-Length', '12', 'Connection', v, 'Keep-Alive', 'timeout=5');
      expect(names(out)).toEqual(['content-length', 'via', 'x-request-id']);
    }
  });

  it('Connection: close drops a header named close too', () => {
    expect(names(relay('Connection', 'Close', 'close', 'x', 'Server', 'nginx'))).toEqual(['server', 'via', 'x-request-id']);
  });

  it('drops every header a list names, also across repeated Connection headers', () => {
    const out = relay('Connection', 'keep-alive, X-Hop', 'X-Hop', '1', 'Connection', ' x-other ', 'X-Other', '2', 'X-Kept', '3');
    expect(names(out)).toEqual(['x-kept', 'via', 'x-request-id']);
  });

  it('a value that only starts like keep-alive is a list, not the fast path', () => {
    expect(names(relay('Connection', 'keep-alivex', 'keep-alivex', '1', 'Keep-Alive', 't'))).toEqual(['via', 'x-request-id']);
  });
});
