// What an image build depends on, as one hash: the Dockerfile's text, every build-context path its
// COPY instructions read (COPY --from reads a stage, not the context), and the base image's key.
// Unchanged key = the archive in the cache is still this tree's image, so the build is skipped.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** COPY sources read from the build context (paths relative to it). */
export function contextSources(dockerfileText) {
  const lines = dockerfileText.replace(/\\\n/g, ' ').split('\n');
  const sources = [];
  for (const line of lines) {
    const m = /^\s*(COPY|ADD)\s+(.*)$/i.exec(line);
    if (!m) continue;
    const words = m[2].trim().split(/\s+/);
    if (words.some((w) => w.startsWith('--from='))) continue;
    sources.push(...words.filter((w) => !w.startsWith('--')).slice(0, -1));
  }
  return sources;
}

function* files(path) {
  if (statSync(path).isDirectory()) {
    for (const e of readdirSync(path).sort()) yield* files(join(path, e));
  } else {
    yield path;
  }
}

/** sha256 over the Dockerfile, the context files it copies (path + content) and `extra` strings. */
export function contextKey({ contextDir, dockerfile, extra = [] }) {
  const text = readFileSync(dockerfile, 'utf8');
  const h = createHash('sha256').update(text);
  for (const x of extra) h.update(`\0${x}`);
  for (const src of contextSources(text)) {
    for (const f of files(join(contextDir, src))) h.update(`\0${relative(contextDir, f)}\0`).update(readFileSync(f));
  }
  return h.digest('hex');
}
