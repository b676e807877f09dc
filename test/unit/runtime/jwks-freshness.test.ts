import { describe, expect, it } from 'vitest';
import { freshnessSeconds } from '../../../src/runtime/jwks-freshness.js';

/** RFC 9111 freshness of a JWKS answer (docs/jwks.md#bounds): max-age first, then Expires − Date, less Age. */
const NOW = Date.parse('Thu, 03 Dec 2026 12:00:00 GMT');
const at = (offsetSeconds: number) => new Date(NOW + offsetSeconds * 1000).toUTCString();

describe('freshnessSeconds', () => {
  it.each([
    ['nothing', {}, undefined],
    ['max-age', { 'cache-control': 'public, max-age=120' }, 120],
    ['max-age less Age', { 'cache-control': 'max-age=120', age: '20' }, 100],
    ['quoted max-age', { 'cache-control': 'max-age="30"' }, 30],
    ['no-store', { 'cache-control': 'no-store', expires: at(600) }, 0],
    ['no-cache', { 'cache-control': 'no-cache, max-age=600' }, 0],
    ['max-age wins over Expires', { 'cache-control': 'max-age=60', expires: at(600), date: at(0) }, 60],
    ['Cache-Control without max-age: Expires', { 'cache-control': 'public', expires: at(600), date: at(0) }, 600],
    ['Expires less Date', { expires: at(900), date: at(300) }, 600],
    ['Expires less Date less Age', { expires: at(900), date: at(300), age: '100' }, 500],
    ['Expires without Date: the local clock', { expires: at(45) }, 45],
    ['Expires with an invalid Date: the local clock', { expires: at(45), date: 'yesterday' }, 45],
    ['Expires in the past', { expires: at(-60), date: at(0) }, 0],
    ['invalid Expires (0) is already expired', { expires: '0' }, 0],
    ['a bare year is not an HTTP-date', { expires: '2030' }, 0],
    ['obsolete RFC 850 date', { expires: 'Thursday, 03-Dec-26 12:10:00 GMT', date: at(0) }, 600],
  ] as const)('%s', (_name, headers, expected) => {
    expect(freshnessSeconds(headers, NOW)).toBe(expected);
  });
});
