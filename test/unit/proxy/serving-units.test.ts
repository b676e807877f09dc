import { describe, expect, it } from 'vitest';
import { SnapshotStore } from '../../../src/snapshot/store.js';
import { redactQuery } from '../../../src/observability/logger.js';
import { classifyUpstreamError } from '../../../src/proxy/upstream-errors.js';
import { paginate } from '../../../src/admin/views.js';
import { errorBody, wantsText } from '../../../src/proxy/error-response.js';
import { generateRequestId, requestIdFrom } from '../../../src/proxy/request-id.js';
import { parseListenAddress } from '../../../src/model/listen-address.js';
const parseListen = (s: string) => parseListenAddress(s, '--proxy-listen');
import { makeSnapshot } from '../../support/snapshot-fixtures.js';

describe('SnapshotStore', () => {
  it('swaps by reference, notifies listeners, refuses a non-increasing version', () => {
    const store = new SnapshotStore();
    expect(store.current()).toBeUndefined();
    const seen: Array<[number, number | undefined]> = [];
    const off = store.onSwap((n, p) => seen.push([n.version, p?.version]));
    const a = makeSnapshot([]);
    const b = makeSnapshot([]);
    store.swap(a);
    const held = store.current();
    store.swap(b);
    expect(held).toBe(a); // a reader keeps what it read
    expect(store.current()).toBe(b);
    expect(seen).toEqual([[a.version, undefined], [b.version, a.version]]);
    expect(() => store.swap(a)).toThrow(/must increase/);
    off();
    store.swap(makeSnapshot([]));
    expect(seen).toHaveLength(2);
  });

  it('a throwing listener does not block the swap', () => {
    const store = new SnapshotStore();
    store.onSwap(() => {
      throw new Error('boom');
    });
    const s = makeSnapshot([]);
    store.swap(s);
    expect(store.current()).toBe(s);
  });
});

describe('redactQuery', () => {
  const names = new Set(['jwt', 'access_token']);
  it.each([
    ['a=1&b=2', 'a=1&b=2'],
    ['jwt=abc.def.ghi', 'jwt=REDACTED'],
    ['x=1&jwt=abc&access_token=t&y=2', 'x=1&jwt=REDACTED&access_token=REDACTED&y=2'],
    ['jwt', 'jwt=REDACTED'],
    ['%6Awt=abc', '%6Awt=REDACTED'],
    ['JWT=abc', 'JWT=abc'],
    ['access%5Ftoken=t', 'access%5Ftoken=REDACTED'],
    ['bad%zz=1&jwt=a', 'bad%zz=1&jwt=REDACTED'],
  ])('%s → %s', (q, out) => expect(redactQuery(q, names)).toBe(out));
});

describe('classifyUpstreamError', () => {
  const e = (code?: string) => Object.assign(new Error('x'), code ? { code } : {});
  it.each([
    ['ECONNREFUSED', 502, true, false],
    ['ECONNRESET', 502, false, true],
    ['UND_ERR_SOCKET', 502, false, true],
    ['EPIPE', 502, false, true],
    ['HPE_INVALID_CONSTANT', 502, false, false],
    ['UND_ERR_CONNECT_TIMEOUT', 504, true, false],
    ['UND_ERR_HEADERS_TIMEOUT', 504, false, false],
    [undefined, 500, false, false],
  ])('%s → %i (connect phase %s, broke before any answer %s)', (code, status, connectPhase, answerless) => {
    const f = classifyUpstreamError(e(code));
    expect(f.status).toBe(status);
    expect(f.connectPhase).toBe(connectPhase);
    expect(f.answerless === true).toBe(answerless);
  });
});

describe('paginate', () => {
  const items = [1, 2, 3, 4, 5];
  it.each([
    [{}, [1, 2, 3, 4, 5], null],
    [{ size: '2' }, [1, 2], '/x?offset=2&size=2'],
    [{ size: '2', offset: '4' }, [5], null],
    [{ size: '5' }, [1, 2, 3, 4, 5], null],
  ])('%j', (q, data, next) => {
    expect(paginate(items, (x) => x, '/x', q)).toMatchObject({ data, next });
  });
  it('maps only the requested page to views', () => {
    const seen: number[] = [];
    const p = paginate(items, (x) => (seen.push(x), { n: x }), '/x', { size: '2', offset: '2' });
    expect(p).toMatchObject({ data: [{ n: 3 }, { n: 4 }], next: '/x?offset=4&size=2' });
    expect(seen).toEqual([3, 4]);
  });
  it.each([[{ size: '0' }], [{ size: '1001' }], [{ size: 'a' }], [{ offset: '-1' }]])('rejects %j', (q) => {
    expect(paginate(items, (x) => x, '/x', q)).toHaveProperty('error');
  });
});

describe('error bodies and request ids', () => {
  it.each([
    [undefined, false], ['application/json', false], ['*/*', false], ['text/plain', true],
    ['text/plain, application/json', false], ['text/html', false],
  ])('Accept %s → text %s', (accept, text) => expect(wantsText(accept)).toBe(text));

  it('JSON body escapes the id', () => {
    expect(errorBody('m', 'a"b', false)).toBe('{"message":"m","request_id":"a\\"b"}');
  });

  it('passes sane ids through and replaces odd ones', () => {
    expect(requestIdFrom('abc-1')).toBe('abc-1');
    expect(requestIdFrom('x'.repeat(201))).not.toBe('x'.repeat(201));
    expect(requestIdFrom(['a', 'b'])).toMatch(/^[0-9a-f]{12}-/);
    expect(generateRequestId()).not.toBe(generateRequestId());
  });
});

describe('parseListen', () => {
  it.each([
    ['0.0.0.0:8000', { host: '0.0.0.0', port: 8000 }],
    ['127.0.0.1:8001', { host: '127.0.0.1', port: 8001 }],
    ['[::1]:8100', { host: '::1', port: 8100 }],
    [':9000', { host: '0.0.0.0', port: 9000 }],
  ])('%s', (s, out) => expect(parseListen(s)).toEqual(out));
  it('rejects garbage', () => expect(() => parseListen('nope')).toThrow(/expected host:port/));
});
