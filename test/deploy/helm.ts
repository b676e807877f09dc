// Shared helpers for the deploy tests: the pinned Helm binary and rendered chart objects.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const chartDir = join(repoRoot, 'deploy/helm/portcullis');
export const releaseNamespace = 'portcullis';

/** Generous: the first call builds Helm from source (minutes on 2 cores); later calls are instant. */
export const HELM_BUILD_TIMEOUT_MS = 900_000;

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): RunResult {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd ?? repoRoot,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let cachedHelm: string | undefined;

/** Path of the pinned Helm, built on first use by scripts/ensure-helm.sh. */
export function helmBinary(): string {
  if (cachedHelm) return cachedHelm;
  const r = run(join(repoRoot, 'scripts/ensure-helm.sh'), [], { timeoutMs: HELM_BUILD_TIMEOUT_MS });
  if (r.code !== 0) throw new Error(`ensure-helm.sh failed (${r.code}): ${r.stderr}`);
  cachedHelm = r.stdout.trim();
  return cachedHelm;
}

export function helm(args: string[]): RunResult {
  return run(helmBinary(), args);
}

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]?.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null && typeof o === 'object');
}

/**
 * The chart has no default image (docs/install.md#container-image); tests render with the local
 * build's name, as scripts/render-manifests.sh does. Pass it to direct `helm template` calls.
 */
export const LOCAL_IMAGE_REPOSITORY = 'portcullis';
export const LOCAL_IMAGE_SET = ['--set', `image.repository=${LOCAL_IMAGE_REPOSITORY}`];

/**
 * `helm template` the chart with `--set`-style overrides (after image.repository=portcullis, so
 * they can override it); throws with Helm's message on failure.
 */
export function renderChart(
  sets: string[] = [],
  opts: { chart?: string; namespace?: string; extra?: string[] } = {},
): K8sObject[] {
  const args = ['template', 'portcullis', opts.chart ?? chartDir, '--namespace', opts.namespace ?? releaseNamespace];
  args.push(...LOCAL_IMAGE_SET);
  for (const s of sets) args.push('--set', s);
  args.push(...(opts.extra ?? []));
  const r = helm(args);
  if (r.code !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return parseManifests(r.stdout);
}

export function findObject(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  }
  return found[0]!;
}

/** A multi-document YAML stream of `objects`, e.g. to server-side apply what `renderChart` returned. */
export function toYamlStream(objects: K8sObject[]): string {
  return objects.map((o) => stringify(o)).join('---\n');
}
