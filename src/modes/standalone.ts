import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { GatewayOptions } from '../cli/gateway-options.js';
import { formatDiagnostic } from '../model/diagnostics.js';
import { parseDeclarative } from '../sources/declarative/parse.js';
import { watchDeclarativeFile } from '../sources/declarative/watch.js';
import { startGatewayRuntime } from '../runtime/gateway.js';
import { declarativeSourceHash } from '../sources/declarative/source-hash.js';

export interface StandaloneOptions {
  configPath: string;
  gateway: GatewayOptions;
}

/**
 * `portcullis standalone --config kong.yml`: serve a Kong DB-less file and follow its changes.
 * A file that cannot be used at start is a startup error (exit 1, with the full list); later a
 * broken edit is reported and the last good snapshot keeps serving.
 */
export async function runStandalone(opts: StandaloneOptions): Promise<number> {
  const file = path.resolve(opts.configPath);
  const label = opts.configPath;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    process.stderr.write(`portcullis: cannot read ${label}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    return 1;
  }
  const first = parseDeclarative(text, label);
  if (first.fatal) {
    process.stderr.write(`portcullis: ${label} cannot be used:\n${first.fatal.map((d) => `  ${formatDiagnostic(d)}\n`).join('')}`);
    return 1;
  }

  let watcher: { close(): void } | undefined;
  const runtime = await startGatewayRuntime({
    gateway: opts.gateway,
    mode: 'standalone',
    adminExposeSecrets: true,
    beforeClose: async () => watcher?.close(),
  });
  // The text's hash stands for the whole ResourceSet: the same file means the same snapshot.
  runtime.apply(first.resources, declarativeSourceHash(text, label));

  watcher = watchDeclarativeFile(file, (changed) => {
    const parsed = parseDeclarative(changed, label);
    if (parsed.fatal) return runtime.reportSourceFailure(parsed.fatal);
    runtime.logger.info({ file: label }, 'configuration changed; reloading');
    runtime.apply(parsed.resources, declarativeSourceHash(changed, label));
  }, {
    onError: (err: Error) => runtime.logger.warn({ file: label, err: { message: err.message } }, 'cannot read configuration file'),
  });

  return runtime.closed;
}
