/**
 * A small coverage-guided fuzzer in the libFuzzer mould, with no native parts: V8's precise block
 * coverage (node:inspector, the same data `c8` and `--experimental-test-coverage` read) is the
 * feedback, so it runs on any Node ≥ 20 machine.
 *
 * Loop: pick an input from the corpus, apply 1–5 byte-level mutations (libFuzzer's set: erase,
 * insert, change byte/bit, copy part, cross-over, dictionary words, ASCII integers), run the target,
 * read which code blocks ran, and keep the input when it reached a block no input reached before. A throw, or one input taking longer than `slowMs`, is a
 * finding: the input is returned so the caller can save and report it.
 *
 * Targets use Jazzer.js's signature, `fuzz(data: Buffer)`, so the same files run under Jazzer.js
 * where its native fuzzer loads.
 */
import { Session } from 'node:inspector';

/** xorshift32: deterministic for a given seed. */
export function prng(seed) {
  let x = seed >>> 0 || 0x9e3779b9;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  return { next, below: (n) => (n <= 0 ? 0 : next() % n), chance: (p) => next() / 0x100000000 < p };
}

/** Synchronous DevTools-protocol calls: the in-thread inspector session answers before post returns. */
function coverageSession() {
  const session = new Session();
  session.connect();
  const post = (method, params) => {
    let result;
    let error;
    session.post(method, params, (err, res) => {
      error = err;
      result = res;
    });
    if (error) throw error;
    if (result === undefined) throw new Error(`inspector did not answer ${method} synchronously`);
    return result;
  };
  post('Profiler.enable');
  // Binary block coverage: a third of the cost of counting, and taking it resets it.
  post('Profiler.startPreciseCoverage', { callCount: false, detailed: true });
  return { take: () => post('Profiler.takePreciseCoverage').result, close: () => session.disconnect() };
}

/**
 * Turns one takePreciseCoverage answer into features (code blocks that ran). V8 leaves out a nested
 * range whose count equals its parent's, so every range ever reported is remembered and its count,
 * when missing, is the innermost reported range around it.
 */
class CoverageMap {
  /** function key → ranges ever reported, as [start, end]. */
  known = new Map();
  seen = new Set();

  constructor(include) {
    this.include = include;
  }

  /** New features since the last take (recorded as seen unless `peek`), and the total. */
  collect(scripts, peek = false) {
    let fresh = 0;
    let total = 0;
    for (const script of scripts) {
      if (!this.include(script.url)) continue;
      for (const fn of script.functions) {
        if (fn.ranges.length === 0 || fn.ranges[0].count === 0) continue;
        const fnKey = `${script.url}#${fn.ranges[0].startOffset}`;
        let known = this.known.get(fnKey);
        if (known === undefined) this.known.set(fnKey, (known = new Map()));
        for (const r of fn.ranges) {
          const k = `${r.startOffset}:${r.endOffset}`;
          if (!known.has(k)) known.set(k, [r.startOffset, r.endOffset]);
        }
        for (const [k, [start, end]] of known) {
          let count = 0;
          let width = Infinity;
          for (const r of fn.ranges) {
            if (r.startOffset <= start && r.endOffset >= end && r.endOffset - r.startOffset < width) {
              width = r.endOffset - r.startOffset;
              count = r.count;
            }
          }
          if (count === 0) continue;
          total++;
          const feature = `${fnKey}|${k}`;
          if (!this.seen.has(feature)) {
            if (!peek) this.seen.add(feature);
            fresh++;
          }
        }
      }
    }
    return { fresh, total };
  }
}

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x20, 0x22, 0x27, 0x2e, 0x2f, 0x3a, 0x3d, 0x25, 0x5c, 0x0a, 0x0d, 0x09, 0x00];

