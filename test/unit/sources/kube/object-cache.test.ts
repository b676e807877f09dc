import { describe, expect, it } from 'vitest';
import { ObjectCache } from '../../../../src/sources/kube/object-cache.js';

const obj = (ns: string, name: string, rv: string, uid = `${ns}-${name}`, data = rv) => ({ metadata: { namespace: ns, name, resourceVersion: rv, uid }, data: { v: data } });

describe('ObjectCache', () => {
  it('upsert/delete report changes and key by ns/name', () => {
    const c = new ObjectCache();
    expect(c.upsert(obj('a', 'x', '1'))).toBe('read');
    expect(c.upsert(obj('a', 'x', '1'))).toBe('none');
    expect(c.upsert(obj('a', 'x', '2'))).toBe('read');
    expect(c.upsert(obj('a', 'x', '3', 'a-x', '2'))).toBe('none'); // a new resourceVersion, nothing else
    expect(c.get('a/x')?.metadata?.resourceVersion).toBe('3');
    expect(c.delete(obj('a', 'x', '3'))).toBe(true);
    expect(c.delete(obj('a', 'x', '3'))).toBe(false);
  });

  it('replaceAll drops objects missing from the list and reports whether anything changed', () => {
    const c = new ObjectCache();
    c.replaceAll([obj('a', 'x', '1'), obj('a', 'y', '1')]);
    expect(c.replaceAll([obj('a', 'y', '1'), obj('a', 'x', '1')])).toBe('none');
    expect(c.replaceAll([obj('a', 'x', '1')])).toBe('read');
    expect(c.values().map((o) => o.metadata?.name)).toEqual(['x']);
    expect(c.replaceAll([obj('a', 'x', '1', 'new-uid')])).toBe('read'); // recreated under the same name
  });

  it("with statusRead 'none' a status-only change is 'status' (no rebuild) and the newest object is kept", () => {
    const c = new ObjectCache('none');
    const cr = (rv: string, generation: number, status?: object, spec = { paths: ['/a'] }) => ({
      metadata: { namespace: 'a', name: 'r', uid: 'u', resourceVersion: rv, generation },
      spec,
      ...(status && { status }),
    });
    expect(c.upsert(cr('1', 1))).toBe('read');
    expect(c.upsert(cr('2', 1, { conditions: [{ type: 'Programmed', status: 'True' }] }))).toBe('status');
    expect((c.get('a/r') as { status?: unknown }).status).toEqual({ conditions: [{ type: 'Programmed', status: 'True' }] });
    expect(c.upsert(cr('3', 2, { conditions: [] }, { paths: ['/b'] }))).toBe('read');
    expect(c.replaceAll([cr('4', 2, { observedGeneration: 2 }, { paths: ['/b'] })])).toBe('status');
  });

  it("keeps neither managedFields nor kubectl last-applied (a Secret's data in clear text) in memory", () => {
    const c = new ObjectCache();
    const fat = () => ({
      metadata: {
        namespace: 'a', name: 's', resourceVersion: '1', uid: 'u',
        managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"stringData":{"secret":"s3cr3t"}}', keep: 'me' },
      },
    });
    c.upsert(fat());
    c.replaceAll([fat(), { ...fat(), metadata: { ...fat().metadata, name: 't' } }]);
    for (const stored of c.values()) {
      expect(stored.metadata).not.toHaveProperty('managedFields');
      expect(stored.metadata?.annotations).toEqual({ keep: 'me' });
      expect(JSON.stringify(stored)).not.toContain('s3cr3t');
    }
  });
});

describe('ObjectCache.sortedValues after changes', () => {
  it('patches the last sorted list: the same order as sorting everything again, a new array each change', () => {
    const c = new ObjectCache();
    const names = ['m', 'c', 'x', 'a', 'q'];
    for (const n of names) c.upsert(obj('ns', n, '1'));
    const first = c.sortedValues();
    expect(first.map((o) => o.metadata?.name)).toEqual(['a', 'c', 'm', 'q', 'x']);
    expect(c.sortedValues()).toBe(first);
    c.upsert(obj('ns', 'b', '1'));
    c.upsert(obj('ns', 'm', '2'));
    c.delete(obj('ns', 'x', '2'));
    c.delete(obj('ns', 'zz', '1')); // not held
    c.upsert(obj('ns', 'zz', '1'));
    const next = c.sortedValues();
    expect(next).not.toBe(first);
    expect(next.map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`)).toEqual(['a@1', 'b@1', 'c@1', 'm@2', 'q@1', 'zz@1']);
    // The list handed out before is left as it was.
    expect(first.map((o) => o.metadata?.name)).toEqual(['a', 'c', 'm', 'q', 'x']);
  });

  it('keeps the object held when a relist or a watch brings the same version, so what was derived from it is reused', () => {
    const c = new ObjectCache();
    c.upsert(obj('ns', 'a', '1'));
    const held = c.get('ns/a');
    expect(c.upsert(obj('ns', 'a', '1'))).toBe('none');
    expect(c.get('ns/a')).toBe(held);
    expect(c.replaceAll([obj('ns', 'a', '1'), obj('ns', 'b', '1')])).toBe('read');
    expect(c.get('ns/a')).toBe(held);
    expect(c.replaceAll([obj('ns', 'a', '1'), obj('ns', 'b', '1')])).toBe('none');
  });
});
