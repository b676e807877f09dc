import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { formatDiagnostic, type Diagnostic } from '../model/diagnostics.js';
import type { HostPolicy } from '../model/host-policy.js';
import { UsageError } from '../model/usage-error.js';
import { explainRequest, type ExplainResult } from '../proxy/explain.js';
import { parseDeclarative } from '../sources/declarative/parse.js';
import { manifestsToResourceSet } from '../sources/manifests/resource-set.js';
import type { Snapshot } from '../snapshot/types.js';
import { translate } from '../translate/translate.js';
import { offlineJwksSources } from './explain-jwks.js';
import { renderExplainText } from './explain-text.js';

export interface ExplainCommandOptions {
  /** A kong.yml (standalone mode). */
  config?: string;
  /** A file or folder of CR manifests (controller mode), read as the controller would see them. */
  manifests?: string;
  /** `GET https://host/path` as one argument, or method and URL as two; a lone URL means GET. */
  request: readonly string[];
  /** curl-style `Name: value` lines. */
  headers: readonly string[];
  json: boolean;
  /** Seconds since the epoch for exp/nbf; default: now. */
  now?: number;
  /** With --manifests: the controller's host policy (docs/multi-tenancy.md). */
  hostPolicy?: HostPolicy;
}

/** Exit codes (docs/explain.md#exit-codes): the request would be proxied, or refused. Usage and unreadable input: 2 / 1 as elsewhere. */
export const EXPLAIN_PROXIED = 0;
export const EXPLAIN_REFUSED = 3;

/**
 * `portcullis explain`: builds the snapshot a gateway would serve from the kong.yml or the
 * manifests (the same parser, translator and key loading, inline JWKS imported), then asks it about one request, as
 * `POST /debug/explain` does on a live gateway. Nothing is served or sent anywhere.
 */
export async function explainCommand(opts: ExplainCommandOptions, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  if ((opts.config === undefined) === (opts.manifests === undefined)) throw new UsageError('explain: give exactly one of --config kong.yml or --manifests DIR|FILE');
  const { method, url } = requestLine(opts.request);
  const headers = opts.headers.map(headerLine);
  if (opts.hostPolicy !== undefined && opts.manifests === undefined) throw new UsageError('explain: --host-policy applies to --manifests only');
  const loaded = opts.config !== undefined ? await loadKongYml(opts.config) : await loadManifests(opts.manifests!, opts.hostPolicy);
  if ('fatal' in loaded) {
    for (const d of loaded.fatal) err.write(`${formatDiagnostic(d)}\n`);
    return 1;
  }
  const problems = loaded.snapshot.diagnostics.filter((d) => d.severity === 'error');
  if (problems.length > 0) {
    err.write(`note: ${problems.length} object(s) of the configuration are refused or fail closed; \`portcullis validate\` lists them\n`);
  }
  const result = explainRequest(loaded.snapshot, { method, url, headers }, { nowSeconds: opts.now ?? Math.floor(Date.now() / 1000), targetsUnknown: loaded.targetsUnknown });
  if ('error' in result) throw new UsageError(`explain: ${result.error}`);
  out.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : renderExplainText(result));
  return exitCodeOf(result);
}

export function exitCodeOf(result: ExplainResult): number {
  return result.verdict.proxied ? EXPLAIN_PROXIED : EXPLAIN_REFUSED;
}

const METHOD = /^[A-Za-z]{1,20}$/;

function requestLine(args: readonly string[]): { method: string; url: string } {
  const words = args.flatMap((a) => a.trim().split(/\s+/)).filter((w) => w !== '');
  if (words.length === 1) return { method: 'GET', url: words[0]! };
  if (words.length === 2 && METHOD.test(words[0]!)) return { method: words[0]!.toUpperCase(), url: words[1]! };
  throw new UsageError("explain: expected the request as 'METHOD URL' (e.g. 'GET https://api.example.com/orders') or a URL");
}

function headerLine(line: string): [string, string] {
  const colon = line.indexOf(':');
  // The line is not echoed: it may be an Authorization header.
  if (colon <= 0) throw new UsageError("-H: expected 'Name: value'");
  return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
}

type Loaded = { snapshot: Snapshot; targetsUnknown: boolean } | { fatal: readonly Diagnostic[] };

async function loadKongYml(file: string): Promise<Loaded> {
  const text = await readText(file);
  const { resources, fatal } = parseDeclarative(text, file);
  if (fatal) return { fatal };
  return { snapshot: await offlineSnapshot(resources), targetsUnknown: false };
}

async function loadManifests(where: string, hostPolicy: HostPolicy | undefined): Promise<Loaded> {
  const files = (await stat(where).catch(() => undefined))?.isDirectory() ? await manifestFiles(where) : [where];
  const texts = await Promise.all(files.map(readText));
  const { resources, hasEndpointSlices } = manifestsToResourceSet(texts.join('\n---\n'), where, hostPolicy === undefined ? {} : { hostPolicy });
  return { snapshot: await offlineSnapshot(resources), targetsUnknown: !hasEndpointSlices };
}

/** The snapshot a gateway would build, inline JWKS imported (URL/issuer ones are not fetched). */
async function offlineSnapshot(resources: Parameters<typeof translate>[0]): Promise<Snapshot> {
  return translate(resources, 1, undefined, { jwks: await offlineJwksSources(resources.credentials) });
}

/** The YAML and JSON files of a folder and its subfolders, in name order. */
async function manifestFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.(ya?ml|json)$/i.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`explain: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
