import { describe, expect, it } from 'vitest';
import { compileRouter } from '../../../../src/snapshot/router.js';
import { regexLiteralPrefix } from '../../../../src/snapshot/router/entries.js';
import { req, route } from './fixtures.js';

describe('regexLiteralPrefix (prefilter before a path regex runs)', () => {
  it.each([
    ['/users/\\d+$', '/users/'],
    ['/r/4/\\d+$', '/r/4/'],
    ['/a/b', '/a/b'],
    ['/ab?c', '/a'], // b is optional
    ['/ab*c', '/a'],
    ['/ab{0,2}', '/a'],
    ['/ab+', '/ab'], // b at least once
    ['/a|/b', ''], // alternation: no common literal
    ['(?i)/Users', ''], // case-insensitive
    ['\\Q/a.b\\E', ''],
    ['/a.b', '/a'],
    ['/u/(?P<id>\\d+)', '/u/'],
    ['[/]x', ''],
    ['/v1-beta_2~x/%41', '/v1-beta_2~x/%41'],
  ])('%s → %s', (pattern, want) => {
    expect(regexLiteralPrefix(pattern)).toBe(want);
  });
});

describe('router: the literal prefilter never changes the match', () => {
  const many = Array.from({ length: 30 }, (_, i) => route(`r${i}`, { paths: [`~/r/${i}/\\d+$`] }));
  it.each([
    ['/r/7/42', 'r7'],
    ['/r/29/1', 'r29'],
    ['/r/7/x', null],
    ['/r/70/1', null],
  ])('%s → %s among 30 regex routes', (path, want) => {
    expect(compileRouter(many).match(req(path))?.route.name ?? null).toBe(want);
  });
  it.each([
    [['~/ab?c'], '/ac', 'a'],
    [['~/ab?c'], '/abc', 'a'],
    [['~(?i)/Users/\\d+'], '/users/1', 'a'],
    [['~/a|/b'], '/b/c', 'a'],
    [['~/x{0,1}y'], '/y', 'a'],
  ])('%j matches %s', (paths, path, want) => {
    expect(compileRouter([route('a', { paths })]).match(req(path))?.route.name ?? null).toBe(want);
  });
});
