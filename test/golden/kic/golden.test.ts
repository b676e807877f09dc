import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { isKicKind } from '../../../src/model/kic.js';
import { KIC_CREDENTIAL_LABEL } from '../../../src/model/kic.js';
import { toResourceSet } from '../../../src/sources/kube/to-resource-set.js';
import { withKicResources, type KicObjects } from '../../../src/sources/kube/kic/index.js';
import type { KicObject } from '../../../src/sources/kube/kic/types.js';
import type { SecretObject } from '../../../src/sources/kube/types.js';
import { expectGolden } from '../../support/golden.js';
import { inputFromObjects } from '../../support/input-from-objects.js';

/**
 * Golden tests: test/golden/kic/<case>/input.yaml (KIC's configuration.konghq.com objects,
 * konghq.com/credential Secrets, Ingresses, Services, and portcullis.dev CRs) → expected.json: the
 * ResourceSet with its diagnostics, as `controller --kic-resources` builds it
 * (docs/kong-ingress-controller.md). UPDATE_GOLDEN=1 rewrites expected.json.
 */
const dir = import.meta.dirname;
const cases = readdirSync(dir).filter((d) => existsSync(join(dir, d, 'input.yaml'))).sort();

function bytesAsBase64(_key: string, value: unknown): unknown {
  const v = value as { type?: unknown; data?: unknown } | null;
  if (v !== null && typeof v === 'object' && v.type === 'Buffer' && Array.isArray(v.data)) return `bytes(base64):${Buffer.from(v.data as number[]).toString('base64')}`;
  return value;
}

/** KIC kinds and KIC credential Secrets apart; the rest as the kube golden tests read it. */
function splitKic(objects: readonly unknown[]): { kic: KicObjects; rest: unknown[] } {
  const kic = { consumers: [] as KicObject[], consumerGroups: [] as KicObject[], plugins: [] as KicObject[], clusterPlugins: [] as KicObject[], credentialSecrets: new Map<string, SecretObject>() };
  const rest: unknown[] = [];
  for (const raw of objects) {
    const o = raw as KicObject;
    if (isKicKind(o.apiVersion, o.kind)) {
      const list = { KongConsumer: kic.consumers, KongConsumerGroup: kic.consumerGroups, KongPlugin: kic.plugins, KongClusterPlugin: kic.clusterPlugins }[o.kind];
      list.push(o.kind === 'KongClusterPlugin' ? o : { ...o, metadata: { namespace: 'default', ...o.metadata } });
      continue;
    }
    if (o.apiVersion === 'v1' && o.kind === 'Secret' && o.metadata.labels?.[KIC_CREDENTIAL_LABEL] !== undefined) {
      kic.credentialSecrets.set(`${o.metadata.namespace ?? 'default'}/${o.metadata.name}`, o as SecretObject);
      continue;
    }
    rest.push(raw);
  }
  return { kic, rest };
}

describe('KIC resources golden files', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThanOrEqual(2));

  it.each(cases)('%s', (name) => {
    const docs = parseAllDocuments(readFileSync(join(dir, name, 'input.yaml'), 'utf8')).map((d) => d.toJS() as unknown).filter((o) => o !== null);
    const { kic, rest } = splitKic(docs);
    const { input, ignored } = inputFromObjects(rest);
    expect(ignored).toEqual([]);
    // As `controller --kic-resources`: Ingresses of class "kong" are served.
    const base = toResourceSet(input, { ingress: { classNames: ['kong'] } });
    const out = withKicResources(base, { kic, secrets: input.secrets, services: input.services, ...(input.ingresses !== undefined && { ingresses: input.ingresses }) }, { className: 'kong' });
    expectGolden(join(dir, name, 'expected.json'), JSON.stringify(out, bytesAsBase64, 2) + '\n');
  });
});
