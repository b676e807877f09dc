import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ResourceSet } from '../../../src/model/resources.js';
import { createLogger } from '../../../src/observability/logger.js';
import { GatewayMetrics } from '../../../src/observability/metrics.js';
import { createSnapshotApplier, servingAfter } from '../../../src/runtime/snapshot-applier.js';
import { SnapshotStore } from '../../../src/snapshot/store.js';
import { parseDeclarative } from '../../../src/sources/declarative/parse.js';

const kongYml = (paths: string[]) => `
_format_version: "3.0"
services:
  - name: api
    url: http://127.0.0.1:3000
    routes:
${paths.map((p, i) => `      - name: r${i}\n        paths: ["${p}"]`).join('\n')}
`;

function resources(paths: string[]): ResourceSet {
  const parsed = parseDeclarative(kongYml(paths), 'kong.yml');
  if (parsed.fatal) throw new Error(`fixture does not parse: ${JSON.stringify(parsed.fatal)}`);
  return parsed.resources;
}

/** A ResourceSet the translator cannot build from (a source bug, or an unwell worker). */
const broken = { ...resources(['/a']), routes: null } as unknown as ResourceSet;

function setup() {
  const lines: Array<{ msg: string; level: number }> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const store = new SnapshotStore();
  const metrics = new GatewayMetrics({ defaultMetrics: false });
  const logger = createLogger({ level: 'info', destination });
  const applier = createSnapshotApplier({ store, metrics, logger, logDiagnostics: true });
  const failures = async () => (await metrics.snapshotReloadFailures.get()).values[0]?.value ?? 0;
  return { store, applier, lines, failures };
}

describe('SnapshotApplier.apply result', () => {
  it('swapped: the new snapshot, now live, with the next version', () => {
    const { store, applier } = setup();
    const first = applier.apply(resources(['/a']), 'h1');
    expect(first.kind).toBe('swapped');
    expect(servingAfter(first)).toBe(store.current());
    expect(store.current()?.version).toBe(1);
    const second = applier.apply(resources(['/a', '/b']), 'h2');
    expect(second).toEqual({ kind: 'swapped', snapshot: store.current() });
    expect(store.current()?.version).toBe(2);
    expect(store.current()?.routes).toHaveLength(2);
  });

  it('unchanged: an input hashing like the live one leaves it serving, with no rebuild', () => {
    const { store, applier, lines } = setup();
    applier.apply(resources(['/a']), 'same');
    const live = store.current();
    const swaps = lines.filter((l) => l.msg === 'snapshot swapped').length;
    const again = applier.apply(resources(['/a', '/b']), 'same');
    expect(again).toEqual({ kind: 'unchanged', snapshot: live });
    expect(store.current()).toBe(live);
    expect(lines.filter((l) => l.msg === 'snapshot swapped')).toHaveLength(swaps);
  });

  it('with a version (a worker obeying its primary): unchanged unless newer than the live one', () => {
    const { store, applier } = setup();
    expect(applier.apply(resources(['/a']), 'h', 5).kind).toBe('swapped');
    expect(store.current()?.version).toBe(5);
    const older = applier.apply(resources(['/a', '/b']), 'other', 4);
    expect(older.kind).toBe('unchanged');
    expect(servingAfter(older)?.version).toBe(5);
    expect(applier.apply(resources(['/a']), 'h', 5).kind).toBe('unchanged');
    const newer = applier.apply(resources(['/a']), 'h', 7);
    expect(newer.kind).toBe('swapped');
    expect(store.current()?.version).toBe(7);
  });

  it('failed, before any snapshot: carries the error, nothing serves, counted and logged', async () => {
    const { store, applier, lines, failures } = setup();
    const result = applier.apply(broken, 'bad');
    expect(result.kind).toBe('failed');
    if (result.kind !== 'failed') return;
    expect(result.error).toBeInstanceOf(Error);
    expect(result.error.message).not.toBe('');
    expect(result.serving).toBeUndefined();
    expect(servingAfter(result)).toBeUndefined();
    expect(store.current()).toBeUndefined();
    expect(await failures()).toBe(1);
    expect(lines.map((l) => l.msg)).toContain('snapshot build failed; the previous snapshot keeps serving');
  });

  it('failed, after a good snapshot: the previous one keeps serving, and the next good input swaps', async () => {
    const { store, applier, failures } = setup();
    applier.apply(resources(['/a']), 'good');
    const live = store.current();
    const result = applier.apply(broken, 'bad');
    expect(result).toMatchObject({ kind: 'failed', serving: live });
    expect(servingAfter(result)).toBe(live);
    expect(store.current()).toBe(live);
    expect(await failures()).toBe(1);
    // The failed input was not remembered as live: the same good content again is unchanged,
    // and a new one swaps in with the next version.
    expect(applier.apply(resources(['/a']), 'good').kind).toBe('unchanged');
    const next = applier.apply(resources(['/b']), 'good2');
    expect(next.kind).toBe('swapped');
    expect(store.current()?.version).toBe(2);
  });
});
