import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../support/gateway-process.js';
import {
  condition,
  eventually,
  getCustom,
  GROUP,
  startController,
  startKubeEnv,
  VERSION,
  type CrdPlural,
  type CustomResource,
  type KubeEnv,
} from '../support/controller-env.js';
import { consumer, credential, join, route, secret } from '../support/crs.js';

/**
 * `status.observedGeneration` (top level, as `kubectl wait --for=jsonpath=…` and Argo CD read it)
 * is the metadata.generation of the spec the status describes, on every kind, for a Programmed
 * object and a failing one alike; a spec change bumps the generation and the status follows.
 */
let env: KubeEnv;
let gw: GatewayProcess;
let ns: string;

beforeAll(async () => {
  env = await startKubeEnv();
  ns = await env.namespace('gen');
  gw = await startController(env, { namespace: ns, args: ['--lease-name', 'status-generation'] });
  await env.apply(
    join(
      consumer(ns, 'alice'),
      secret(ns, 'alice-jwt', { secret: 'alice-secret' }),
      credential(ns, 'alice-hs', { consumer: 'alice', key: `${ns}-alice`, secretName: 'alice-jwt' }),
      // Fails (SecretNotFound): its status is written all the same.
      credential(ns, 'orphan', { consumer: 'alice', key: `${ns}-orphan`, secretName: 'missing' }),
      route(ns, 'api', { paths: ['/api'], backend: { url: 'http://127.0.0.1:9' }, jwt: true }),
    ),
  );
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await env?.stop();
});

const OBJECTS: Array<[CrdPlural, string, 'True' | 'False']> = [
  ['kongconsumers', 'alice', 'True'],
  ['jwtcredentials', 'alice-hs', 'True'],
  ['jwtcredentials', 'orphan', 'False'],
  ['routes', 'api', 'True'],
];

/** The object once its status describes generation `generation` (or its current one). */
async function statusFor(plural: CrdPlural, name: string, generation?: number): Promise<CustomResource> {
  return eventually(
    async () => {
      const o = await getCustom(env, plural, ns, name);
      const want = generation ?? o.metadata.generation;
      return o.metadata.generation === want && o.status?.observedGeneration === want ? o : undefined;
    },
    15_000,
    `${plural}/${name} status.observedGeneration == ${generation ?? 'metadata.generation'}`,
  );
}

describe('status.observedGeneration', () => {
  it.each(OBJECTS)('%s/%s: equals metadata.generation once the status is written', async (plural, name, programmed) => {
    const o = await statusFor(plural, name);
    expect(o.status!.observedGeneration).toBe(o.metadata.generation);
    expect(condition(o, 'Programmed')).toMatchObject({ status: programmed, observedGeneration: o.metadata.generation });
  });

  it.each<[CrdPlural, string, Record<string, unknown>]>([
    ['kongconsumers', 'alice', { customId: 'alice-7' }],
    ['jwtcredentials', 'orphan', { key: 'orphan-renamed' }],
    ['routes', 'api', { paths: ['/api', '/v2'] }],
  ])('%s/%s: follows a spec change', async (plural, name, change) => {
    const before = await statusFor(plural, name);
    const g = before.metadata.generation!;
    await mergePatch(plural, name, { spec: change });
    const after = await statusFor(plural, name, g + 1);
    expect(after.status!.observedGeneration).toBe(g + 1);
    for (const c of after.status!.conditions ?? []) expect(c.observedGeneration, c.type).toBe(g + 1);
  });

  it('is added to a status that lacks it (written by an older version), conditions unchanged', async () => {
    const before = await statusFor('routes', 'api');
    const stripped = await mergePatch('routes', 'api', { status: { observedGeneration: null } }, 'status');
    expect(stripped.status?.observedGeneration).toBeUndefined();
    const after = await statusFor('routes', 'api', before.metadata.generation);
    expect(after.status!.conditions!.map((c) => [c.type, c.status, c.reason])).toEqual(before.status!.conditions!.map((c) => [c.type, c.status, c.reason]));
  });
});

async function mergePatch(plural: CrdPlural, name: string, body: object, subresource?: 'status'): Promise<CustomResource> {
  const opts = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const req = { group: GROUP, version: VERSION, plural, namespace: ns, name, body };
  return (await (subresource ? env.custom.patchNamespacedCustomObjectStatus(req, opts) : env.custom.patchNamespacedCustomObject(req, opts))) as CustomResource;
}
