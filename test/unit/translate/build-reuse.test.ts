import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import { formatDiagnostic } from '../../../src/model/diagnostics.js';
import { ConversionMemo } from '../../../src/sources/kube/conversion-memo.js';
import { groupEndpointSlices } from '../../../src/sources/kube/kube-objects.js';
import { ObjectCache } from '../../../src/sources/kube/object-cache.js';
import { toResourceSet } from '../../../src/sources/kube/to-resource-set.js';
import type { ToResourceSetInput } from '../../../src/sources/kube/types.js';
import { BuildReuse } from '../../../src/translate/build-reuse.js';
import { ResourceHasher } from '../../../src/translate/resource-hash.js';
import { hashResources, translate } from '../../../src/translate/translate.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import { mintToken } from '../../../src/tokens/mint.js';

/**
 * DIFFERENTIAL: the controller's incremental rebuild (watch caches → ConversionMemo → ResourceHasher
 * → translate with BuildReuse) must give what a full rebuild of the same objects gives, after every
 * step of seeded random change sequences over a small world where names, usernames, keys, kids and
 * paths collide often (duplicates, key conflicts, route conflicts, missing Secrets and Services,
 * invalid specs, status-only updates, relists).
 */

const NS = ['a', 'b'];
const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const TIMES = ['2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', '2026-01-02T00:00:00Z'];

type Kind = 'consumer' | 'credential' | 'secret' | 'route' | 'service' | 'slice';
type Change =
  | { op: 'upsert'; kind: Kind; ns: string; name: string; body: Record<string, unknown>; created: string }
  | { op: 'delete'; kind: Kind; ns: string; name: string }
  | { op: 'touch'; kind: Kind; ns: string; name: string }
  | { op: 'relist' };

// Mostly valid objects (so credentials authenticate and conflicts are the exception), with some
// collisions and invalid ones.
const consumerSpec = (name: string) =>
  fc.oneof(
    { arbitrary: fc.constant({ username: `u-${name}` }), weight: 6 },
    { arbitrary: fc.record({ username: pick(['u0', 'u1']) }), weight: 1 },
    { arbitrary: fc.record({ customId: pick(['x0', 'x1']) }), weight: 1 },
    { arbitrary: fc.constant({}), weight: 1 }, // invalid: neither username nor customId
  );
const credentialSpec = fc.record(
  {
    consumerRef: fc.record({ name: pick(['c0', 'c1', 'c2', 'c3']) }),
    key: pick(['k0', 'k1', 'k2', 'k3']),
    algorithm: fc.constant('HS256'),
    secretRef: fc.record({ name: pick(['s0', 's1', 's2']), key: fc.oneof({ arbitrary: fc.constant('secret'), weight: 5 }, { arbitrary: fc.constant('other'), weight: 1 }) }),
    kid: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: pick(['kid0', 'kid1']), weight: 1 }),
  },
  { requiredKeys: ['consumerRef', 'key', 'algorithm', 'secretRef'] },
).map(({ kid, ...spec }) => (kid === undefined ? spec : { ...spec, kid }));
const secretValue = fc.oneof({ arbitrary: pick(['c2VjcmV0', 'b3RoZXI=']), weight: 6 }, { arbitrary: pick(['bm90LWI2NA', '!!']), weight: 1 });
const routeSpec = fc.record(
  {
    paths: fc.subarray(['/p0', '/p1', '/p2', '/p0/x'], { minLength: 1 }),
    hosts: fc.subarray(['h0.example', 'h1.example'], { minLength: 1 }),
    backend: fc.oneof(fc.constant({ url: 'http://127.0.0.1:9' }), fc.record({ service: fc.record({ name: pick(['svc0', 'svc1']), port: pick([80, 'http']) }) })),
    plugins: fc.oneof(
      fc.constant(undefined),
      fc.constant({ jwt: {} }),
      fc.record({ jwt: fc.record({ anonymous: pick(['c0', 'c9']) }) }),
      fc.constant({ jwt: { secretIsBase64: true } }),
      fc.constant({ jwt: { realm: '' } }), // invalid plugin config: fails closed
    ),
  },
  { requiredKeys: ['paths', 'backend'] },
).map((s) => (s.plugins === undefined ? { ...s, plugins: undefined } : s));

