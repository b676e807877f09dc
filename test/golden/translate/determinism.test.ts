import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResourceSet } from '../../../src/model/resources.js';
import { snapshotView } from '../../support/snapshot-view.js';
import { hashResources, translate } from '../../../src/translate/translate.js';
import { caseResources, goldenDir, kubeResources, listCases, yamlObjects } from './cases.js';
import { seededRandom } from '../../support/seeded-random.js';

/**
 * translate() is deterministic: the same input gives the same view and hash, and the order of
 * the ResourceSet's lists does not change the result — except where order is the contract
 * (kong.yml: of two identical routes the first in the file wins, RouteConflict). hashResources
 * IS order-sensitive for lists, so only inputs a source sorts (Kubernetes, via toResourceSet)
 * hash the same whatever the order they arrive in.
 */
const cases = listCases();
/** Cases whose outcome depends on list order by design. */
const ORDER_IS_SEMANTIC = new Set(['route-duplicate']);


function shuffled<T>(xs: readonly T[], rnd: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function shuffleSet(r: ResourceSet, rnd: () => number): ResourceSet {
  return {
    ...r,
    consumers: shuffled(r.consumers, rnd),
    credentials: shuffled(r.credentials, rnd),
    routes: shuffled(r.routes, rnd),
    diagnostics: shuffled(r.diagnostics, rnd),
  };
}

const view = (r: ResourceSet) => JSON.stringify(snapshotView(translate(r, 1)));

describe('translate determinism', () => {
  it.each(cases)('$name: same input twice → same view and hash', ({ name, source }) => {
    const a = caseResources(name, source).resources;
    const b = caseResources(name, source).resources;
    expect(view(b)).toBe(view(a));
    expect(translate(b, 2).hash).toBe(translate(a, 1).hash);
    // Translating must not mutate its input (the hash would drift between rebuilds).
    const before = hashResources(a);
    translate(a, 3);
    expect(hashResources(a)).toBe(before);
  });

  it.each(cases.filter((c) => !ORDER_IS_SEMANTIC.has(c.name)))('$name: shuffled lists → same view', ({ name, source }) => {
    const r = caseResources(name, source).resources;
    const expected = view(r);
    for (const seed of [1, 2, 3, 4, 5]) expect(view(shuffleSet(r, seededRandom(seed)))).toBe(expected);
  });

  it('route-duplicate: the first route in the file wins, so order matters there', () => {
    const r = caseResources('route-duplicate', 'kong.yml').resources;
    const reversed = { ...r, routes: [...r.routes].reverse() };
    const winners = (set: ResourceSet) => snapshotView(translate(set, 1)).routes.map((x) => x.name).sort();
    expect(winners(r)).toEqual(['first', 'other-methods']);
    expect(winners(reversed)).toEqual(['other-methods', 'second']);
  });

  it.each(cases.filter((c) => c.source === 'input.yaml'))('$name: Kubernetes objects in any order → same hash', ({ name }) => {
    const objects = yamlObjects(readFileSync(join(goldenDir, name, 'input.yaml'), 'utf8'));
    const base = kubeResources(objects).resources;
    for (const seed of [1, 2, 3]) {
      const other = kubeResources(shuffled(objects, seededRandom(seed))).resources;
      expect(hashResources(other)).toBe(hashResources(base));
      expect(view(other)).toBe(view(base));
    }
  });
});
