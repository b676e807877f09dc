import { describe, expect, it } from 'vitest';
import { InternPool, internLabels, internName, internTime } from '../../../../src/sources/kube/intern.js';
import { ObjectCache } from '../../../../src/sources/kube/object-cache.js';

/** A string equal to `s` but not the same heap string (as JSON.parse makes for values over 10 characters). */
const fresh = (s: string): string => JSON.parse(JSON.stringify({ v: s })).v as string;

describe('InternPool', () => {
  it('hands back the first equal value, and stops pooling (not answering) once full', () => {
    const pool = new InternPool<object>(2);
    const a = { a: 1 };
    expect(pool.intern('a', a)).toBe(a);
    expect(pool.intern('a', { a: 1 })).toBe(a);
    const b = { b: 1 };
    expect(pool.intern('b', b)).toBe(b);
    const c = { c: 1 };
    expect(pool.intern('c', c)).toBe(c);
    expect(pool.intern('c', { c: 1 })).not.toBe(c); // full: not pooled, but still the value given
    expect(pool.intern('c', { c: 1 })).toEqual({ c: 1 });
    expect(pool.size).toBe(2);
  });

  it('names, times and label sets keep their values; equal labels give one shared object', () => {
    expect(internName(undefined)).toBeUndefined();
    expect(internName(fresh('portcullis.dev/v1alpha1'))).toBe('portcullis.dev/v1alpha1');
    expect(internTime(fresh('2026-12-03T14:00:00Z'))).toBe('2026-12-03T14:00:00Z');
    const one = internLabels({ 'portcullis.dev/credential': 'true', team: 'a' });
    expect(internLabels({ 'portcullis.dev/credential': 'true', team: 'a' })).toBe(one);
    expect(internLabels({ 'portcullis.dev/credential': 'true', team: 'b' })).toEqual({ 'portcullis.dev/credential': 'true', team: 'b' });
    // Key order is part of the key: a different order is another object (equal content).
    expect(internLabels({ team: 'a', 'portcullis.dev/credential': 'true' })).not.toBe(one);
  });
});

describe('ObjectCache keeps equal values once', () => {
  it('Secrets listed with the same labels share the labels object; a changed label is still a change', () => {
    const c = new ObjectCache();
    const secret = (name: string, rv: string, labels: Record<string, string>) =>
      JSON.parse(JSON.stringify({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { namespace: 'a', name, uid: `u-${name}`, resourceVersion: rv, creationTimestamp: '2026-12-03T14:00:00Z', labels }, data: { k: 'dg==' } }));
    c.replaceAll([secret('s1', '1', { 'portcullis.dev/credential': 'true' }), secret('s2', '1', { 'portcullis.dev/credential': 'true' })]);
    const [s1, s2] = c.sortedValues();
    expect(s1!.metadata!.labels).toBe(s2!.metadata!.labels);
    expect(s1!.metadata!.labels).toEqual({ 'portcullis.dev/credential': 'true' });
    expect(s1!.metadata!.creationTimestamp).toBe('2026-12-03T14:00:00Z');
    expect(c.upsert(secret('s1', '2', { 'portcullis.dev/credential': 'true', extra: 'x' }))).toBe('read');
    expect(c.get('a/s1')!.metadata!.labels).toEqual({ 'portcullis.dev/credential': 'true', extra: 'x' });
    expect(c.upsert(secret('s2', '2', { 'portcullis.dev/credential': 'true' }))).toBe('none'); // only resourceVersion moved
  });
});
