#!/usr/bin/env node
// Entry point: `node test/harness/images/build.mjs [--json]` (as root). Builds or finds in the
// cache the base image, the project's image and the hello-upstream image; prints archive paths,
// sizes and timings (with --json, one JSON object on stdout for other harness pieces).
import { buildImages } from './images.mjs';

const t0 = Date.now();
const r = buildImages();
const total = (Date.now() - t0) / 1000;
if (process.argv.includes('--json')) {
  process.stdout.write(`${JSON.stringify({ ...r, totalSeconds: total })}\n`);
} else {
  const mb = (b) => `${(b / 1e6).toFixed(1)} MB`;
  const state = (built) => (built ? 'built' : 'cached');
  console.log(`base   ${r.base.ref} (${state(r.base.built)}, ${mb(r.base.bytes)})\n       ${r.base.archive}`);
  for (const i of r.images) console.log(`image  ${i.ref} (${state(i.built)}, ${mb(i.bytes)})\n       ${i.archive}`);
  const t = Object.entries(r.timings).map(([k, s]) => `${k} ${s.toFixed(1)}s`);
  console.log(`time   ${t.join(', ')}; total ${total.toFixed(1)}s`);
}
