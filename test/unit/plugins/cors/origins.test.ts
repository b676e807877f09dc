import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fcParams } from '../../../support/fc-settings.js';
import { compileOriginEntry, matchesOrigin, normalizeOrigin } from '../../../../src/plugins/cors/origins.js';

describe('normalizeOrigin (LuaSocket url.parse, as Kong)', () => {
  it.each([
    ['https://app.example.com', 'https://app.example.com', 'app.example.com'],
    ['https://app.example.com:443', 'https://app.example.com', 'app.example.com'],
    ['http://app.example.com:80', 'http://app.example.com', 'app.example.com'],
    ['http://app.example.com:443', 'http://app.example.com:443', 'app.example.com'],
    ['https://app.example.com:8443/path?q#f', 'https://app.example.com:8443', 'app.example.com'],
    ['https://user@app.example.com', 'https://app.example.com', 'app.example.com'],
    ['http://[::1]:8080', 'http://::1:8080', '::1'],
    ['null', 'null', 'null'],
    ['app.example.com', 'app.example.com', 'app.example.com'],
    ['HTTPS://App.Example.com', 'HTTPS://App.Example.com', 'App.Example.com'],
  ])('%s', (input, domain, host) => {
    expect(normalizeOrigin(input)).toEqual({ domain, host });
  });
});

describe('origin entries', () => {
  const matches = (entry: string, origin: string) => matchesOrigin([compileOriginEntry(entry)], normalizeOrigin(origin));

  it('an exact entry compares normalized origins (default ports dropped)', () => {
    expect(matches('https://app.example.com', 'https://app.example.com:443')).toBe(true);
    expect(matches('https://app.example.com:443', 'https://app.example.com')).toBe(true);
    expect(matches('https://app.example.com', 'http://app.example.com')).toBe(false);
    // No scheme: Kong compares it with the whole normalized origin, which has one.
    expect(matches('app.example.com', 'https://app.example.com')).toBe(false);
  });

  it('a regex with ":" is matched against scheme://host[:port], anchored at both ends', () => {
    expect(matches('https://.*\\.example\\.com', 'https://a.b.example.com')).toBe(true);
    expect(matches('https://.*\\.example\\.com', 'https://a.example.com.evil.net')).toBe(false);
    expect(matches('https://.*\\.example\\.com', 'http://a.example.com')).toBe(false);
    expect(matches('^https://.*\\.example\\.com$', 'https://a.example.com')).toBe(true);
    expect(matches('https?://(a|b)\\.example\\.com', 'http://b.example.com')).toBe(true);
  });

  it('a regex without ":" is matched against the host alone', () => {
    expect(matches('.*\\.example\\.com', 'https://a.example.com')).toBe(true);
    expect(matches('.*\\.example\\.com', 'http://a.example.com:8080')).toBe(true);
    expect(matches('.*\\.example\\.com', 'https://example.com')).toBe(false);
  });

  it('alternatives are all anchored at the start (PCRE anchored flag)', () => {
    expect(matches('a\\.com|b\\.com', 'https://xa.com')).toBe(false);
    expect(matches('a\\.com|b\\.com', 'https://b.com')).toBe(true);
    expect(matches('a\\.com|b\\.com', 'https://b.com.evil.net')).toBe(false);
    // The appended "$" ends only the last alternative, as in Kong: the first one is a prefix match.
    expect(matches('a\\.com|b\\.com', 'https://a.com.evil.net')).toBe(true);
  });
});

describe('origin handling is total', () => {
  it('normalizeOrigin never throws and an exact entry always matches its own origin', () => {
    fc.assert(
      fc.property(fc.oneof(fc.webUrl(), fc.string({ maxLength: 40 })), (s) => {
        const n = normalizeOrigin(s);
        expect(typeof n.domain).toBe('string');
        if (/^[A-Za-z0-9.:/-]+$/.test(s)) expect(matchesOrigin([compileOriginEntry(s)], n)).toBe(true);
      }),
      fcParams(500),
    );
  });
});
