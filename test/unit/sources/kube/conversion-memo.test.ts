import { describe, expect, it } from 'vitest';
import { ConversionMemo } from '../../../../src/sources/kube/conversion-memo.js';
import { toResourceSet } from '../../../../src/sources/kube/to-resource-set.js';
import type { CustomObject, SecretObject, ToResourceSetInput } from '../../../../src/sources/kube/types.js';

const cr = (kind: string, name: string, spec: unknown): CustomObject => ({ apiVersion: 'portcullis.dev/v1alpha1', kind, metadata: { name, namespace: 'ns' }, spec });
const secret = (value: string): SecretObject => ({ metadata: { name: 's', namespace: 'ns' }, data: { secret: Buffer.from(value).toString('base64') } });

describe('ConversionMemo', () => {
  const consumer = cr('KongConsumer', 'c', { username: 'u' });
  const credential = cr('JwtCredential', 'j', { consumerRef: { name: 'c' }, key: 'k', algorithm: 'HS256', secretRef: { name: 's', key: 'secret' } });
  const broken = cr('KongConsumer', 'bad', {});
  const input = (secrets: Map<string, SecretObject>): ToResourceSetInput => ({
    consumers: [broken, consumer], credentials: [credential], routes: [], secrets, services: new Map(), endpointSlices: new Map(),
  });

  it('hands back the same spec (and the same diagnostics) while the object and what it read are the same objects', () => {
    const memo = new ConversionMemo();
    const s1 = secret('one');
    const first = toResourceSet(input(new Map([['ns/s', s1]])), { memo });
    expect(memo.takeCounts()).toEqual({ hits: 0, misses: 3 });
    const again = toResourceSet(input(new Map([['ns/s', s1]])), { memo });
    expect(memo.takeCounts()).toEqual({ hits: 3, misses: 0 });
    expect(again.consumers[0]).toBe(first.consumers[0]);
    expect(again.credentials[0]).toBe(first.credentials[0]);
    expect(again.diagnostics).toEqual(first.diagnostics);
    expect(again.diagnostics[0]).toBe(first.diagnostics[0]);
  });

  it('converts again what depends on a Secret that changed, appeared or went away', () => {
    const memo = new ConversionMemo();
    const first = toResourceSet(input(new Map([['ns/s', secret('one')]])), { memo });
    const rotated = toResourceSet(input(new Map([['ns/s', secret('two')]])), { memo });
    expect(memo.takeCounts()).toEqual({ hits: 2, misses: 3 + 1 });
    expect(rotated.credentials[0]!.secret!.toString()).toBe('two');
    expect(rotated.consumers[0]).toBe(first.consumers[0]);
    const gone = toResourceSet(input(new Map()), { memo });
    expect(gone.credentials).toEqual([]);
    expect(gone.diagnostics.map((d) => d.reason)).toContain('SecretNotFound');
  });
});
