import { readFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { formatDiagnostic } from '../model/diagnostics.js';
import { parseDeclarative } from '../sources/declarative/parse.js';
import { convertResources, type ConvertOptions } from '../sources/manifests/convert.js';
import { translate } from '../translate/translate.js';

/**
 * `portcullis convert [--kic] [--namespace NS] kong.yml|-`: the kong.yml as Kubernetes manifests on
 * stdout (docs/kong-ingress-controller.md#convert). A kong.yml with errors is not converted (exit 1,
 * the errors on stderr, as `validate` prints them); what the target cannot express is a warning.
 */
export async function convertCommand(
  path: string,
  opts: ConvertOptions,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
  stdin: AsyncIterable<Buffer | string> = process.stdin,
): Promise<number> {
  let text: string;
  try {
    text = path === '-' ? await readAll(stdin) : await readFile(path, 'utf8');
  } catch (e) {
    err.write(`portcullis convert: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return 1;
  }
  const { resources, fatal } = parseDeclarative(text, path === '-' ? '<stdin>' : path);
  // The translator's checks too (key material, references), as the gateway would apply them.
  const diagnostics = fatal ?? [...translate(resources, 0).diagnostics];
  const errors = diagnostics.filter((d) => d.severity === 'error');
  for (const d of diagnostics) err.write(`${d.severity}: ${formatDiagnostic(d)}\n`);
  if (errors.length > 0) {
    err.write(`portcullis convert: ${errors.length} error(s); nothing converted\n`);
    return 1;
  }
  const { objects, warnings } = convertResources(resources, opts);
  for (const w of warnings) err.write(`warning: ${w}\n`);
  out.write(objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
  return 0;
}

async function readAll(stream: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
