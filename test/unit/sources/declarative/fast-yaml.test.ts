import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { EntityIndex } from '../../../../src/sources/declarative/entity-index.js';
import { loadSimpleYaml } from '../../../../src/sources/declarative/fast-yaml.js';

/** What the slow path (the yaml package, as parse.ts calls it) loads. */
const slow = (text: string): unknown => YAML.parseDocument(text, { uniqueKeys: true }).toJS({ maxAliasCount: 100 });

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), '../../../golden/declarative');

/** Documents the fast path must load exactly as the yaml package does (YAML 1.2 core scalars). */
const sameValue: Array<[string, string]> = [
  ['nulls', 'a: ~\nb: null\nc: Null\nd: NULL\ne:\nf: nULL\n'],
  ['bools are 1.2 only', 'a: true\nb: False\nc: TRUE\nd: yes\ne: no\nf: on\ng: off\nh: y\n'],
  ['ints', 'a: 12\nb: -3\nc: +4\nd: 0o17\ne: 0x1F\nf: 012\ng: 0b101\nh: 1_000\ni: 0O17\nj: 0X1f\n'],
  ['floats', 'a: 1.5\nb: .5\nc: 1.\nd: 1e3\ne: -2.5E-2\nf: .inf\ng: -.Inf\nh: .NaN\ni: +.INF\nj: 1e\n'],
  ['versions', '_format_version: "3.0"\nv: 3.0\nw: 3.10\n'],
  ['quoted scalars stay strings', 'a: "12"\nb: \'true\'\nc: "~"\nd: "a\\tb\\u00e9"\ne: \'it\'\'s\'\n'],
  ['block scalars', 'a: |\n  line1\n  line2\nb: >-\n  folded\n  text\n\n  para\nc: |+\n  keep\n\n'],
  ['multi-line plain', 'a: one\n  two\n  three\n'],
  ['flow collections', 'a: [1, "x", {b: c, d: [e]}]\nb: {}\nc: []\n'],
  ['document markers', '---\na: 1\n...\n'],
  ['comments', '# top\na: 1 # trailing\nb: "# not a comment"\n'],
  ['regex paths and wildcards', "paths: ['~/a/\\d+$', \"~/b/(x|y)\"]\nhosts: ['*.example.com', \"x.*\"]\n"],
  ['numeric keys', '1: a\n2.5: b\ntrue: c\n'],
  ['unicode', 'name: "caf\\u00e9"\nother: naïve\n'],
  ['apostrophes in plain scalars', "description: Bob's API\nother: it's 'fine'\n"],
  ['json', '{"_format_version": "3.0", "a": [1, 2.5, null, true, "s"], "b": {"c": "\\/x"}}'],
];

describe('loadSimpleYaml (js-yaml fast path)', () => {
  it.each(sameValue)('%s: same value as the yaml package', (_, text) => {
    const fast = loadSimpleYaml(text);
    expect(fast).toBeDefined();
    expect(fast!.value).toEqual(slow(text));
  });

  const goldens = readdirSync(goldenDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  it.each(goldens)('golden %s: same value as the yaml package, or left to it', (name) => {
    const text = readFileSync(join(goldenDir, name, 'kong.yml'), 'utf8');
    const fast = loadSimpleYaml(text);
    if (fast === undefined) return; // left to the slow path (syntax error, anchors, ...)
    expect(fast.value ?? null).toEqual(slow(text) ?? null); // comment-only: null or undefined, both "no document"
  });

  /** The slow path decides these: its diagnostics and alias limits stay exactly as they were. */
  const leftToSlowPath: Array<[string, string]> = [
    ['anchor and alias', 'a: &x {b: 1}\nc: *x\n'],
    ['merge key via alias', 'base: &b {x: 1}\nd:\n  <<: *b\n'],
    ['tag', 'a: !!str 12\n'],
    ['custom tag', 'a: !vault secret\n'],
    ['directive', '%YAML 1.1\n---\na: yes\n'],
    ['duplicate key', 'a: 1\na: 2\n'],
    ['duplicate key after stringification', '1: a\n"1": b\n'],
    ['syntax error', 'a: "unterminated\nb: [\n'],
    ['two documents', 'a: 1\n---\nb: 2\n'],
    ['tab indentation', 'a:\n\tb: 1\n'],
    ['null key', 'a:\n  null: 1\n'],
    ['tilde key', 'a: {~: 1}\n'],
    ['empty key', ': 1\n'],
    ['explicit key', '? x\n: 1\n'],
    ['flow sequence key', '[a, b]: 1\n'],
    ['flow mapping key', 'x:\n  {a: 1}: 2\n'],
    // Found by fast-yaml.property.test.ts: js-yaml reads these leniently (a value
    // dropped, a string merged), where the yaml package reports a syntax error or another value.
    ['lone CR line break', '\r{}\n'],
    ['flow null key without a space', '{:}'],
    ['flow null key without a colon', '{~}\n'],
    ['flow null entry', 'a: {b: 1, null, c: 2}\n'],
    ['"#" right after a closing quote', '{\n "~"#:  true\n}'],
    ['"#" right after a flow mapping', 'a: {b: 1}#c\n'],
    ['"#" right after a flow indicator', '{#\n  a: 1\n}\n'],
    ['quoted scalar continued under its parent', 'a:\n  - b: "\n.NaN"\n'],
    ['flow mapping continued under its parent', 'A: {\n\'name\': null}\n'],
    ['tab before a scalar', '\t  -1.5\n'],
    ['collection as a flow mapping key', '{\n "~", []\n}'],
    ['null key in a flow sequence line', 'a:\n  [\n    :[ null ],\n  ]\n'],
    ['document marker run', '----\n '],
    ['document marker glued to text', '---\\\n}\n'],
  ];
  it.each(leftToSlowPath)('%s: left to the slow path', (_, text) => {
    expect(loadSimpleYaml(text)).toBeUndefined();
  });
});

describe('EntityIndex', () => {
  type E = { n: number; name?: string; id: string };
  const index = () => {
    const ix = new EntityIndex<E, 'name' | 'id'>({ name: (e) => e.name, id: (e) => e.id });
    [{ n: 0, name: 'a', id: '1' }, { n: 1, id: '2' }, { n: 2, name: 'b', id: '3' }, { n: 3, name: 'a', id: '4' }].forEach((e) => ix.push(e));
    return ix;
  };

  it('returns the earliest entity with a value, as a scan would', () => {
    const ix = index();
    expect(ix.get('name', 'a')?.n).toBe(0);
    expect(ix.get('id', '4')?.n).toBe(3);
    expect(ix.get('name', undefined)).toBeUndefined();
    expect(ix.get('name', 'zzz')).toBeUndefined();
    expect(ix.items.map((e) => e.n)).toEqual([0, 1, 2, 3]);
  });

  it.each([
    [{ name: 'b', id: '2' }, 1],
    [{ name: 'a', id: '3' }, 0],
    [{ name: undefined, id: '3' }, 2],
    [{ name: 'none', id: 'none' }, undefined],
  ] as const)('firstOf(%j) is the earliest match on any field', (query, expected) => {
    expect(index().firstOf(query)?.n).toBe(expected);
  });
});
