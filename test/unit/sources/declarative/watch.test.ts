import { mkdirSync, mkdtempSync, openSync, closeSync, renameSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchDeclarativeFile, type FileWatch } from '../../../../src/sources/declarative/watch.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const doc = (n: number) => `_format_version: "3.0"\n_comment: "version ${n}"\n`;

let dir: string;
let w: FileWatch | undefined;
let seen: Array<{ text: string; at: number }>;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pc-watch-'));
  seen = [];
});
afterEach(() => {
  w?.close();
  w = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor(text: string, since: number): Promise<number> {
  const deadline = Date.now() + 1500;
  while (Date.now() < deadline) {
    const hit = seen.find((s) => s.text === text);
    if (hit) return hit.at - since;
    await sleep(10);
  }
  throw new Error(`change not seen; saw ${seen.length} events`);
}

function start(file: string, opts = {}): void {
  w = watchDeclarativeFile(file, (text) => seen.push({ text, at: Date.now() }), opts);
}

// Each replacement style must be noticed within 1 s, with fs.watch and with polling alone.
describe.each([
  { mode: 'fs.watch + poll', opts: {} },
  { mode: 'poll only', opts: { fsWatch: false, pollMs: 300 } },
])('watchDeclarativeFile ($mode)', ({ opts }) => {
  it('notices an in-place write and never reports the transient empty file', async () => {
    const file = join(dir, 'kong.yml');
    writeFileSync(file, doc(1));
    start(file, opts);
    await sleep(50);
    const t0 = Date.now();
    const fd = openSync(file, 'w'); // truncates: the file is empty for a moment
    await sleep(30);
    writeSync(fd, doc(2));
    closeSync(fd);
    expect(await waitFor(doc(2), t0)).toBeLessThan(1000);
    expect(seen.map((s) => s.text)).toEqual([doc(2)]);
  });

  it('notices an atomic rename', async () => {
    const file = join(dir, 'kong.yml');
    writeFileSync(file, doc(1));
    start(file, opts);
    await sleep(50);
    const t0 = Date.now();
    writeFileSync(join(dir, '.kong.yml.tmp'), doc(3));
    renameSync(join(dir, '.kong.yml.tmp'), file);
    expect(await waitFor(doc(3), t0)).toBeLessThan(1000);
  });

  it('notices a ConfigMap ..data symlink swap', async () => {
    mkdirSync(join(dir, '..2024_01'));
    writeFileSync(join(dir, '..2024_01', 'kong.yml'), doc(1));
    symlinkSync('..2024_01', join(dir, '..data'));
    symlinkSync('..data/kong.yml', join(dir, 'kong.yml'));
    const file = join(dir, 'kong.yml');
    start(file, opts);
    await sleep(50);
    const t0 = Date.now();
    mkdirSync(join(dir, '..2024_02'));
    writeFileSync(join(dir, '..2024_02', 'kong.yml'), doc(4));
    symlinkSync('..2024_02', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    rmSync(join(dir, '..2024_01'), { recursive: true });
    expect(await waitFor(doc(4), t0)).toBeLessThan(1000);
  });
});

describe('watchDeclarativeFile content hashing', () => {
  it('does not fire when the content is rewritten unchanged, nor for the baseline', async () => {
    const file = join(dir, 'kong.yml');
    writeFileSync(file, doc(1));
    start(file, { pollMs: 200 });
    await sleep(50);
    writeFileSync(file, doc(1));
    await sleep(500);
    expect(seen).toEqual([]);
  });

  it('fires when a missing file appears, and stops after close()', async () => {
    const file = join(dir, 'kong.yml');
    start(file, { pollMs: 200 });
    const t0 = Date.now();
    writeFileSync(file, doc(5));
    expect(await waitFor(doc(5), t0)).toBeLessThan(1000);
    w!.close();
    writeFileSync(file, doc(6));
    await sleep(400);
    expect(seen.map((s) => s.text)).toEqual([doc(5)]);
  });
});

describe('watchDeclarativeFile unusable file', () => {
  const unusable: string[] = [];
  const startReporting = (file: string, opts = {}) => {
    unusable.length = 0;
    w = watchDeclarativeFile(file, (text) => seen.push({ text, at: Date.now() }), { pollMs: 200, graceMs: 300, onUnusable: (r) => unusable.push(r), ...opts });
  };

  it.each<[string, (file: string) => void, string]>([
    ['deleted', (file) => rmSync(file), 'missing'],
    ['emptied', (file) => writeFileSync(file, ''), 'is empty'],
    ['replaced by a directory', (file) => (rmSync(file), mkdirSync(file)), 'a directory'],
  ])('%s: reported once after the grace period, then the next content fires as usual', async (_n, breakIt, reason) => {
    const file = join(dir, 'kong.yml');
    writeFileSync(file, doc(1));
    startReporting(file);
    await sleep(50);
    breakIt(file);
    await sleep(150);
    expect(unusable).toEqual([]); // within the grace period: maybe a write in progress
    await sleep(1_000);
    expect(unusable).toHaveLength(1);
    expect(unusable[0]).toContain(reason);
    expect(unusable[0]).toContain(file);
    rmSync(file, { recursive: true, force: true });
    const t0 = Date.now();
    writeFileSync(file, doc(2));
    expect(await waitFor(doc(2), t0)).toBeLessThan(1000);
    expect(unusable).toHaveLength(1);
  });

  it('a truncate-then-write shorter than the grace period is not reported', async () => {
    const file = join(dir, 'kong.yml');
    writeFileSync(file, doc(1));
    startReporting(file);
    await sleep(50);
    const t0 = Date.now();
    const fd = openSync(file, 'w');
    await sleep(100);
    writeSync(fd, doc(3));
    closeSync(fd);
    expect(await waitFor(doc(3), t0)).toBeLessThan(1000);
    await sleep(500);
    expect(unusable).toEqual([]);
  });
});
