// buildah with the harness's own storage (never the machine's default store), so a build neither
// sees nor disturbs images of other tools. Runs as root with chroot isolation: no runc, user
// namespaces or Docker engine needed (docs/ has no Docker assumption either: see README.md here).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** vfs (any filesystem, no mounts to leak, but every step copies the whole tree) or overlay. */
export const DRIVER = process.env.PORTCULLIS_BUILDAH_DRIVER ?? 'overlay';

/** Storage flags for a store under `dir`. */
export function storageArgs(dir) {
  return ['--root', join(dir, 'root'), '--runroot', join(dir, 'runroot'), '--storage-driver', DRIVER];
}

/**
 * Runs `buildah <storage> ...args`; throws with the command's stderr tail on failure.
 * `inherit` streams output (long builds show progress); otherwise stdout is returned trimmed.
 */
export function buildah(store, args, { inherit = false, cwd } = {}) {
  const r = spawnSync('buildah', [...storageArgs(store), ...args], {
    cwd,
    encoding: 'utf8',
    stdio: inherit ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    const tail = inherit ? '' : `: ${(r.stderr ?? '').trim().split('\n').slice(-5).join('\n')}`;
    throw new Error(`buildah ${args.slice(0, 2).join(' ')} exited ${r.status}${tail}`);
  }
  return (r.stdout ?? '').trim();
}