export function mutate(input, rng, corpus, dictionary, maxLen) {
  let b = Buffer.from(input);
  const rounds = 1 + rng.below(5);
  for (let n = 0; n < rounds; n++) {
    switch (rng.below(10)) {
      case 0: // erase bytes
        if (b.length > 1) {
          const at = rng.below(b.length);
          const len = 1 + rng.below(Math.min(8, b.length - at));
          b = Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
        }
        break;
      case 1: { // insert one byte, maybe repeated
        const at = rng.below(b.length + 1);
        const byte = rng.chance(0.5) ? INTERESTING[rng.below(INTERESTING.length)] : rng.below(256);
        const reps = rng.chance(0.8) ? 1 : 1 + rng.below(64);
        b = Buffer.concat([b.subarray(0, at), Buffer.alloc(reps, byte), b.subarray(at)]);
        break;
      }
      case 2: // change a byte
        if (b.length > 0) b[rng.below(b.length)] = rng.chance(0.5) ? INTERESTING[rng.below(INTERESTING.length)] : rng.below(256);
        break;
      case 3: // flip a bit
        if (b.length > 0) b[rng.below(b.length)] ^= 1 << rng.below(8);
        break;
      case 4: { // copy a part of the input over / into another place
        if (b.length < 2) break;
        const from = rng.below(b.length);
        const len = 1 + rng.below(b.length - from);
        const part = Buffer.from(b.subarray(from, from + len));
        const to = rng.below(b.length + 1);
        b = rng.chance(0.5) ? Buffer.concat([b.subarray(0, to), part, b.subarray(to)]) : Buffer.concat([b.subarray(0, to), part, b.subarray(to + len)]);
        break;
      }
      case 5: { // cross over with another corpus entry
        const other = corpus[rng.below(corpus.length)];
        if (other.length === 0) break;
        const cut = rng.below(b.length + 1);
        const from = rng.below(other.length);
        b = Buffer.concat([b.subarray(0, cut), other.subarray(from, from + 1 + rng.below(other.length - from))]);
        break;
      }
      case 6:
      case 7: { // dictionary word, inserted or overwriting
        if (dictionary.length === 0) break;
        const word = dictionary[rng.below(dictionary.length)];
        const at = rng.below(b.length + 1);
        b = rng.chance(0.5) ? Buffer.concat([b.subarray(0, at), word, b.subarray(at)]) : Buffer.concat([b.subarray(0, at), word, b.subarray(at + word.length)]);
        break;
      }
      case 8: { // rewrite an ASCII integer
        const text = b.toString('latin1');
        const digits = [...text.matchAll(/\d+/g)];
        if (digits.length === 0) break;
        const m = digits[rng.below(digits.length)];
        const values = ['0', '-1', '1', String(Number(m[0]) + 1), String(Number(m[0]) - 1), '4294967296', '9007199254740993', '1e309'];
        const v = values[rng.below(values.length)];
        b = Buffer.concat([b.subarray(0, m.index), Buffer.from(v, 'latin1'), b.subarray(m.index + m[0].length)]);
        break;
      }
      case 9: { // shuffle a short run
        if (b.length < 2) break;
        const at = rng.below(b.length - 1);
        const len = Math.min(b.length - at, 2 + rng.below(6));
        for (let i = len - 1; i > 0; i--) {
          const j = rng.below(i + 1);
          [b[at + i], b[at + j]] = [b[at + j], b[at + i]];
        }
        break;
      }
    }
  }
  return b.length > maxLen ? b.subarray(0, maxLen) : b;
}

/**
 * Fuzzes `target(data)` until `seconds` or `runs` run out, or a finding.
 * @returns {{ runs, corpus: Buffer[], features, finding?: { input: Buffer, kind: 'crash' | 'slow', message: string } }}
 */
export function runFuzzer({ target, seeds, seconds, runs = Infinity, seed = 1, maxLen = 4096, dictionary = [], slowMs = 2000, include, onNewInput = () => {}, onStatus = () => {} }) {
  const rng = prng(seed);
  const coverage = coverageSession();
  const map = new CoverageMap(include);
  const corpus = [];
  const dict = dictionary.map((w) => (Buffer.isBuffer(w) ? w : Buffer.from(w, 'utf8')));
  const deadline = Date.now() + seconds * 1000;
  let executed = 0;
  let nextStatus = Date.now() + 5000;
  coverage.take(); // drop what loading the modules ran

  const execute = (input) => {
    const t0 = performance.now();
    try {
      target(input);
    } catch (err) {
      return { kind: 'crash', message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    } finally {
      executed++;
    }
    const ms = performance.now() - t0;
    if (ms > slowMs) return { kind: 'slow', message: `one input took ${Math.round(ms)} ms (limit ${slowMs} ms)` };
    return undefined;
  };

  try {
    // Every seed runs first: the checked-in corpus is also a regression suite.
    for (const s of seeds.length > 0 ? seeds : [Buffer.alloc(0)]) {
      const problem = execute(s);
      if (problem) return { runs: executed, corpus, features: map.seen.size, finding: { input: s, ...problem } };
      map.collect(coverage.take());
      corpus.push(s);
    }
    /** Finds the inputs of `batch` that reach new code by bisection: one coverage read per half. */
    const attribute = (batch) => {
      if (batch.length === 1) {
        execute(batch[0]);
        if (map.collect(coverage.take()).fresh > 0) {
          corpus.push(batch[0]);
          onNewInput(batch[0]);
        }
        return;
      }
      const mid = batch.length >> 1;
      for (const half of [batch.slice(0, mid), batch.slice(mid)]) {
        for (const input of half) execute(input);
        if (map.collect(coverage.take(), true).fresh > 0) attribute(half);
      }
    };

    // Inputs run in batches with one coverage read per batch (a read costs ~3 ms, an input far
    // less); only a batch that reached new code is replayed, by halves, to find which input did.
    const BATCH = 32;
    while (executed < runs && Date.now() < deadline) {
      const batch = [];
      for (let i = 0; i < BATCH && executed < runs; i++) {
        const input = mutate(corpus[rng.below(corpus.length)], rng, corpus, dict, maxLen);
        const problem = execute(input);
        if (problem) return { runs: executed, corpus, features: map.seen.size, finding: { input, ...problem } };
        batch.push(input);
      }
      if (map.collect(coverage.take(), true).fresh > 0) attribute(batch);
      if (Date.now() >= nextStatus) {
        nextStatus += 5000;
        onStatus({ runs: executed, corpus: corpus.length, features: map.seen.size });
      }
    }
    return { runs: executed, corpus, features: map.seen.size };
  } finally {
    coverage.close();
  }
}
