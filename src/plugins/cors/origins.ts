/**
 * Kong's origin handling (kong/plugins/cors/handler.lua, docs/cors.md#origins): origins are
 * normalized as LuaSocket's url.parse splits them (scheme://host[:port], default ports dropped, no
 * case folding); an entry with a character outside [A-Za-z0-9.:/-] is a regex, anchored at the
 * start and (unless it ends with "$") at the end, matched against the origin's host alone when the
 * entry has no ":", else against the normalized origin.
 */

export interface NormalizedOrigin {
  /** scheme://host[:port], or the text itself when it has no authority ("null"). */
  domain: string;
  host: string;
}

const SCHEME = /^([A-Za-z0-9][A-Za-z0-9+.-]*):/;
const AUTHORITY = /^\/\/([^/]*)/;

export function normalizeOrigin(text: string): NormalizedOrigin {
  let rest = text;
  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);
  let scheme: string | undefined;
  const s = SCHEME.exec(rest);
  if (s !== null) {
    scheme = s[1]!;
    rest = rest.slice(s[0].length);
  }
  const a = AUTHORITY.exec(rest);
  let authority = a === null ? '' : a[1]!;
  const at = authority.indexOf('@');
  if (at !== -1) authority = authority.slice(at + 1);
  let port: string | undefined;
  const p = /:([^:\]]*)$/.exec(authority);
  if (p !== null) {
    port = p[1]!;
    authority = authority.slice(0, p.index);
  }
  if (authority === '') return { domain: text, host: text };
  const host = /^\[(.+)\]$/.exec(authority)?.[1] ?? authority;
  if ((scheme === 'http' && port === '80') || (scheme === 'https' && port === '443')) port = undefined;
  return { domain: `${scheme !== undefined ? `${scheme}://` : ''}${host}${port !== undefined ? `:${port}` : ''}`, host };
}

/** Kong's test for an entry used as is (the single-origin shortcut, and what is not a regex). */
export const PLAIN_ORIGIN = /^[A-Za-z0-9.:/-]+$/;

export type OriginEntry = { kind: 'exact'; domain: string } | { kind: 'regex'; regex: RegExp; byHost: boolean };

/** An entry other than "*" (Kong answers "*" for any Origin when one of several entries is "*"). */
export function compileOriginEntry(entry: string): OriginEntry {
  const byHost = !entry.includes(':');
  if (PLAIN_ORIGIN.test(entry)) return { kind: 'exact', domain: normalizeOrigin(entry).domain };
  let source = entry.endsWith('$') ? entry : `${entry}$`;
  if (source.startsWith('^')) source = source.slice(1);
  // PCRE's anchored flag ("a"): every alternative starts at the subject's start.
  return { kind: 'regex', regex: new RegExp(`^(?:${source})`), byHost };
}

/** Whether an entry matches the origin, in order. */
export function matchesOrigin(entries: readonly OriginEntry[], origin: NormalizedOrigin): boolean {
  for (const e of entries) {
    if (e.kind === 'exact' ? origin.domain === e.domain : e.regex.test(e.byHost ? origin.host : origin.domain)) return true;
  }
  return false;
}