const change: fc.Arbitrary<Change> = fc.oneof(
  pick(['c0', 'c1', 'c2', 'c3']).chain((name) =>
    fc.record({ op: fc.constant('upsert' as const), kind: fc.constant('consumer' as const), ns: pick(NS), name: fc.constant(name), body: consumerSpec(name).map((spec) => ({ spec })), created: pick(TIMES) }),
  ),
  fc.record({ op: fc.constant('upsert' as const), kind: fc.constant('credential' as const), ns: pick(NS), name: pick(['j0', 'j1', 'j2', 'j3', 'j4']), body: credentialSpec.map((spec) => ({ spec })), created: pick(TIMES) }),
  fc.record({
    op: fc.constant('upsert' as const),
    kind: fc.constant('secret' as const),
    ns: pick(NS),
    name: pick(['s0', 's1', 's2']),
    body: fc.oneof(
      { arbitrary: secretValue.map((v) => ({ data: { secret: v } })), weight: 5 },
      { arbitrary: fc.record({ data: fc.dictionary(pick(['secret', 'other']), secretValue) }), weight: 1 },
    ),
    created: pick(TIMES),
  }),
  fc.record({ op: fc.constant('upsert' as const), kind: fc.constant('route' as const), ns: pick(NS), name: pick(['r0', 'r1', 'r2', 'r3']), body: routeSpec.map((spec) => ({ spec })), created: pick(TIMES) }),
  fc.record({
    op: fc.constant('upsert' as const),
    kind: fc.constant('service' as const),
    ns: pick(NS),
    name: pick(['svc0', 'svc1']),
    body: fc.record({ spec: fc.record({ ports: fc.subarray([{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'grpc', port: 81, protocol: 'TCP' }]) }) }),
    created: pick(TIMES),
  }),
  fc.record({
    op: fc.constant('upsert' as const),
    kind: fc.constant('slice' as const),
    ns: pick(NS),
    name: pick(['svc0-a', 'svc1-a']),
    body: fc.record({ ready: fc.boolean(), ip: pick(['10.0.0.1', '10.0.0.2']) }).map(({ ready, ip }) => ({
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: [{ addresses: [ip], conditions: { ready } }],
    })),
    created: pick(TIMES),
  }),
  fc.record({ op: fc.constant('delete' as const), kind: pick<Kind>(['consumer', 'credential', 'secret', 'route', 'service', 'slice']), ns: pick(NS), name: pick(['c0', 'c1', 'j0', 'j1', 'j2', 's0', 's1', 'r0', 'r1', 'svc0', 'svc0-a']) }),
  fc.record({ op: fc.constant('touch' as const), kind: pick<Kind>(['consumer', 'credential', 'secret', 'route']), ns: pick(NS), name: pick(['c0', 'c1', 'j0', 'j1', 's0', 'r0']) }),
  fc.constant({ op: 'relist' as const }),
);

