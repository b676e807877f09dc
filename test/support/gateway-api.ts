import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './gateway-process.js';

const execFileAsync = promisify(execFile);

/**
 * The Gateway API standard-channel CRDs of the pinned release (scripts/ensure-gateway-api-crds.sh:
 * downloaded once from the Go module proxy, checksum-verified, cached outside the repo), as one
 * multi-document YAML for applyManifests.
 */
export async function gatewayApiCrds(): Promise<string> {
  const { stdout } = await execFileAsync('bash', [path.join(repoRoot, 'scripts/ensure-gateway-api-crds.sh')], { timeout: 5 * 60_000 });
  const dir = stdout.trim().split('\n').pop()!;
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  const docs = await Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')));
  return docs.map((d) => d.replace(/^---\n/, '')).join('\n---\n');
}
