import { inspect, isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { dump } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { parseDeclarative } from '../../../../src/sources/declarative/parse.js';
import { loadSimpleYaml } from '../../../../src/sources/declarative/fast-yaml.js';
import { fcParams } from '../../../support/fc-settings.js';

/**
 * kong.yml loading. The fast path (js-yaml with a copy of YAML 1.2's core schema) may only ever
 * answer with what the `yaml` package — the reference model and the slow path that reports
 * diagnostics — loads from the same text: whenever loadSimpleYaml returns a value, the yaml
 * package parses the text without error to an equal value. And parseDeclarative is total: any
 * text gives a result (possibly fatal, with diagnostics), never an exception.
 */

/** What parse.ts's slow path loads. */
function reference(text: string): { ok: true; value: unknown } | { ok: false } {
  const doc = YAML.parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) return { ok: false };
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: 100 }) };
  } catch {
    return { ok: false };
  }
}

/** Strings that one YAML schema or another reads as something else than a string. */
const trickyScalar = fc.constantFrom(
  '~', 'null', 'Null', 'NULL', 'nULL', '', 'true', 'False', 'TRUE', 'yes', 'no', 'on', 'off', 'y', 'n',
  '0', '-0', '+0', '012', '0o17', '0O17', '0x1F', '0X1f', '0b101', '1_000', '1e3', '1E3', '1e', '.5', '5.', '-.5', '+.5', '1.0', '3.10',
  '.inf', '-.Inf', '+.INF', '.nan', '.NaN', '2001-01-01', '12:30:00', '1:2', '<<', '=', '-', '?', ':', '#', 'a #b', 'a: b', "'", '"',
  '`x', '@x', '%x', '|', '>', '[a]', '{a}', ' lead', 'trail ', '\t', 'é', '\u2028', '\\n', '9007199254740993', '1e400', '0.1e-400',
);
const keyArb = fc.oneof(trickyScalar, fc.constantFrom('_format_version', 'services', 'routes', 'name', 'url', 'paths', 'consumers', 'jwt_secrets', '__proto__', 'constructor', 'toString'), fc.string({ maxLength: 6 }));
const leaf = fc.oneof(trickyScalar, fc.string({ maxLength: 10 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const valueArb = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('list'), tie('map')),
  list: fc.array(tie('node'), { maxLength: 4 }),
  map: fc.dictionary(keyArb, tie('node'), { maxKeys: 5 }),
})).map;

/** One value in many spellings: both libraries' writers, block and flow, every quoting style. */
const textArb = fc.oneof(
  fc.tuple(valueArb, fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED') as fc.Arbitrary<'PLAIN'>, fc.boolean()).map(
    ([v, defaultStringType, flow]) => YAML.stringify(v, { defaultStringType, collectionStyle: flow ? 'flow' : 'any' }),
  ),
  fc.tuple(valueArb, fc.boolean(), fc.boolean()).map(([v, flow, quote]) => dump(v, { flowLevel: flow ? 1 : -1, forceQuotes: quote })),
  valueArb.map((v) => JSON.stringify(v, null, 1)),
);
/** Small edits in YAML's significant characters, so the text leaves the writers' comfort zone. */
const editArb = fc.tuple(fc.nat(), fc.constantFrom(' ', '  ', '\n', '\n  ', ':', ': ', '- ', '#', '"', "'", '{', '}', '[', ']', ',', '&a ', '*a', '!', '?', '|', '>', '\t', '---\n', '%', '\\', '~', 'null', '\r'), fc.nat({ max: 3 }));
const mutatedTextArb = fc.tuple(textArb, fc.array(editArb, { maxLength: 4 })).map(([text, edits]) => {
  let t = text;
  for (const [at, insert, del] of edits) {
    const i = t.length === 0 ? 0 : at % t.length;
    t = t.slice(0, i) + insert + t.slice(i + del);
  }
  return t;
});

describe('kong.yml fast path = yaml package', () => {
  it('whenever the fast path answers, the yaml package loads the same value', () => {
    let fastAnswers = 0;
    fc.assert(
      fc.property(fc.oneof(textArb, mutatedTextArb), (text) => {
        const fast = loadSimpleYaml(text);
        if (fast === undefined) return;
        fastAnswers++;
        const ref = reference(text);
        expect(ref.ok, `the yaml package rejects what the fast path accepted:\n${text}`).toBe(true);
        // node's deep equality (prototypes, NaN, -0): expect's would read a "constructor" key as the class.
        if (ref.ok && !isDeepStrictEqual(fast.value ?? null, ref.value ?? null)) {
          expect.fail(`fast path ${inspect(fast.value, { depth: 9 })} ≠ yaml package ${inspect(ref.value, { depth: 9 })} for:\n${text}`);
        }
      }),
      fcParams(3000),
    );
    expect(fastAnswers).toBeGreaterThan(500);
  }, 120_000);

  it('parseDeclarative is total and reports fatal problems as diagnostics', () => {
    const kongish = fc
      .record({
        _format_version: fc.constantFrom<unknown>('3.0', '2.1', '1.1', 3, '4.0', null),
        services: fc.array(fc.record({ name: fc.oneof(trickyScalar, fc.constant('svc')), url: fc.constantFrom<unknown>('http://127.0.0.1:9', 'ftp://x', '', 1, null), routes: fc.array(fc.record({ paths: fc.array(fc.constantFrom<unknown>('/', '~/a', '~(', 'x', 1), { maxLength: 2 }), hosts: fc.array(fc.constantFrom<unknown>('a.b', '*.b', 'x.*', '*', ':80', 1), { maxLength: 2 }) }, { requiredKeys: [] }), { maxLength: 2 }) }, { requiredKeys: [] }), { maxLength: 2 }),
        consumers: fc.array(fc.record({ username: fc.oneof(trickyScalar, fc.constant('alice')), jwt_secrets: fc.array(fc.record({ key: fc.constantFrom<unknown>('k', '', 1), algorithm: fc.constantFrom<unknown>('HS256', 'RS256', 'none', 1), secret: fc.constantFrom<unknown>('s', '', null) }, { requiredKeys: [] }), { maxLength: 2 }) }, { requiredKeys: [] }), { maxLength: 2 }),
        plugins: fc.array(fc.record({ name: fc.constantFrom<unknown>('jwt', 'cors', 1), config: fc.dictionary(fc.constantFrom('claims_to_verify', 'key_claim_name', 'anonymous', 'uri_param_names', 'maximum_expiration'), leaf, { maxKeys: 3 }) }, { requiredKeys: [] }), { maxLength: 2 }),
      }, { requiredKeys: [] })
      .map((v) => YAML.stringify(v));
    fc.assert(
      fc.property(fc.oneof(kongish, mutatedTextArb, fc.string({ unit: 'binary', maxLength: 80 })), (text) => {
        const result = parseDeclarative(text, '/tmp/kong.yml');
        if (result.fatal !== undefined) expect(result.fatal.length).toBeGreaterThan(0);
        for (const d of [...(result.fatal ?? []), ...result.resources.diagnostics]) expect(typeof d.message).toBe('string');
      }),
      fcParams(1500),
    );
  }, 120_000);
});
