import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import { ObjectCache } from '../../../../src/sources/kube/object-cache.js';
import { toResourceSet } from '../../../../src/sources/kube/to-resource-set.js';
import type { CustomObject } from '../../../../src/sources/kube/types.js';

/** creationTimestamp survives the watch cache's slimming, as text, whichever form the client gave. */
describe('ObjectCache keeps creationTimestamp', () => {
  const route = (name: string, created: unknown) =>
    ({
      apiVersion: 'portcullis.dev/v1alpha1',
      kind: 'Route',
      metadata: { name, namespace: 'demo', uid: name, resourceVersion: '1', creationTimestamp: created, managedFields: [{}] },
      spec: { paths: [`/${name}`], backend: { url: 'http://127.0.0.1:3000' } },
    }) as unknown as KubernetesObject;

  it('as the API text (watch, custom objects) or from a Date (client-node typed lists)', () => {
    const cache = new ObjectCache<KubernetesObject>();
    cache.upsert(route('text', '2026-01-02T03:04:05Z'));
    cache.upsert(route('date', new Date('2026-01-02T03:04:05Z')));
    cache.upsert(route('none', undefined));
    const byName = new Map(cache.values().map((o) => [o.metadata!.name, o.metadata as Record<string, unknown>]));
    expect(byName.get('text')!['creationTimestamp']).toBe('2026-01-02T03:04:05Z');
    expect(byName.get('date')!['creationTimestamp']).toBe('2026-01-02T03:04:05Z');
    // undefined, not absent: the slimmed metadata is one literal with every kept field (object-cache.ts).
    expect(byName.get('none')!['creationTimestamp']).toBeUndefined();
    expect('managedFields' in byName.get('text')!).toBe(false);

    const rs = toResourceSet({
      consumers: [], credentials: [], routes: cache.sortedValues() as unknown as CustomObject[],
      secrets: new Map(), endpointSlices: new Map(), services: new Map(),
    });
    expect(rs.routes.map((r) => [r.ref.name, r.createdAt])).toEqual([
      ['date', '2026-01-02T03:04:05.000Z'],
      ['none', undefined],
      ['text', '2026-01-02T03:04:05.000Z'],
    ]);
  });
});
