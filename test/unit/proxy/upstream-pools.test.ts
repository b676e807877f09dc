import { afterEach, describe, expect, it } from 'vitest';
import { H2Upstream } from '../../../src/proxy/h2-upstream.js';
import { UpstreamPools } from '../../../src/proxy/upstream-pools.js';
import { makeUpstream } from '../../support/snapshot-fixtures.js';

let pools: UpstreamPools;
afterEach(async () => pools?.close());

describe('UpstreamPools', () => {
  it('one pool per origin and connect timeout, shared by snapshots, kept across swaps while used', () => {
    pools = new UpstreamPools();
    const a = makeUpstream([{ host: '127.0.0.1', port: 9 }]);
    const again = makeUpstream([{ host: '127.0.0.1', port: 9 }]); // the same service in a later snapshot
    const slowConnect = makeUpstream([{ host: '127.0.0.1', port: 9 }], { connectTimeoutMs: 9000 });
    const p = pools.get(a, a.targets[0]!);
    expect(pools.get(a, a.targets[0]!)).toBe(p);
    expect(pools.get(again, again.targets[0]!)).toBe(p);
    expect(pools.get(slowConnect, slowConnect.targets[0]!)).not.toBe(p);
    pools.retain([again]);
    expect(pools.get(again, again.targets[0]!)).toBe(p);
    expect(pools.size).toBe(1);
  });

  it('https: one pool per upstream and TLS settings, so new TLS material gets a new pool (docs/upstream-tls.md)', () => {
    pools = new UpstreamPools();
    const tls = (hash: string) => ({ verify: true, verifyDepth: 1, hash });
    const a = makeUpstream([{ host: '127.0.0.1', port: 9 }], { protocol: 'https', tls: tls('a') });
    const same = makeUpstream([{ host: '127.0.0.1', port: 9 }], { protocol: 'https', tls: tls('a') });
    const rotated = makeUpstream([{ host: '127.0.0.1', port: 9 }], { protocol: 'https', tls: tls('b') });
    const p = pools.get(a, a.targets[0]!);
    expect(pools.get(same, same.targets[0]!)).toBe(p);
    const q = pools.get(rotated, rotated.targets[0]!);
    expect(q).not.toBe(p);
    pools.retain([rotated]);
    expect(p.closed).toBe(true);
    expect(pools.size).toBe(1);
  });

  it('a pool closed by retain is never handed out again, also for a target seen before', () => {
    pools = new UpstreamPools();
    const a = makeUpstream([{ host: '127.0.0.1', port: 9 }]);
    const other = makeUpstream([{ host: '127.0.0.1', port: 10 }]);
    const p = pools.get(a, a.targets[0]!);
    pools.retain([other]); // a no longer live: its pool is closed
    expect(p.closed).toBe(true);
    const q = pools.get(a, a.targets[0]!); // an in-flight retry of the old snapshot
    expect(q).not.toBe(p);
    expect(q.closed).toBe(false);
  });

  it('grpc/grpcs upstreams get an HTTP/2 session pool, never the HTTP/1.1 pool of the same address', async () => {
    pools = new UpstreamPools();
    const plain = makeUpstream([{ host: '127.0.0.1', port: 9 }]);
    const grpc = makeUpstream([{ host: '127.0.0.1', port: 9 }], { protocol: 'grpc' });
    grpc.targets = [{ host: '127.0.0.1', port: 9, origin: 'grpc://127.0.0.1:9' }];
    const h1 = pools.get(plain, plain.targets[0]!);
    const h2 = pools.get(grpc, grpc.targets[0]!);
    expect(h2).toBeInstanceOf(H2Upstream);
    expect(h1).not.toBeInstanceOf(H2Upstream);
    expect(pools.size).toBe(2);
    pools.retain([plain]);
    expect(h2.closed).toBe(true);
  });
});
