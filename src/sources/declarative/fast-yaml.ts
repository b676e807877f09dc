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
 * "[ a, b ]" for yaml and "a,b" for js-yaml). Also text js-yaml reads where YAML (and the yaml
 * package) does not: a lone CR line break, a document marker glued to text ("----"), "#" right
 * after a flow indicator or ":", a tab in indentation. Over-matches (e.g. " *" inside a quoted
 * string, "key : value"): fine.
 */
const NOT_SIMPLE = /\r(?!\n)|^(?:---|\.\.\.)\S|[[\]{},:]#|^ *\t|(?:^|[\s[{,:?-])[&*!]|^%|(?:^|[\s{,[])(?:~|null|Null|NULL)?[ \t]*:|(?:^|[\s{,[])\?(?:[\s,\]}]|$)|[\]}][ \t]*:/m;

/** A null (or empty) flow mapping entry: a null key, "null" for js-yaml and "" for yaml. */
const NULL_ENTRY = /^(?:~|null|Null|NULL)\s*(?:[,}]|$)/;

/**
 * Constructs js-yaml reads more leniently than the yaml package (which reports an error or loads
 * another value): a quoted scalar that does not close on its own line (js-yaml folds it whatever
 * its indentation), "#" right after a closing quote (js-yaml: a comment), a flow collection
 * continued on the next line of a block document (js-yaml: any indentation), and a collection or
 * null as a key of a flow mapping without ":" (js-yaml joins it into a string, or reads "null").
 * All are left to the slow path. A quote can only open a quoted scalar where a node starts; a
 * quote or bracket inside a plain scalar may still open a false run, which only over-matches.
 */
function hasLenientConstruct(text: string): boolean {
  let quote = 0; // 0, '"' or "'"
  /** Open flow collections, innermost last: 0x7b "{" or 0x5b "[". */
  const open: number[] = [];
  /** Right after "{" or "," of a flow mapping: a collection here would be a key. */
  let mappingEntryStart = false;
  let flowDocument: boolean | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote === 0) {
      if (isBlank(c)) {
        if (c === 0x0a && open.length > 0 && !flowDocument) return true;
        continue;
      }
      flowDocument ??= c === 0x7b || c === 0x5b;
      if (c === 0x23 /* # */ && (i === 0 || isBlank(text.charCodeAt(i - 1)))) {
        const eol = text.indexOf('\n', i);
        if (eol === -1) return false;
        i = eol - 1;
        continue;
      }
      if (mappingEntryStart && (c === 0x7b || c === 0x5b || c === 0x2c || NULL_ENTRY.test(text.slice(i, i + 6)))) return true;
      mappingEntryStart = false;
      if ((c === 0x22 || c === 0x27) && (i === 0 || NODE_START_BEFORE.has(text.charCodeAt(i - 1)))) quote = c;
      else if (c === 0x7b || c === 0x5b /* { [ */) {
        open.push(c);
        mappingEntryStart = c === 0x7b;
      } else if (c === 0x7d || c === 0x5d /* } ] */) open.pop();
      else if (c === 0x2c /* , */) mappingEntryStart = open[open.length - 1] === 0x7b;
    } else if (c === 0x0a) {
      return true;
    } else if (quote === 0x22 && c === 0x5c /* backslash */) {
      if (text.charCodeAt(++i) === 0x0a) return true;
    } else if (c === quote) {
      // '' inside a single-quoted scalar is an escaped quote: the next iteration reopens it.
      quote = 0;
      if (text.charCodeAt(i + 1) === 0x23 /* # */) return true;
    }
  }
  return quote !== 0;
}

/** Characters after which a quote starts a quoted scalar: blanks and flow / block indicators. */
const NODE_START_BEFORE: ReadonlySet<number> = new Set([0x20, 0x09, 0x0a, 0x0d, 0x5b, 0x7b, 0x2c, 0x3a, 0x3f, 0x2d]);

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** The document's value when the fast path applies; undefined = use the slow path. */
export function loadSimpleYaml(text: string): { value: unknown } | undefined {
  if (NOT_SIMPLE.test(text) || hasLenientConstruct(text)) return undefined;
  try {
    return { value: load(text, { schema: CORE_1_2 }) };
  } catch {
    return undefined;
  }
}
