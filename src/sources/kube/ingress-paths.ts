import type { PathType } from '../../model/ingress.js';

/**
 * regex_priority of an Exact path's regex: above the regex a Prefix path of the same text gets, so
 * for one path text Exact wins, as the Ingress spec says.
 */
export const EXACT_REGEX_PRIORITY = 1;

/**
 * PURE: one Ingress path → Kong route paths, so Kong's router ranks them as the Ingress spec
 * wants (docs/ingress.md#paths), the way Kong's own Ingress controller translates them:
 * - Exact "/foo" → the regex "~/foo$" (only "/foo");
 * - Prefix "/foo" (or "/foo/") → "~/foo$" and the prefix "/foo/": element-wise, so "/foo" and
 *   "/foo/bar" match, "/foobar" does not; Prefix "/" → the prefix "/" (every path);
 * - ImplementationSpecific: as Prefix (decided; docs/ingress.md).
 * The longest matching path wins: a regex matches only its own text, which is longer than any
 * prefix that also matches, and Kong ranks regexes above prefixes and longer prefixes first; for
 * equal text the Exact regex has the higher regex_priority.
 */
export function ingressRoutePaths(path: string | undefined, pathType: PathType): { paths: string[]; regexPriority: number } {
  const raw = path === undefined || path === '' ? '/' : path;
  if (pathType === 'Exact') return { paths: [`~${escapeRegex(raw)}$`], regexPriority: EXACT_REGEX_PRIORITY };
  const trimmed = raw.replace(/\/+$/, '');
  if (trimmed === '') return { paths: ['/'], regexPriority: 0 };
  return { paths: [`~${escapeRegex(trimmed)}$`, `${trimmed}/`], regexPriority: 0 };
}

/** Characters with a meaning in RE2 syntax are escaped: the path is literal text. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}
