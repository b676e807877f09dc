/**
 * Kong route regexes ("~/users/\d+$", PCRE / Rust-regex syntax) compiled to JS RegExps.
 *
 * Anchoring: the whole pattern is anchored at the start, as PCRE_ANCHORED in Kong's traditional
 * router: we wrap it in `^(?:…)`, so `~/a|/b` only matches paths starting with /a or /b (Kong's ATC
 * compat router prepends a bare "^", which would leave `/b` unanchored — we take the stricter reading).
 *
 * PCRE-isms converted: `(?P<n>` → `(?<n>`, `(?P=n)` → `\k<n>`, `\A` → `^`, `\z`/`\Z` → `$`,
 * `\Q…\E` quoting, `(?#…)` comments, POSIX classes `[[:digit:]]` etc., a leading `(?i)` flag.
 * Constructs JS cannot express (possessive quantifiers, atomic groups, recursion, other inline
 * flags, lookbehind-free PCRE verbs) are reported as errors so the translator rejects the route.
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
        out += next === 'x' ? '\\u' + p.slice(i + 2, end + 1) : p.slice(i, end + 1);
        i = end;
        continue;
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
        if (end === -1) return { error: 'unterminated back-reference' };
        out += `\\k<${p.slice(i + 4, end)}>`;
        i = end;
        continue;
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

/**
 * Compiles a route path regex ("~…", with or without the leading "~") into an anchored JS RegExp.
 * The `u` flag is used when the pattern allows it (for \p{…}); otherwise the legacy syntax.
 */
export function compileRouteRegex(path: string): RegExp | { error: string } {
  const pattern = path.startsWith('~') ? path.slice(1) : path;
  if (pattern.length === 0) return { error: 'empty regex' };
  const converted = convertPcre(pattern);
  if ('error' in converted) return { error: `invalid regex path '${path}': ${converted.error}` };
  const source = `^(?:${converted.source})`;
  const flags = converted.ignoreCase ? 'i' : '';
  try {
    return new RegExp(source, flags + 'u');
  } catch {
    try {
      return new RegExp(source, flags);
    } catch (err) {
      return { error: `invalid regex path '${path}': ${(err as Error).message}` };
    }
  }
}

/**
 * Header regex ("~*…" values): unanchored and case-insensitive, as Kong matches lower-cased header
 * values against the pattern.
 */
export function compileHeaderRegex(value: string): RegExp | { error: string } {
  const pattern = value.startsWith('~*') ? value.slice(2) : value;
  const converted = convertPcre(pattern);
  if ('error' in converted) return { error: `invalid header regex '${value}': ${converted.error}` };
  try {
    return new RegExp(converted.source, 'iu');
  } catch {
    try {
      return new RegExp(converted.source, 'i');
    } catch (err) {
      return { error: `invalid header regex '${value}': ${(err as Error).message}` };
    }
  }
}
