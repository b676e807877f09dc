// Builds the harness's images without a registry: the base (base-image.mjs), then the project's
// Dockerfile as it is and the hello-upstream fixture, each exported as a docker-archive that
// `ctr -n k8s.io images import` accepts. Archives are cached by content (context-key.mjs).
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE, baseKey, ensureBaseArchive } from './base-image.mjs';
import { DRIVER, buildah } from './buildah.mjs';
import { contextKey } from './context-key.mjs';
import { npmBuildMounts } from './npm-env.mjs';

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
export const defaultCacheDir = () =>
  process.env.PORTCULLIS_IMAGE_DIR ?? join(homedir(), '.cache/portcullis/images');

const version = () => JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version;

/** The Dockerfile's FROM (all stages use the same one; test/deploy/dockerfile.test.ts checks). */
export function fromImage(dockerfile = join(repoRoot, 'Dockerfile')) {
  const m = /^FROM\s+(\S+)/m.exec(readFileSync(dockerfile, 'utf8'));
  if (!m) throw new Error(`no FROM in ${dockerfile}`);
  return m[1];
}

/** docker.io/library/<name> as containerd's CRI resolves a bare `name:tag` in a pod spec. */
export const qualified = (ref) => (ref.includes('/') ? ref : `docker.io/library/${ref}`);

/** The images this harness builds: name (as pods reference it), Dockerfile, archive file prefix. */
export const images = () => [
  { name: `portcullis:${version()}`, dockerfile: join(repoRoot, 'Dockerfile'), prefix: 'portcullis' },
  {
    name: `portcullis-hello-upstream:${version()}`,
    dockerfile: join(repoRoot, 'test/harness/images/hello-upstream.Dockerfile'),
    prefix: 'hello-upstream',
  },
];

function timed(fn) {
  const t0 = process.hrtime.bigint();
  const value = fn();
  return { value, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/** One Dockerfile -> docker-archive in the cache, unless the archive for this key exists. */
function buildOne({ image, store, cacheDir, force, log }) {
  const ref = qualified(image.name);
  const key = contextKey({ contextDir: repoRoot, dockerfile: image.dockerfile, extra: [baseKey(), ref] }).slice(0, 16);
  const archive = join(cacheDir, `${image.prefix}-${key}.docker.tar`);
  if (existsSync(archive) && !force) return { ref, archive, built: false };
  log(`building ${ref} from ${image.dockerfile}`);
  const mounts = npmBuildMounts();
  try {
    buildah(
      store,
      [
        'bud',
        ...mounts.args,
        '--isolation', 'chroot',
        '--pull=never', // the base exists only in this store: a pull attempt is a bug
        '--layers', // unchanged package*.json -> npm ci steps come from cache
        '--force-rm', // no working containers left in the store when a step fails
        '--format', 'docker', // keeps HEALTHCHECK (the OCI format drops it)
        '--file', image.dockerfile,
        '--tag', ref,
        repoRoot,
      ],
      { inherit: true },
    );
  } finally {
    mounts.cleanup();
  }
  const partial = `${archive}.partial`;
  rmSync(partial, { force: true });
  buildah(store, ['push', '--quiet', ref, `docker-archive:${partial}:${ref}`]);
  renameSync(partial, archive);
  // Older archives of this image are superseded.
  for (const f of readdirSync(cacheDir)) {
    if (f.startsWith(`${image.prefix}-`) && f.endsWith('.docker.tar') && join(cacheDir, f) !== archive) {
      rmSync(join(cacheDir, f), { force: true });
    }
  }
  return { ref, archive, built: true };
}

/** The image's run-time config (User, Entrypoint, Cmd, Env, WorkingDir, ExposedPorts, Healthcheck). */
function imageConfig(store, ref) {
  const c = JSON.parse(buildah(store, ['inspect', '--type', 'image', ref])).Docker.config;
  const { User, Entrypoint, Cmd, Env, WorkingDir, ExposedPorts, Healthcheck } = c;
  return { User, Entrypoint, Cmd, Env, WorkingDir, ExposedPorts: Object.keys(ExposedPorts ?? {}), Healthcheck: !!Healthcheck };
}

/**
 * Base + every image; returns archive paths, refs, sizes and per-step seconds.
 * Needs root, debootstrap and buildah (README.md here).
 */
export function buildImages({ cacheDir = defaultCacheDir(), force = false, log = (m) => process.stderr.write(`images: ${m}\n`) } = {}) {
  mkdirSync(cacheDir, { recursive: true });
  const store = join(cacheDir, `storage-${DRIVER}`); // a store holds one driver's layers
  const baseRef = qualified(fromImage());
  for (const image of images()) {
    const from = qualified(fromImage(image.dockerfile));
    if (from !== baseRef) throw new Error(`${image.dockerfile}: FROM ${from}, expected ${baseRef}`);
  }
  const timings = {};
  const base = timed(() => ensureBaseArchive({ cacheDir, store, ref: baseRef, log }));
  timings.base = base.seconds;
  // Load the archive into the store under the FROM name (a local copy: no registry involved), so
  // the store always holds exactly the cached base even if it was reset or made elsewhere.
  timings.loadBase = timed(() => {
    const id = buildah(store, ['pull', '--quiet', `oci-archive:${base.value.archive}`]).split('\n').at(-1);
    buildah(store, ['tag', id, baseRef]);
  }).seconds;
  const results = [];
  for (const image of images()) {
    const r = timed(() => buildOne({ image, store, cacheDir, force, log }));
    timings[image.prefix] = r.seconds;
    results.push({ ...r.value, bytes: statSync(r.value.archive).size, config: imageConfig(store, r.value.ref) });
  }
  return {
    base: { ref: baseRef, archive: base.value.archive, built: base.value.built, bytes: statSync(base.value.archive).size, ...BASE },
    images: results,
    timings,
  };
}
