import { RE2JS } from 're2js';

/**
 * Kong route regexes ("~/users/\d+$", PCRE / Rust-regex syntax) compiled for a linear-time engine
 * (RE2JS, a pure-JS RE2): matching costs O(pattern × path) whatever the pattern, so a pattern like
 * `(a+)+$` cannot make one request stall the process (a backtracking engine takes exponential time
 * on it). Constructs that no linear-time engine can run — backreferences and lookaround — are
 * refused with an error naming the construct. Kong 3.x's default router (traditional_compatible,
 * backed by Rust's regex crate) refuses them too.
 *
 * Anchoring: the whole pattern is anchored at the start, as PCRE_ANCHORED in Kong's traditional
 * router: we wrap it in `^(?:…)`, so `~/a|/b` only matches paths starting with /a or /b (Kong's ATC
 * compat router prepends a bare "^", which would leave `/b` unanchored — we take the stricter reading).
 *
 * PCRE-isms converted: `(?P<n>` → `(?<n>`, `\A` → `^`, `\z`/`\Z` → `$`,
 * `\Q…\E` quoting, `(?#…)` comments, POSIX classes `[[:digit:]]` etc., a leading `(?i)` flag.
 * Other constructs (possessive quantifiers, atomic groups, recursion, other inline flags, PCRE
 * verbs, backreferences, lookaround) are reported as errors so the translator rejects the route.
 */

const POSIX_CLASSES: Record<string, string> = {
  alpha: 'A-Za-z',
  digit: '0-9',
  alnum: 'A-Za-z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: '\\s',
  xdigit: '0-9A-Fa-f',
  word: '\\w',
  punct: '!-\\/:-@\\[-`{-~',
  blank: ' \\t',
  cntrl: '\\x00-\\x1f\\x7f',
  print: '\\x20-\\x7e',
  graph: '\\x21-\\x7e',
};

/** The escape at `i` with its name or number (`\1`, `\k<id>`), for a diagnostic. */
function backslashRun(p: string, i: number): string {
  const m = /^\\(?:[1-9][0-9]*|[kg](?:<[^>]*>|\{[^}]*\}|'[^']*'|-?[0-9]+)?)/.exec(p.slice(i));
  return m ? m[0] : p.slice(i, i + 2);
}

