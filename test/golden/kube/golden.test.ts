import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { inputFromObjects } from '../../support/input-from-objects.js';
import { toResourceSet } from '../../../src/sources/kube/to-resource-set.js';
import { expectGolden } from '../../support/golden.js';

/**
 * Golden tests: test/golden/kube/<case>/input.yaml (CRs + Secrets + Services + EndpointSlices)
 * → expected.json (the ResourceSet with its diagnostics). UPDATE_GOLDEN=1 rewrites expected.json;
 * a missing expected.json fails.
 */
const dir = import.meta.dirname;
const cases = readdirSync(dir).filter((d) => existsSync(join(dir, d, 'input.yaml'))).sort();

/** Secret bytes (Buffer's JSON form is an array of numbers) written as one readable string. */
function bytesAsBase64(_key: string, value: unknown): unknown {
  const v = value as { type?: unknown; data?: unknown } | null;
  if (v !== null && typeof v === 'object' && v.type === 'Buffer' && Array.isArray(v.data)) {
    return `bytes(base64):${Buffer.from(v.data as number[]).toString('base64')}`;
  }
  return value;
}

describe('toResourceSet golden files', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThanOrEqual(5));

  it.each(cases)('%s', (name) => {
    const docs = parseAllDocuments(readFileSync(join(dir, name, 'input.yaml'), 'utf8'));
    const objects = docs.map((d) => d.toJS() as unknown).filter((o) => o !== null);
    const { input, ignored } = inputFromObjects(objects);
    expect(ignored).toEqual([]);
    // Cases with Ingresses run as `--ingress --ingress-class extra` (docs/ingress.md).
    const opts = input.ingresses !== undefined ? { ingress: { classNames: ['extra'] } } : {};
    const actual = JSON.stringify(toResourceSet(input, opts), bytesAsBase64, 2) + '\n';
    expectGolden(join(dir, name, 'expected.json'), actual);
  });

  it('does not depend on input order', () => {
    const docs = parseAllDocuments(readFileSync(join(dir, 'backends', 'input.yaml'), 'utf8')).map((d) => d.toJS() as unknown);
    const forward = toResourceSet(inputFromObjects(docs).input);
    const backward = toResourceSet(inputFromObjects([...docs].reverse()).input);
    expect(backward).toEqual(forward);
  });
});
