import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { GatewayOptions } from '../runtime/options.js';
import { formatDiagnostic } from '../model/diagnostics.js';
import type { ResourceSet } from '../model/resources.js';
import { parseDeclarative } from '../sources/declarative/parse.js';
import { startParseThread, type ParseThread } from './declarative-parse-thread.js';
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
  let initial = await loadInitial(file, label);
  if (initial === undefined) return 1;

  let watcher: { close(): void } | undefined;
  let closing = false;
  let parser: ParseThread | undefined;
  const runtime = await startGatewayRuntime({
    gateway: opts.gateway,
    mode: 'standalone',
    adminExposeSecrets: true,
    beforeClose: async () => {
      closing = true;
      watcher?.close();
      parser?.close();
    },
  });
  runtime.apply(initial.resources, initial.hash);
  // This function lives as long as the gateway: do not keep the first file's text and parse alive.
  initial = undefined;

  parser = startParseThread();
  const reparser = parser;
  watcher = watchDeclarativeFile(file, (changed) => {
    // Parsing is most of a reload's CPU: it runs on a low-priority thread (see
    // declarative-parse-thread.ts). Translate + swap then run in a macrotask of their own, also when
    // the parse fell back to this thread; results arrive, and swaps happen, in file-change order.
    void reparser.parse(changed, label).then((parsed) => {
      setImmediate(() => {
        if (closing) return;
        if (parsed.fatal) return runtime.reportSourceFailure(parsed.fatal);
        runtime.logger.info({ file: label }, 'configuration changed; reloading');
        runtime.apply(parsed.resources, declarativeSourceHash(changed, label));
      });
    });
  }, {
    onError: (err: Error) => runtime.logger.warn({ file: label, err: { message: err.message } }, 'cannot watch configuration file'),
    // Deleted, emptied or replaced by a directory: a failed reload (logged, counted), the last good
    // snapshot keeps serving, and the next usable content is applied as any other change.
    onUnusable: (reason: string) =>
      runtime.reportSourceFailure([{ severity: 'error', object: { kind: 'file', name: label }, reason: 'ConfigFileUnusable', message: reason }]),
  });

  return runtime.closed;
}

/** The file at start: parsed, or undefined after printing why it cannot be used. */
async function loadInitial(file: string, label: string): Promise<{ resources: ResourceSet; hash: string } | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    process.stderr.write(`portcullis: cannot read ${label}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    return undefined;
  }
  const parsed = parseDeclarative(text, label);
  if (parsed.fatal) {
    process.stderr.write(`portcullis: ${label} cannot be used:\n${parsed.fatal.map((d) => `  ${formatDiagnostic(d)}\n`).join('')}`);
    return undefined;
  }
  // The text's hash stands for the whole ResourceSet: the same file means the same snapshot.
  return { resources: parsed.resources, hash: declarativeSourceHash(text, label) };
}
