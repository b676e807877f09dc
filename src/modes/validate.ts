import { readFile } from 'node:fs/promises';
import type { Diagnostic } from '../model/diagnostics.js';
import { compileRouteRegex } from '../snapshot/router.js';
import { parseDeclarative } from '../sources/declarative/parse.js';
import { checkManifests } from '../sources/manifests/validate.js';
import { translate } from '../translate/translate.js';
import { renderJson, renderText, type FileResult, type ValidateOutput } from './validate-report.js';

export interface ValidateOptions {
  output: ValidateOutput;
  /** Objects that were not checked (Deployments, Services…) fail the run instead of being listed. */
  strict: boolean;
}

/** The path that means "read standard input" (`helm template … | portcullis validate -`). */
export const STDIN_PATH = '-';
const STDIN_NAME = '<stdin>';

/**
 * `portcullis validate FILE...`: the same parsing and translation the gateway runs (so key
 * material is really loaded), reported as one list. Exit 1 when any error was found, or with
 * `strict` when any object was skipped.
 */
export async function validateFiles(
  paths: readonly string[],
  options: ValidateOptions = { output: 'text', strict: false },
  out: NodeJS.WritableStream = process.stdout,
  stdin: AsyncIterable<Buffer | string> = process.stdin,
): Promise<number> {
  const results: FileResult[] = [];
  for (const path of paths) {
    const file = path === STDIN_PATH ? STDIN_NAME : path;
    let text: string;
    try {
      text = path === STDIN_PATH ? await readAll(stdin) : await readFile(path, 'utf8');
    } catch (err) {
      const message = `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      results.push({ file, format: 'unreadable', diagnostics: [], readError: message, checked: {}, skipped: {} });
      continue;
    }
    results.push(isDeclarative(text) ? validateDeclarative(text, file) : validateCrs(text, file));
  }
  const { text, failed } = options.output === 'json' ? renderJson(results, options.strict) : renderText(results, options.strict);
  out.write(text);
  return failed ? 1 : 0;
}

async function readAll(stream: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * kong.yml files carry `_format_version` (as a YAML key at the start of a line, or a JSON key in
 * a one-line file); anything else is treated as CR manifests.
 */
function isDeclarative(text: string): boolean {
  return /(?:^|[{,])\s*["']?_format_version["']?\s*:/m.test(text);
}

function validateDeclarative(text: string, file: string): FileResult {
  const { resources, fatal } = parseDeclarative(text, file);
  if (fatal) return { file, format: 'kong.yml', diagnostics: fatal, checked: {}, skipped: {} };
  const snapshot = translate(resources, 0);
  const diagnostics: Diagnostic[] = [...snapshot.diagnostics];
  return {
    file,
    format: 'kong.yml',
    diagnostics,
    checked: { routes: snapshot.routes.length, consumers: snapshot.consumers.length, credentials: snapshot.credentials.all.length },
    skipped: {},
  };
}

function validateCrs(text: string, file: string): FileResult {
  const report = checkManifests(text, file, (path) => {
    const compiled = compileRouteRegex(path);
    return 'error' in compiled ? compiled.error : undefined;
  });
  return { file, format: 'manifests', ...report };
}
