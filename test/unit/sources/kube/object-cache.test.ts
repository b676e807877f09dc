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
