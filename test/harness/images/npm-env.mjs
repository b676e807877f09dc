// Build-time only mounts for the Dockerfile's `RUN npm ...` steps, so the Dockerfile stays as it is:
// - the host's npm cache, so `npm ci` in a stage reuses downloads (cold builds otherwise fetch
//   every package again);
// - when the host's npm trusts a custom CA (a TLS-inspecting proxy: `npm config get cafile` or
//   NODE_EXTRA_CA_CERTS), that bundle and an npmrc naming it, on /usr/local/etc (npm's global
//   config dir, an empty directory in the base image, so the mount leaves no trace in any layer).
// Volumes exist only while a RUN executes; nothing here reaches an image.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function hostNpm(key) {
  const v = execFileSync('npm', ['config', 'get', key], { encoding: 'utf8' }).trim();
  return v === 'null' || v === 'undefined' ? '' : v;
}

/** -> { args: buildah bud flags, caFile: the bundle passed in (or ''), cleanup() } */
export function npmBuildMounts() {
  const args = [];
  const cache = hostNpm('cache');
  if (cache) {
    mkdirSync(join(cache, '_cacache'), { recursive: true });
    args.push('--volume', `${join(cache, '_cacache')}:/root/.npm/_cacache`);
  }
  const caFile = hostNpm('cafile') || process.env.NODE_EXTRA_CA_CERTS || '';
  let dir;
  if (caFile && existsSync(caFile)) {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-npmrc-'));
    copyFileSync(caFile, join(dir, 'ca.pem'));
    writeFileSync(join(dir, 'npmrc'), 'cafile=/usr/local/etc/ca.pem\nupdate-notifier=false\n');
    args.push('--volume', `${dir}:/usr/local/etc:ro`);
  }
  return { args, caFile, cleanup: () => dir && rmSync(dir, { recursive: true, force: true }) };
}
