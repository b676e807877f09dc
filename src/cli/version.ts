import { readFileSync } from 'node:fs';

/**
 * The package version, read at run time from the package.json next to dist/ (the image copies it
 * to /app, next to /app/dist), so a build never prints a stale number.
 */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error('package.json has no version');
  return pkg.version;
}
