import { describe, expect, it } from 'vitest';
import { ObjectCache } from '../../../../src/sources/kube/object-cache.js';

const obj = (ns: string, name: string, rv: string, uid = `${ns}-${name}`) => ({ metadata: { namespace: ns, name, resourceVersion: rv, uid } });

describe('ObjectCache', () => {
  it('upsert/delete report changes and key by ns/name', () => {
    const c = new ObjectCache();
    expect(c.upsert(obj('a', 'x', '1'))).toBe(true);
    expect(c.upsert(obj('a', 'x', '1'))).toBe(false);
    expect(c.upsert(obj('a', 'x', '2'))).toBe(true);
    expect(c.get('a/x')?.metadata?.resourceVersion).toBe('2');
    expect(c.delete(obj('a', 'x', '3'))).toBe(true);
    expect(c.delete(obj('a', 'x', '3'))).toBe(false);
  });

  it('replaceAll drops objects missing from the list and reports whether anything changed', () => {
    const c = new ObjectCache();
    c.replaceAll([obj('a', 'x', '1'), obj('a', 'y', '1')]);
    expect(c.replaceAll([obj('a', 'y', '1'), obj('a', 'x', '1')])).toBe(false);
    expect(c.replaceAll([obj('a', 'x', '1')])).toBe(true);
    expect(c.values().map((o) => o.metadata?.name)).toEqual(['x']);
    expect(c.replaceAll([obj('a', 'x', '1', 'new-uid')])).toBe(true); // recreated under the same name
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
