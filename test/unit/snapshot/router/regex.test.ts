import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { compileRouteRegex } from '../../../../src/snapshot/router/regex.js';

/**
 * Literal patterns ending in "$" (Ingress Exact/Prefix paths, docs/ingress.md#paths) are compared
 * as strings; the result must be the regex engine's, for them and for look-alikes that are not
 * literal (which still go to the engine).
 */
const PATTERNS = ['/foo$', '/x\\.y$', '/a\\-b\\/c$', '/ü/€$', '/q\\?$', '/foo\\$', '/foo\\\\$', '/fo.$', '/foo/\\d+$', '(?i)/foo$', '/a|/b$', '/foo$$'];
const PATHS = ['/foo', '/foo/', '/foox', '/fo', '/x.y', '/xzy', '/a-b/c', '/ü/€', '/q?', '/q', '/foo$', '/foo\\', '/foo\\$', '/fo1', '/foo/12', '/FOO', '/a', '/b', ''];

function engine(pattern: string, path: string): number {
  const m = RE2JS.compile(`^(?:${pattern})`, 0).matcher(path);
  return m.lookingAt() ? m.end() : -1;
}

describe('compileRouteRegex: literal "…$" patterns', () => {
  it.each(PATTERNS)('%s agrees with the regex engine', (pattern) => {
    const re = compileRouteRegex(`~${pattern}`);
    if ('error' in re) throw new Error(re.error);
    for (const path of PATHS) {
      // (?i) is converted by the compiler; the engine gets the same flag through it.
      const want = pattern.startsWith('(?i)') ? engineIgnoreCase(pattern.slice(4), path) : engine(pattern, path);
      expect(re.matchLength(path), `${pattern} on ${JSON.stringify(path)}`).toBe(want);
    }
  });
});

function engineIgnoreCase(pattern: string, path: string): number {
  const m = RE2JS.compile(`^(?:${pattern})`, RE2JS.CASE_INSENSITIVE).matcher(path);
  return m.lookingAt() ? m.end() : -1;
}
