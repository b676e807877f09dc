// The pod sandbox ("pause") image, built here: no registry is reachable. A static C binary from
// Debian's gcc, packed as a one-layer OCI image layout tarball that `ctr images import` accepts.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './sh.js';

// Sleeps until SIGTERM/SIGINT and reaps zombies, which is all a sandbox's PID 1 has to do.
const pauseSource = `#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
static void quit(int s) { (void)s; _exit(0); }
static void reap(int s) { (void)s; while (waitpid(-1, NULL, WNOHANG) > 0) {} }
int main(void) {
  signal(SIGINT, quit);
  signal(SIGTERM, quit);
  signal(SIGCHLD, reap);
  for (;;) pause();
}
`;

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Builds the image tarball in `workDir` and returns its path; `ref` is the name it imports as. */
export async function buildPauseImage(workDir: string, ref: string): Promise<string> {
  const root = join(workDir, 'rootfs');
  const layout = join(workDir, 'layout');
  const blobs = join(layout, 'blobs', 'sha256');
  await mkdir(root, { recursive: true });
  await mkdir(blobs, { recursive: true });
  await writeFile(join(workDir, 'pause.c'), pauseSource);
  await run('gcc', ['-static', '-Os', '-s', '-o', join(root, 'pause'), join(workDir, 'pause.c')]);
  const layerPath = join(workDir, 'layer.tar');
  await run('tar', ['--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-cf', layerPath, '-C', root, 'pause']);
  const layer = await readFile(layerPath);
  const blob = async (data: Buffer | string) => {
    const digest = sha256(data);
    await writeFile(join(blobs, digest), data);
    return { digest: `sha256:${digest}`, size: Buffer.byteLength(data) };
  };
  const layerDesc = await blob(layer);
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Entrypoint: ['/pause'] },
    rootfs: { type: 'layers', diff_ids: [layerDesc.digest] },
  });
  const configDesc = await blob(config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configDesc },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layerDesc }],
  });
  const manifestDesc = await blob(manifest);
  await writeFile(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(join(layout, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...manifestDesc,
      platform: { architecture: 'amd64', os: 'linux' },
      annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': ref.split(':').pop() },
    }],
  }));
  const tarPath = join(workDir, 'pause-image.tar');
  await run('tar', ['-cf', tarPath, '-C', layout, 'oci-layout', 'index.json', 'blobs']);
  return tarPath;
}
