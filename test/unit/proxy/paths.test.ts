import { describe, expect, it } from 'vitest';
import { escapeUpstreamPath, joinUpstreamPath, normalizePath } from '../../../src/proxy/paths.js';

describe('normalizePath', () => {
  it.each([
    ['/', '/'],
    ['/plain/path', '/plain/path'],
    // unreserved escapes decoded, hex case-insensitive
    ['/%7Euser/%41%62%63', '/~user/Abc'],
    ['/a%2db%5Fc%2E', '/a-b_c.'],
    // reserved escapes kept, upper-cased
    ['/a%2fb', '/a%2Fb'],
    ['/a%3f%23%25', '/a%3F%23%25'],
    // "other" characters decoded as Kong does (re-escaped when forwarding)
    ['/a%20b', '/a b'],
    ['/caf%C3%A9', '/café'],
    // invalid UTF-8 kept encoded
    ['/x%C3', '/x%C3'],
    ['/x%FF%FE', '/x%FF%FE'],
    // dot segments
    ['/a/b/../c', '/a/c'],
    ['/a/./b', '/a/b'],
    ['/a/b/..', '/a/'],
    ['/a/.', '/a/'],
    ['/..', '/'],
    ['/../../x', '/x'],
    ['/a/%2e%2e/b', '/b'],
    ['/a/%2E/b', '/a/b'],
    ['/a/.../b', '/a/.../b'],
    ['/.hidden/x.json', '/.hidden/x.json'],
    // slash runs merged
    ['//a///b', '/a/b'],
    ['/a//', '/a/'],
    ['/a//../b', '/b'],
  ])('%s → %s', (raw, want) => {
    expect(normalizePath(raw)).toBe(want);
  });

  it.each(['', 'a/b', '*', 'http://x/y', '/a%zz', '/a%4', '/a%', '/%g0'])('rejects %j', (raw) => {
    expect(normalizePath(raw)).toBeNull();
  });

  it('a literal %25 is not decoded twice', () => {
    expect(normalizePath('/%252e%252e/x')).toBe('/%252e%252e/x');
  });
});

describe('joinUpstreamPath (Kong v0 path handling)', () => {
  // [service path, request path, stripped remainder, strip_path, upstream path]
  it.each([
    // the strip_path examples of docs/kong-compatibility.md#routing
    ['/base', '/api/x', '/x', true, '/base/x'],
    ['/base', '/apifixed', 'fixed', true, '/base/fixed'],
    ['/base', '/api', '', true, '/base'],
    ['/base', '/api/', '/', true, '/base/'],
    ['/base', '/api/x', '', false, '/base/api/x'],
    // service path with trailing slash
    ['/base/', '/api/x', '/x', true, '/base/x'],
    ['/base/', '/apifixed', 'fixed', true, '/base/fixed'],
    ['/base/', '/api', '', true, '/base'],
    ['/base/', '/api/', '/', true, '/base/'],
    ['/base/', '/api/x', '', false, '/base/api/x'],
    ['/base/', '/', '', false, '/base/'],
    // empty service path = "/"
    ['', '/api/x', '/x', true, '/x'],
    ['', '/api', '', true, '/'],
    ['', '/api/x', '', false, '/api/x'],
    ['/', '/api/x', '/x', true, '/x'],
    ['/', '/api/x/', '/x/', true, '/x/'],
    // root prefix "/"
    ['/base', '/x/y', 'x/y', true, '/base/x/y'],
    ['/base', '/', '', true, '/base'],
    ['/base/', '/', '', true, '/base/'],
    ['', '/', '', true, '/'],
    ['/base', '/', '', false, '/base'],
    // strip_path=false keeps the request path
    ['/base', '/', '/', false, '/base'],
    // leftover dot segments in the remainder are dropped (sanitize_uri_postfix)
    ['/base', '/api..', '..', true, '/base'],
    ['/base', '/api./x', './x', true, '/base/x'],
  ] as const)('%j + %j (rest %j, strip %s) → %j', (service, request, rest, strip, want) => {
    expect(joinUpstreamPath(service, request, rest, strip)).toBe(want);
  });
});

describe('escapeUpstreamPath', () => {
  it.each([
    ['/plain/a-b_c.d~e', '/plain/a-b_c.d~e'],
    ['/a b', '/a%20b'],
    ['/café', '/caf%C3%A9'],
    ['/a%2Fb', '/a%2Fb'],
    ["/!$&'()*+,;=:@", "/!$&'()*+,;=:@"],
    ['/a"<>`{}|\\^', '/a%22%3C%3E%60%7B%7D%7C%5C%5E'],
  ])('%s → %s', (path, want) => {
    expect(escapeUpstreamPath(path)).toBe(want);
  });

  it('round-trips normalization of decoded characters', () => {
    expect(escapeUpstreamPath(normalizePath('/x%20y/caf%c3%a9')!)).toBe('/x%20y/caf%C3%A9');
  });
});
