import { describe, expect, it } from 'vitest';
import { looksLikeJwt, redactPath, redactQuery } from '../../../src/observability/logger.js';
import { mintToken } from '../../../src/tokens/mint.js';

const T = mintToken({ algorithm: 'HS256', key: 'k', secret: 'redaction-secret-0123456789', expiresInSeconds: 60 });
const enc = (s: string) => s.replace(/\./g, '%2E');
const NAMES = new Set(['jwt']);

describe('redactQuery: JWT-shaped values whatever the parameter name', () => {
  it.each([
    [`JWT=${T}`, 'JWT=REDACTED'],
    [`access_token=${T}&a=1`, 'access_token=REDACTED&a=1'],
    [`jwt+=${T}`, 'jwt+=REDACTED'],
    [`x=1&tok=${enc(T)}`, 'x=1&tok=REDACTED'],
    [`tok=${encodeURIComponent(`Bearer ${T}`)}`, 'tok=REDACTED'],
    [`next=${encodeURIComponent(`https://app.example/cb?t=${T}`)}`, 'next=REDACTED'],
    [`bad%zz=1&tok=${enc(T)}%zz`, 'bad%zz=1&tok=REDACTED'],
    [`${T}`, 'REDACTED'],
    [`${T}=1`, 'REDACTED'],
    [`tok=${T.split('.').slice(0, 2).join('.')}.`, 'tok=REDACTED'],
  ])('%s', (q, want) => expect(redactQuery(q, NAMES)).toBe(want));

  it.each(['v=1.2&host=www.example.com', 'file=app.min.js', 'q=a.b', 'ip=10.0.0.1'])('leaves %s alone', (q) => {
    expect(redactQuery(q, NAMES)).toBe(q);
  });
});

describe('redactPath', () => {
  it.each([
    [`/verify/${T}`, '/verify/REDACTED'],
    [`/verify/${enc(T)}/x`, '/verify/REDACTED/x'],
    ['/static/app.min.js', '/static/app.min.js'],
    ['/a/b', '/a/b'],
  ])('%s', (p, want) => expect(redactPath(p)).toBe(want));
});

describe('looksLikeJwt', () => {
  it.each([
    [T, true],
    ['eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', true],
    ['1.2.3', false],
    ['www.example.com', false],
  ])('%s → %s', (v, want) => expect(looksLikeJwt(v)).toBe(want));
});