const KINDS: Record<Kind, { apiVersion: string; kind: string }> = {
  consumer: { apiVersion: 'portcullis.dev/v1alpha1', kind: 'KongConsumer' },
  credential: { apiVersion: 'portcullis.dev/v1alpha1', kind: 'JwtCredential' },
  route: { apiVersion: 'portcullis.dev/v1alpha1', kind: 'Route' },
  secret: { apiVersion: 'v1', kind: 'Secret' },
  service: { apiVersion: 'v1', kind: 'Service' },
  slice: { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' },
};

/** The watch caches, fed like the watcher feeds them (fresh objects per event, as parsed JSON). */
class World {
  caches = Object.fromEntries(Object.keys(KINDS).map((k) => [k, new ObjectCache<KubernetesObject>()])) as Record<Kind, ObjectCache<KubernetesObject>>;
  /** What the API server holds, to relist from. */
  server = new Map<string, KubernetesObject>();
  #rv = 1;

  apply(c: Change): void {
    if (c.op === 'relist') {
      for (const kind of Object.keys(KINDS) as Kind[]) {
        const list = [...this.server.entries()].filter(([k]) => k.startsWith(`${kind}|`)).map(([, o]) => clone(o));
        this.caches[kind].replaceAll(list);
      }
      return;
    }
    const key = `${c.kind}|${c.ns}/${c.name}`;
    if (c.op === 'delete') {
      const held = this.server.get(key);
      if (held === undefined) return;
      this.server.delete(key);
      this.caches[c.kind].delete(clone(held));
      return;
    }
    const prev = this.server.get(key);
    let obj: KubernetesObject;
    if (c.op === 'touch') {
      // A status-only write: same content, new resourceVersion.
      if (prev === undefined) return;
      obj = { ...clone(prev), metadata: { ...clone(prev).metadata, resourceVersion: String(this.#rv++) } };
    } else {
      const labels = c.kind === 'secret' ? { 'portcullis.dev/credential': 'true' } : c.kind === 'slice' ? { 'kubernetes.io/service-name': c.name.replace(/-a$/, '') } : undefined;
      obj = {
        ...KINDS[c.kind],
        metadata: {
          name: c.name,
          namespace: c.ns,
          uid: prev?.metadata?.uid ?? `uid-${this.#rv}`,
          resourceVersion: String(this.#rv++),
          generation: 1,
          creationTimestamp: (prev?.metadata?.creationTimestamp as unknown as string | undefined) ?? c.created,
          ...(labels !== undefined && { labels }),
        } as unknown as KubernetesObject['metadata'],
        ...(JSON.parse(JSON.stringify(c.body)) as object),
      };
    }
    this.server.set(key, clone(obj));
    this.caches[c.kind].upsert(obj);
  }

  objects(): ToResourceSetInput {
    const c = this.caches;
    return {
      consumers: c.consumer.sortedValues() as never,
      credentials: c.credential.sortedValues() as never,
      routes: c.route.sortedValues() as never,
      secrets: new Map(c.secret.entries()) as never,
      services: new Map(c.service.entries()) as never,
      endpointSlices: groupEndpointSlices(c.slice.values()) as never,
    };
  }
}

const clone = <T>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

const REQUESTS = ['/p0', '/p1', '/p2', '/p0/x', '/none'].flatMap((path) => ['h0.example', 'h1.example'].map((host) => ({ path, host })));

const NOW = 1_800_000_000;
/** A token per key, secret (the values the Secrets may hold: 'secret', 'other') and kid. */
const TOKENS = ['k0', 'k1', 'k2', 'k3'].flatMap((key) =>
  ['secret', 'other', Buffer.from('secret').toString('base64')].flatMap((secret) =>
    [undefined, 'kid0'].map((kid) => mintToken({ algorithm: 'HS256', key, secret, now: NOW, expiresInSeconds: 600, ...(kid !== undefined && { header: { kid } }) })),
  ),
);

/** What a snapshot does, independent of object identity. */
function behaviour(s: Snapshot) {
  return {
    diagnostics: s.diagnostics.map((d) => `${d.severity} ${d.reason} ${formatDiagnostic(d)}`),
    consumers: s.consumers.map((c) => [c.id, c.username, c.customId, c.ref.namespace, c.ref.name, c.upstreamHeaders]),
    credentials: s.credentials.all.map((c) => [c.id, c.key, c.kid, c.consumer.id, c.algorithm, c.hmacKey?.export().toString('hex'), c.hmacKeyFromBase64 === null ? null : c.hmacKeyFromBase64?.export().toString('hex')]),
    byKey: [...s.credentials.byKey].map(([k, c]) => [k, c.id, c.kidTable ? [...c.kidTable.byKid.keys()].sort().join(',') + `|${c.kidTable.fallback?.id ?? ''}` : '']),
    routes: s.routes.map((r) => [r.id, r.name, r.label, r.pluginError, r.upstream.id, r.upstream.targets.map((t) => t.origin), r.auth?.pluginId, r.auth?.config]),
    matches: REQUESTS.map(({ path, host }) => s.router.match({ method: 'GET', host, path, header: () => undefined })?.route.id ?? null),
    // Every jwt plugin instance authenticates against this snapshot's credentials, not an earlier one's.
    auth: s.routes.map((r) =>
      TOKENS.map((t) => {
        const o = r.auth?.authenticate({ method: 'GET', rawHeaders: ['authorization', `Bearer ${t}`], rawQuery: '' }, NOW + 1);
        if (o === undefined) return 'public';
        if (o.kind === 'authenticated') return `ok ${o.credential.id} ${o.consumer.id}`;
        if (o.kind === 'anonymous') return `anonymous ${o.consumer.id}`;
        return o.kind === 'rejected' ? `${o.status} ${o.reason}` : o.kind;
      }),
    ),
  };
}

/** Where each sequence starts: a working world in both namespaces (consumers, Secrets, credentials, a jwt route). */
const BASELINE: Change[] = NS.flatMap((ns) => [
  ...['c0', 'c1', 'c2', 'c3'].map((name): Change => ({ op: 'upsert', kind: 'consumer', ns, name, body: { spec: { username: `u-${name}` } }, created: TIMES[0]! })),
  ...['s0', 's1'].map((name, i): Change => ({ op: 'upsert', kind: 'secret', ns, name, body: { data: { secret: i === 0 ? 'c2VjcmV0' : 'b3RoZXI=' } }, created: TIMES[0]! })),
  ...['j0', 'j1', 'j2'].map((name, i): Change => ({
    op: 'upsert', kind: 'credential', ns, name, created: TIMES[ns === 'a' ? 0 : 1]!,
    body: { spec: { consumerRef: { name: `c${i}` }, key: `k${i}`, algorithm: 'HS256', secretRef: { name: `s${i % 2}`, key: 'secret' } } },
  })),
  { op: 'upsert', kind: 'route', ns, name: 'r0', body: { spec: { paths: [`/p${ns === 'a' ? 0 : 1}`], backend: { url: 'http://127.0.0.1:9' }, plugins: { jwt: {} } } }, created: TIMES[0]! },
]);

describe('incremental rebuilds (controller) == full rebuilds', () => {
  it('after every step of seeded random change sequences', () => {
    let reusedStages = 0;
    let skippedAsUnchanged = 0;
    let accepted = 0;
    let relinked = 0;
    fc.assert(
      fc.property(fc.array(change, { minLength: 1, maxLength: 40, size: 'medium' }), (changes) => {
        const world = new World();
        for (const c of BASELINE) world.apply(c);
        const memo = new ConversionMemo();
        const hasher = new ResourceHasher();
        const reuse = new BuildReuse();
        let prevIncremental: string | undefined;
        let prevFull: string | undefined;
        let version = 0;
        for (const c of changes) {
          world.apply(c);
          const objects = world.objects();
          const incremental = toResourceSet(objects, { memo });
          const full = toResourceSet(objects);
          const hi = hasher.hash(incremental);
          const hf = hashResources(full);
          // Same decisions about "nothing changed": the full hash is the reference.
          expect(hi === prevIncremental).toBe(hf === prevFull);
          expect(hashResources(incremental)).toBe(hf);
          if (hi === prevIncremental) skippedAsUnchanged++;
          prevIncremental = hi;
          prevFull = hf;
          const a = translate(incremental, ++version, hi, { reuse });
          reusedStages += reuse.last.reused.length;
          if (reuse.last.rebuilt.includes('route plugins')) relinked++;
          const b = translate(full, version, hf);
          const seen = behaviour(a);
          accepted += seen.auth.flat().filter((o) => o.startsWith('ok')).length;
          expect(seen).toEqual(behaviour(b));
        }
      }),
      { seed: 1717, numRuns: 50 },
    );
    // The comparison is not vacuous: stages were reused and unchanged rebuilds recognised, and
    // tokens were accepted (by plugin instances relinked to a new key index, too).
    expect(accepted).toBeGreaterThan(100);
    expect(relinked).toBeGreaterThan(10);
    expect(reusedStages).toBeGreaterThan(100);
    expect(skippedAsUnchanged).toBeGreaterThan(10);
  }, 180_000);
});
