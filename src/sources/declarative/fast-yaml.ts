import { FAILSAFE_SCHEMA, load, Type } from 'js-yaml';

/**
 * Fast path for loading kong.yml. The `yaml` package (which reports our syntax diagnostics) builds
 * a full Document tree and parses about 1 MB/s; a 100,000-consumer file is ~13 MB, so loading it
 * took tens of seconds. js-yaml 4 loads straight to plain values at ~20 MB/s.
 *
 * The two must agree on every document the fast path accepts, so:
 * - the schema below is a copy of the `yaml` package's YAML 1.2 core schema (null, bool, int,
 *   float resolved exactly as yaml/dist/schema/core does; no timestamps, no merge keys);
 * - anything the fast path does not model the same way (anchors/aliases and their expansion limit,
 *   tags, directives) is left to the slow path, detected conservatively on the raw text;
 * - any js-yaml error (syntax, duplicate keys, multiple documents) is left to the slow path,
 *   which produces the diagnostics (codes and positions) users already get.
 * A false "not simple" only costs speed, never changes the result.
 */

const NULL_RE = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL_RE = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT_RE = /^0o[0-7]+$/;
const INT_RE = /^[-+]?[0-9]+$/;
const INT_HEX_RE = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN_RE = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

const CORE_1_2 = FAILSAFE_SCHEMA.extend({
  implicit: [
    new Type('tag:yaml.org,2002:null', {
      kind: 'scalar',
      resolve: (s: string | null) => s === null || NULL_RE.test(s),
      construct: () => null,
    }),
    new Type('tag:yaml.org,2002:bool', {
      kind: 'scalar',
      resolve: (s: string | null) => s !== null && BOOL_RE.test(s),
      construct: (s: string) => s[0] === 't' || s[0] === 'T',
    }),
    new Type('tag:yaml.org,2002:int', {
      kind: 'scalar',
      resolve: (s: string | null) => s !== null && (INT_OCT_RE.test(s) || INT_RE.test(s) || INT_HEX_RE.test(s)),
      construct: (s: string) => (INT_OCT_RE.test(s) ? parseInt(s.substring(2), 8) : INT_HEX_RE.test(s) ? parseInt(s.substring(2), 16) : parseInt(s, 10)),
    }),
    new Type('tag:yaml.org,2002:float', {
      kind: 'scalar',
      resolve: (s: string | null) => s !== null && (FLOAT_NAN_RE.test(s) || FLOAT_EXP_RE.test(s) || FLOAT_RE.test(s)),
      construct: (s: string) =>
        FLOAT_NAN_RE.test(s) ? (s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? -Infinity : Infinity) : parseFloat(s),
    }),
  ],
});

/**
 * Left to the slow path: `&anchor`, `*alias` or `!tag` where a node may start, a `%` directive
 * line, and mapping keys js-yaml turns into different strings (a null key is "" for yaml and
 * "null" for js-yaml; a collection key, usually written with `?` or as `[..]:` / `{..}:`, is
 * "[ a, b ]" for yaml and "a,b" for js-yaml). Over-matches (e.g. " *" inside a quoted string,
 * "key : value"): fine.
 */
const NOT_SIMPLE = /(?:^|[\s[{,:?-])[&*!]|^%|(?:^|[\s{,])(?:~|null|Null|NULL)?[ \t]*:(?:\s|$)|(?:^|[\s{,[])\?(?:\s|$)|[\]}][ \t]*:(?:\s|$)/m;

/** The document's value when the fast path applies; undefined = use the slow path. */
export function loadSimpleYaml(text: string): { value: unknown } | undefined {
  if (NOT_SIMPLE.test(text)) return undefined;
  try {
    return { value: load(text, { schema: CORE_1_2 }) };
  } catch {
    return undefined;
  }
}
