import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import { changeOf, readChanged } from '../../../../src/sources/kube/object-change.js';
import { foreignParentsChanged } from '../../../../src/sources/kube/gateway-api/resource-types.js';

const meta = (rv: string, extra: Record<string, unknown> = {}) => ({ namespace: 'n', name: 'x', uid: 'u', resourceVersion: rv, ...extra });
const o = (m: Record<string, unknown>, rest: Record<string, unknown> = {}) => ({ metadata: m, ...rest }) as KubernetesObject;

describe('readChanged / changeOf', () => {
  it('a new object, another uid, labels or annotations always count', () => {
    expect(readChanged(undefined, o(meta('1')))).toBe(true);
    expect(readChanged(o(meta('1')), o({ ...meta('2'), uid: 'v' }))).toBe(true);
    expect(readChanged(o(meta('1', { labels: { a: '1' } })), o(meta('2', { labels: { a: '2' } })), 'none')).toBe(true);
    expect(readChanged(o(meta('1', { annotations: { a: '1' } })), o(meta('2')), 'none')).toBe(true);
    expect(readChanged(o(meta('1', { labels: {} })), o(meta('2')), 'all')).toBe(false); // empty == absent
  });

  it("CRs (statusRead 'none'): the generation decides; a status PATCH is 'status', a resourceVersion bump 'none'", () => {
    const cr = (rv: string, generation: number, status?: unknown) => o(meta(rv, { generation }), { spec: { a: 1 }, ...(status !== undefined && { status }) });
    expect(changeOf(cr('1', 1), cr('2', 1, { conditions: [] }), 'none')).toBe('status');
    expect(changeOf(cr('1', 1), cr('2', 1), 'none')).toBe('none');
    expect(changeOf(cr('1', 1), cr('2', 2), 'none')).toBe('read');
    // Read status ('all', e.g. Services): a status change rebuilds.
    expect(changeOf(cr('1', 1), cr('2', 1, { loadBalancer: {} }), 'all')).toBe('read');
  });

  it('Secrets and EndpointSlices (no generation): the data decides', () => {
    const secret = (rv: string, v: string) => o(meta(rv), { type: 'Opaque', data: { secret: v } });
    expect(readChanged(secret('1', 'a'), secret('2', 'a'))).toBe(false);
    expect(readChanged(secret('1', 'a'), secret('2', 'b'))).toBe(true);
    const slice = (rv: string, ready: boolean) => o(meta(rv), { endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready } }], ports: [] });
    expect(readChanged(slice('1', true), slice('2', true))).toBe(false);
    expect(readChanged(slice('1', true), slice('2', false))).toBe(true);
  });

  it('HTTPRoute: only other controllers\' parents in status count', () => {
    const ours = { controllerName: 'portcullis.dev/gateway-controller', parentRef: { name: 'gw' }, conditions: [{ type: 'Accepted' }] };
    const theirs = { controllerName: 'example.com/other', parentRef: { name: 'o' } };
    const route = (rv: string, parents: unknown[]) => o(meta(rv, { generation: 1 }), { spec: {}, status: { parents } });
    expect(changeOf(route('1', [theirs]), route('2', [theirs, ours]), foreignParentsChanged)).toBe('status');
    expect(changeOf(route('1', [ours]), route('2', [theirs, ours]), foreignParentsChanged)).toBe('read');
  });
});
