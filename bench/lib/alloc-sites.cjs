// Preloaded with bench/lib/gw-probe.cjs by `bench/open-loop-anatomy.mjs --alloc-sites`: V8's
// sampling heap profiler over the steady window (first SIGUSR2 starts it, the second stops it),
// counting objects that scavenges already freed, so short-lived per-request garbage shows. Writes
// the top allocation sites (self bytes by the last 4 frames) to $PORTCULLIS_BENCH_ALLOC. The
// sampling costs CPU: the other figures of such a run are not comparable.
'use strict';
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');

const out = process.env.PORTCULLIS_BENCH_ALLOC;
if (out) {
  const session = new inspector.Session();
  session.connect();
  let signals = 0;
  process.on('SIGUSR2', () => {
    signals++;
    if (signals === 1) {
      session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    } else if (signals === 2) {
      session.post('HeapProfiler.stopSampling', (err, r) => {
        if (err) return writeFileSync(out, `error: ${err.message}\n`);
        const sites = new Map();
        let total = 0;
        const frame = (f) => `${f.functionName || '(anonymous)'} ${f.url.replace(/.*\/(node_modules\/|dist\/|node:)/, '$1')}:${f.lineNumber + 1}`;
        const walk = (node, stack) => {
          const here = [...stack, frame(node.callFrame)];
          if (node.selfSize > 0) {
            total += node.selfSize;
            const key = here.slice(-4).reverse().join(' < ');
            sites.set(key, (sites.get(key) ?? 0) + node.selfSize);
          }
          for (const c of node.children) walk(c, here);
        };
        walk(r.profile.head, []);
        const top = [...sites].sort((a, b) => b[1] - a[1]).slice(0, 40);
        writeFileSync(out, `sampled ${total} bytes\n${top.map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`).join('\n')}\n`);
      });
    }
  });
}
