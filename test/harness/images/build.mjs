#!/usr/bin/env node
// Entry point (as root; README.md here):
//   node test/harness/images/build.mjs [--force] [--verify] [--json]
// Builds, or finds in the cache, the base image, the project's image and the hello-upstream image;
// prints archive paths, sizes, image config and timings. --force rebuilds the app images (not the
// base); --verify imports the archives into a throwaway containerd and runs each once; --json
// prints one JSON object on stdout for other harness pieces.
import { buildImages } from './images.mjs';
import { verifyWithContainerd } from './verify-containerd.mjs';

const flag = (f) => process.argv.includes(f);
const t0 = Date.now();
const r = buildImages({ force: flag('--force') });

if (flag('--verify')) {
  const t1 = Date.now();
  const [app, hello] = r.images;
  const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  r.verify = await verifyWithContainerd([
    // As the image's USER on a read-only rootfs, as the chart runs it.
    { ref: app.ref, archive: app.archive, args: ['node', 'dist/cli.js', '--version'], expect: new RegExp(`^${escape(app.ref.split(':').at(-1))}$`) },
    { ref: hello.ref, archive: hello.archive, args: ['node', '--check', 'hello-upstream.mjs'], expect: /^$/ },
  ]);
  r.timings.verify = (Date.now() - t1) / 1000;
}

r.totalSeconds = (Date.now() - t0) / 1000;

if (flag('--json')) {
  process.stdout.write(`${JSON.stringify(r)}\n`);
} else {
  const mb = (b) => `${(b / 1e6).toFixed(1)} MB`;
  const state = (built) => (built ? 'built' : 'cached');
  console.log(`base   ${r.base.ref} (${state(r.base.built)}, ${mb(r.base.bytes)} oci-archive)\n       ${r.base.archive}`);
  for (const i of r.images) {
    console.log(`image  ${i.ref} (${state(i.built)}, ${mb(i.bytes)} docker-archive)\n       ${i.archive}`);
    const c = i.config;
    console.log(`       User ${c.User} Entrypoint ${JSON.stringify(c.Entrypoint)} Cmd ${JSON.stringify(c.Cmd)} WorkingDir ${c.WorkingDir}`);
  }
  const t = Object.entries(r.timings).map(([k, s]) => `${k} ${s.toFixed(1)}s`);
  console.log(`time   ${t.join(', ')}; total ${r.totalSeconds.toFixed(1)}s`);
}
