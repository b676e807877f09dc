// Debian packages the node needs. Installed only when missing; .ci/run must do the same on a fresh
// machine (see README.md beside this file).
import { run } from './sh.js';

export const hostPackages = ['containerd', 'runc', 'containernetworking-plugins', 'iptables', 'conntrack', 'gcc'] as const;
/** What the image harness (../images) needs on top: a Debian root file system and buildah. */
export const imagePackages = [...hostPackages, 'debootstrap', 'buildah'] as const;

async function installed(pkg: string): Promise<boolean> {
  const status = await run('dpkg-query', ['-W', '-f=${Status}', pkg]).catch(() => '');
  return status.includes('install ok installed');
}

export async function ensureHostPackages(packages: readonly string[] = hostPackages): Promise<void> {
  const missing: string[] = [];
  for (const pkg of packages) if (!(await installed(pkg))) missing.push(pkg);
  if (missing.length === 0) return;
  process.stderr.write(`[cluster] installing ${missing.join(' ')}\n`);
  await run('apt-get', ['update', '-qq'], 300_000);
  await run('sh', ['-c', `DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')}`], 600_000);
}
