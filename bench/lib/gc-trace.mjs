// Pure: the scavenges in a `node --trace-gc` log (to see whether GC pauses explain a latency tail).
import { percentile } from './vegeta.mjs';

/** Count and pause percentiles (ms) of the Scavenge lines; mark-compacts counted apart. */
export function gcPauses(log) {
  const pauses = [];
  let markCompacts = 0;
  for (const m of log.matchAll(/: (Scavenge|Mark-Compact|Mark-sweep)[^,]*, ([\d.]+) \/ [\d.]+ ms/g)) {
    if (m[1] === 'Scavenge') pauses.push(Number(m[2]));
    else markCompacts++;
  }
  pauses.sort((a, b) => a - b);
  return { count: pauses.length, p50: percentile(pauses, 50), p99: percentile(pauses, 99), max: pauses.at(-1) ?? NaN, markCompacts };
}
