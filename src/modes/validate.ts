import { readFile } from 'node:fs/promises';
import { formatDiagnostic, type Diagnostic } from '../model/diagnostics.js';
import { compileRouteRegex } from '../snapshot/router.js';
import { parseDeclarative } from '../sources/declarative/parse.js';
import { validateManifests } from '../sources/manifests/validate.js';
import { translate } from '../translate/translate.js';

/**
 * `portcullis validate FILE...`: the same parsing and translation the gateway runs (so key
 * material is really loaded), reported as one list. Exit 1 when any error was found.
 */
export async function validateFiles(paths: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  let errors = 0;
  for (const file of paths) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      out.write(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
      errors++;
      continue;
    }
    const { diagnostics, summary } = isDeclarative(text) ? validateDeclarative(text, file) : validateCrs(text, file);
    for (const d of diagnostics) out.write(`${d.severity}: ${formatDiagnostic(d)}\n`);
    const fileErrors = diagnostics.filter((d) => d.severity === 'error').length;
    errors += fileErrors;
    out.write(fileErrors === 0 ? `${file}: ok (${summary})\n` : `${file}: ${fileErrors} error(s)\n`);
  }
  return errors === 0 ? 0 : 1;
}

/**
 * kong.yml files carry `_format_version` (as a YAML key at the start of a line, or a JSON key in
 * a one-line file); anything else is treated as CR manifests.
 */
function isDeclarative(text: string): boolean {
  return /(?:^|[{,])\s*["']?_format_version["']?\s*:/m.test(text);
}

function validateDeclarative(text: string, file: string): { diagnostics: Diagnostic[]; summary: string } {
  const { resources, fatal } = parseDeclarative(text, file);
  if (fatal) return { diagnostics: fatal, summary: '' };
  const snapshot = translate(resources, 0);
  return {
    diagnostics: [...snapshot.diagnostics],
    summary: `${snapshot.routes.length} routes, ${snapshot.consumers.length} consumers, ${snapshot.credentials.all.length} credentials`,
  };
}

function validateCrs(text: string, file: string): { diagnostics: Diagnostic[]; summary: string } {
  const diagnostics = validateManifests(text, file, (path) => {
    const compiled = compileRouteRegex(path);
    return 'error' in compiled ? compiled.error : undefined;
  });
  return { diagnostics, summary: 'manifests' };
}
