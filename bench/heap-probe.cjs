// Preloaded into the benchmarked controller (NODE_OPTIONS=--require ... --expose-gc): on SIGUSR2 it
// runs a full GC and prints one JSON line of V8 heap statistics; with HEAP_PROBE_SNAPSHOT=<dir> it
// also writes a heap snapshot there. Measurement only: nothing in src/ depends on it.
'use strict';
const v8 = require('node:v8');
const path = require('node:path');
process.on('SIGUSR2', () => {
  if (typeof global.gc === 'function') global.gc();
  const h = v8.getHeapStatistics();
  const mb = (n) => Math.round(n / 1048576);
  const line = { msg: 'heap probe', heap_used_mb: mb(h.used_heap_size), heap_used_bytes: h.used_heap_size, heap_total_mb: mb(h.total_heap_size),
    external_mb: mb(h.external_memory ?? process.memoryUsage().external), rss_mb: mb(process.memoryUsage().rss),
    array_buffers_mb: mb(process.memoryUsage().arrayBuffers) };
  const dir = process.env.HEAP_PROBE_SNAPSHOT;
  if (dir) line.snapshot = v8.writeHeapSnapshot(path.join(dir, `controller-${Date.now()}.heapsnapshot`));
  process.stderr.write(JSON.stringify(line) + '\n');
});