function escapeLiteral(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

interface Converted {
  source: string;
  ignoreCase: boolean;
}

function convertPcre(pattern: string): Converted | { error: string } {
  let ignoreCase = false;
  let p = pattern;
  const leadingFlags = /^\(\?([a-zA-Z]+)\)/.exec(p);
  if (leadingFlags) {
    if (leadingFlags[1] !== 'i') return { error: `unsupported inline flags (?${leadingFlags[1]})` };
    ignoreCase = true;
    p = p.slice(leadingFlags[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      const next = p[i + 1];
      if (next === undefined) return { error: 'pattern ends with a backslash' };
      if (next === 'Q') {
        const end = p.indexOf('\\E', i + 2);
        const literal = end === -1 ? p.slice(i + 2) : p.slice(i + 2, end);
        out += escapeLiteral(literal);
        i = end === -1 ? p.length : end + 1;
        continue;
      }
      if (!inClass && next === 'A') {
        out += '^';
      } else if (!inClass && (next === 'z' || next === 'Z')) {
        out += '$';
      } else if ((next === 'p' || next === 'P' || next === 'x') && p[i + 2] === '{') {
        // \p{L}, \x{41}: copy the braces with the escape (they are not a quantifier).
        const end = p.indexOf('}', i + 2);
        if (end === -1) return { error: 'unterminated escape' };
        out += p.slice(i, end + 1);
        i = end;
        continue;
      } else if (!inClass && (/[1-9]/.test(next) || next === 'k' || next === 'g')) {
        return { error: `backreference '${backslashRun(p, i)}' is not supported: it cannot be matched in linear time` };
      } else if (next === 'E') {
        // stray \E: PCRE ignores it
      } else {
        out += c + next;
      }
      i++;
      continue;
    }
    if (inClass) {
      if (c === '[' && p[i + 1] === ':') {
        const end = p.indexOf(':]', i + 2);
        const name = end === -1 ? '' : p.slice(i + 2, end);
        const mapped = POSIX_CLASSES[name];
        if (mapped === undefined) return { error: `unsupported POSIX class [:${name}:]` };
        out += mapped;
        i = end + 1;
        continue;
      }
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A leading "]" (or "^]") is a literal in PCRE.
      if (p[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (p[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && p[i + 1] === '?') {
      const rest = p.slice(i + 2);
      if (rest.startsWith('#')) {
        const end = p.indexOf(')', i);
        if (end === -1) return { error: 'unterminated comment group' };
        i = end;
        continue;
      }
      if (rest.startsWith('P<')) {
        out += '(?<';
        i += 3;
        continue;
      }
      if (rest.startsWith('P=')) {
        const end = p.indexOf(')', i);
        const ref = end === -1 ? p.slice(i) : p.slice(i, end + 1);
        return { error: `backreference '${ref}' is not supported: it cannot be matched in linear time` };
      }
      const look = /^(=|!|<=|<!)/.exec(rest);
      if (look) {
        const kind = look[1]!.startsWith('<') ? 'lookbehind' : 'lookahead';
        return { error: `${kind} '(?${look[1]}' is not supported: it cannot be matched in linear time` };
      }
      if (rest.startsWith('>') || rest.startsWith('P>') || rest.startsWith('R') || /^[0-9+-]/.test(rest)) {
        return { error: 'atomic groups and recursion are not supported' };
      }
      if (/^[a-zA-Z^-]/.test(rest) && !rest.startsWith('<')) {
        return { error: 'inline flags are only supported as a leading (?i)' };
      }
    }
    if (c === '(' && p[i + 1] === '*') return { error: 'PCRE verbs are not supported' };
    if ((c === '+' || c === '?' || c === '*' || c === '}') && p[i + 1] === '+') {
      return { error: 'possessive quantifiers are not supported' };
    }
    out += c;
  }
  return { source: out, ignoreCase };
}

/** A compiled path regex: how much of the path it matches from its start. */
export interface RouteRegex {
  /** Length of the match anchored at the start of `path`, or -1 when it does not match. */
  matchLength(path: string): number;
}

/** A compiled header-value regex. */
export interface HeaderRegex {
  /** True when the pattern matches anywhere in `value`. */
  test(value: string): boolean;
}

/**
 * Compiled regexes by pattern. Compiling for the linear-time engine costs ~0.1–0.3 ms (about 50×
 * a RegExp), and every snapshot rebuild compiles every route twice (translator check, router):
 * unchanged patterns are reused across rebuilds. Cleared when full, so removed routes cannot
 * grow it without bound (a used compiled regex holds ~8 KB).
 */
const compiled = new Map<string, RouteRegex | HeaderRegex | { error: string }>();
const CACHE_LIMIT = 20_000;

function cached<T extends RouteRegex | HeaderRegex>(key: string, make: () => T | { error: string }): T | { error: string } {
  let hit = compiled.get(key) as T | { error: string } | undefined;
  if (hit === undefined) {
    if (compiled.size >= CACHE_LIMIT) compiled.clear();
    hit = make();
    compiled.set(key, hit);
  }
  return hit;
}

function compileRe2(source: string, ignoreCase: boolean): RE2JS | { error: string } {
  try {
    return RE2JS.compile(source, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (err) {
    return { error: (err as Error).message.replace(/^error parsing regexp: /, '') };
  }
}

/**
 * Compiles a route path regex ("~…", with or without the leading "~"), anchored at the path start.
 */
export function compileRouteRegex(path: string): RouteRegex | { error: string } {
  return cached(`p${path}`, () => compileRoutePattern(path));
}

function compileRoutePattern(path: string): RouteRegex | { error: string } {
  const pattern = path.startsWith('~') ? path.slice(1) : path;
  if (pattern.length === 0) return { error: 'empty regex' };
  const exact = exactLiteral(pattern);
  if (exact !== undefined) return { matchLength: (input: string) => (input === exact ? input.length : -1) };
  const converted = convertPcre(pattern);
  if ('error' in converted) return { error: `invalid regex path '${path}': ${converted.error}` };
  const re = compileRe2(converted.source, converted.ignoreCase);
  if ('error' in re) return { error: `invalid regex path '${path}': ${re.error}` };
  return {
    matchLength(input: string): number {
      const m = re.matcher(input);
      return m.lookingAt() ? m.end() : -1;
    },
  };
}

/**
 * The text a pattern matches when it is plain (escaped) literal text ending with "$" ("/foo$",
 * "/a\\.b$"), the form Ingress Exact and Prefix paths take (docs/ingress.md#paths): compared as a
 * string, ~10× faster than the regex engine, with the same result (an anchored literal followed by
 * end of text matches exactly that text). undefined for anything else.
 */
function exactLiteral(pattern: string): string | undefined {
  if (!pattern.endsWith('$')) return undefined;
  let out = '';
  for (let i = 0; i < pattern.length - 1; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined || !'\\^$.|?*+()[]{}/-'.includes(next)) return undefined;
      out += next;
      i++;
    } else if ('^$.|?*+()[]{}'.includes(c)) {
      return undefined;
    } else {
      out += c;
    }
  }
  // "\\$" at the end: the "$" was escaped, so it is literal text, not the anchor.
  return out.length > 0 && !endsWithEscape(pattern) ? out : undefined;
}

/** True when the last character is escaped by an odd run of backslashes before it. */
function endsWithEscape(pattern: string): boolean {
  let n = 0;
  for (let i = pattern.length - 2; i >= 0 && pattern[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/**
 * Header regex ("~*…" values): unanchored and case-insensitive, as Kong matches lower-cased header
 * values against the pattern.
 */
export function compileHeaderRegex(value: string): HeaderRegex | { error: string } {
  return cached(`h${value}`, () => compileHeaderPattern(value));
}

function compileHeaderPattern(value: string): HeaderRegex | { error: string } {
  const pattern = value.startsWith('~*') ? value.slice(2) : value;
  const converted = convertPcre(pattern);
  if ('error' in converted) return { error: `invalid header regex '${value}': ${converted.error}` };
  const re = compileRe2(converted.source, true);
  if ('error' in re) return { error: `invalid header regex '${value}': ${re.error}` };
  return { test: (input: string) => re.test(input) };
}
