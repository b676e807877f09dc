import { describe, expect, it } from 'vitest';
import { firstHeader, http1HeaderView } from '../../../src/proxy/h2-request.js';

describe('http1HeaderView', () => {
  it('drops pseudo-headers and makes :authority the Host', () => {
    const v = http1HeaderView([':method', 'GET', ':path', '/a', ':scheme', 'https', ':authority', 'api.example.com', 'accept', '*/*']);
    expect(v.rawHeaders).toEqual(['accept', '*/*', 'host', 'api.example.com']);
    expect(v.host).toBe('api.example.com');
  });

  it(':authority wins over a Host header sent as well (one Host upstream)', () => {
    const v = http1HeaderView([':authority', 'a.example', 'host', 'b.example', 'x', '1']);
    expect(v.rawHeaders).toEqual(['x', '1', 'host', 'a.example']);
    expect(v.host).toBe('a.example');
  });

  it('keeps a Host header when there is no :authority', () => {
    expect(http1HeaderView([':path', '/', 'host', 'b.example']).rawHeaders).toEqual(['host', 'b.example']);
    expect(http1HeaderView([':path', '/']).host).toBeUndefined();
  });

  it('joins split cookie fields with "; " (RFC 9113 §8.2.3), keeps other repeats apart', () => {
    const v = http1HeaderView(['cookie', 'a=1', 'x-r', '1', 'cookie', 'b=2', 'x-r', '2']);
    expect(v.rawHeaders).toEqual(['x-r', '1', 'x-r', '2', 'cookie', 'a=1; b=2']);
  });
});

describe('firstHeader', () => {
  it('returns the first value of a lower-case name', () => {
    expect(firstHeader(['a', '1', 'b', '2', 'a', '3'], 'a')).toBe('1');
    expect(firstHeader(['a', '1'], 'c')).toBeUndefined();
  });
});
