/**
 * Fuzz target: kong.yml parsing. Input: the file text.
 * Oracles: parseDeclarative never throws, never emits a process warning (it would reach stderr
 * with text from the file), and a fatal result carries diagnostics; whenever the
 * js-yaml fast path answers, the `yaml` package (the slow path and reference) parses the text
 * without error to the same value.
 */
import { isDeepStrictEqual } from 'node:util';
import YAML from 'yaml';
import { loadSimpleYaml } from '../../../dist/sources/declarative/fast-yaml.js';
import { parseDeclarative } from '../../../dist/sources/declarative/parse.js';

export function fuzz(data) {
  const text = data.toString('utf8');
  const emitWarning = process.emitWarning;
  let warning;
  process.emitWarning = (w) => (warning ??= String(w));
  let result;
  try {
    result = parseDeclarative(text, '/fuzz/kong.yml');
  } finally {
    process.emitWarning = emitWarning;
  }
  if (warning !== undefined) throw new Error(`parsing emitted a process warning: ${warning}`);
  if (result.fatal !== undefined && result.fatal.length === 0) throw new Error('fatal without a diagnostic');
  const fast = loadSimpleYaml(text);
  if (fast === undefined) return;
  const doc = YAML.parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(`fast path accepted what the yaml package rejects (${doc.errors[0].code}): ${JSON.stringify(text)}`);
  const ref = doc.toJS({ maxAliasCount: 100 });
  if (!isDeepStrictEqual(fast.value ?? null, ref ?? null)) throw new Error(`fast path and yaml package differ: ${JSON.stringify(text)}`);
}

export const dictionary = ['_format_version: "3.0"\n', 'services:\n', '- name: s\n', '  url: http://127.0.0.1:9\n', '  routes:\n', '  - paths: [/a]\n', 'consumers:\n', '- username: u\n', '  jwt_secrets:\n', '  - key: k\n', '    algorithm: HS256\n', '    secret: s\n', 'plugins:\n', '- name: jwt\n', '  config: {claims_to_verify: [exp]}\n', '~', 'null', '"', "'", '{', '}', '[', ']', ', ', ': ', '#', '&a', '*a', '!!str', '? ', '|', '>', '---', '...', '\t', '\r', '\\', '0x1F', '0o17', '.inf', '1e3', '__proto__'];
export const maxLength = 4096;
