// Preloaded into a Node gateway under test (`node --require bench/lib/gw-probe.cjs`) by
// bench/open-loop-anatomy.mjs; never part of Portcullis. On each SIGUSR2 it appends one JSON line
// to $PORTCULLIS_BENCH_PROBE with what happened since the previous one, then starts a new window:
// requests served, bytes allocated on the JS heap (from v8.GCProfiler's before/after heap sizes),
// every GC's kind and pause, the event-loop delay histogram, and the most requests in flight
// (inbound, and to the upstream) and upstream sockets open at once. Same probe in every gateway,
// so its own cost is the same on both sides of an A/B.
'use strict';
const { appendFileSync } = require('node:fs');
const dc = require('node:diagnostics_channel');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const v8 = require('node:v8');

const out = process.env.PORTCULLIS_BENCH_PROBE;
if (out) {
  let requests = 0;
  let inflight = 0;
  let maxInflight = 0;
  let upInflight = 0;
  let maxUpInflight = 0;
  let sockets = 0;
  let maxSockets = 0;
  let socketsOpened = 0;
  const upstreamRequests = new WeakSet();

  // In flight until the response closes (finished, or its client gone).
  const done = () => { inflight--; };
  dc.subscribe('http.server.request.start', ({ response }) => {
    requests++;
    if (++inflight > maxInflight) maxInflight = inflight;
    response.once('close', done);
  });
  // Requests to the upstream: node:http clients (the pipe) and undici (Portcullis).
  const upStart = (req) => {
    upstreamRequests.add(req);
    if (++upInflight > maxUpInflight) maxUpInflight = upInflight;
  };
  const upEnd = (req) => { if (upstreamRequests.delete(req)) upInflight--; };
  dc.subscribe('http.client.request.start', ({ request }) => {
    upStart(request);
    request.once('close', () => upEnd(request));
  });
  dc.subscribe('undici:request:create', ({ request }) => upStart(request));
  dc.subscribe('undici:request:trailers', ({ request }) => upEnd(request));
  dc.subscribe('undici:request:error', ({ request }) => upEnd(request));
  dc.subscribe('net.client.socket', ({ socket }) => {
    socketsOpened++;
    if (++sockets > maxSockets) maxSockets = sockets;
    socket.once('close', () => { sockets--; });
  });

  const eld = monitorEventLoopDelay({ resolution: 1 });
  eld.enable();
  let profiler = new v8.GCProfiler();
  profiler.start();
  let t0 = process.hrtime.bigint();
  let used0 = v8.getHeapStatistics().used_heap_size;

  process.on('SIGUSR2', () => {
    const stats = profiler.stop().statistics;
    const usedNow = v8.getHeapStatistics().used_heap_size;
    // Allocated = growth between collections: each GC's heap before it minus the heap the previous
    // one left (or the window's start), plus what grew since the last one.
    let allocated = 0;
    let prevAfter = used0;
    const gcs = [];
    for (const s of stats) {
      allocated += Math.max(0, s.beforeGC.heapStatistics.usedHeapSize - prevAfter);
      prevAfter = s.afterGC.heapStatistics.usedHeapSize;
      const young = s.beforeGC.heapSpaceStatistics.find((x) => x.spaceName === 'new_space');
      gcs.push({ type: s.gcType, us: s.cost, newSpace: young ? young.spaceSize : null });
    }
    allocated += Math.max(0, usedNow - prevAfter);
    const t = process.hrtime.bigint();
    const ms = (ns) => ns / 1e6;
    appendFileSync(out, JSON.stringify({
      seconds: Number(t - t0) / 1e9, requests, allocated, gcs,
      eld: { p50: ms(eld.percentile(50)), p99: ms(eld.percentile(99)), p999: ms(eld.percentile(99.9)), max: ms(eld.max) },
      maxInflight, maxUpInflight, maxSockets, socketsOpened, heapUsed: usedNow,
    }) + '\n');
    requests = 0;
    maxInflight = inflight;
    maxUpInflight = upInflight;
    maxSockets = sockets;
    socketsOpened = 0;
    eld.reset();
    profiler = new v8.GCProfiler();
    profiler.start();
    t0 = process.hrtime.bigint();
    used0 = v8.getHeapStatistics().used_heap_size;
  });
}
