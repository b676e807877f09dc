import { afterAll, beforeAll, expect, it } from 'vitest';
import type { GatewayProcess } from '../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../support/http.js';
import { eventually, startController, startKubeEnv, type KubeEnv } from '../support/controller-env.js';
import { route } from '../support/crs.js';

/**
 * The per-pod series the chart's alerts read (docs/observability.md), across two replicas on a
 * real API server: exactly one reports portcullis_leader 1 and the other takes over when it leaves
 * (PortcullisNoLeader / PortcullisMultipleLeaders); replicas that applied a different number of
 * snapshots report different versions but the same portcullis_snapshot_info hash, and the hashes
 * part when the replicas serve different configurations (PortcullisSnapshotDiverged).
 */
const LEASE = 'pod-metrics';
let env: KubeEnv;
let echo: EchoUpstream;
let ns: string;
const started: GatewayProcess[] = [];

async function series(gw: GatewayProcess): Promise<{ leader?: number; version?: number; hash?: string; ready?: number }> {
  const text = await (await fetch(`${gw.status}/metrics`)).text();
  const num = (re: RegExp) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : undefined;
  };
  return {
    leader: num(/^portcullis_leader (\S+)$/m),
    version: num(/^portcullis_snapshot_version (\S+)$/m),
    ready: num(/^portcullis_ready (\S+)$/m),
    hash: /^portcullis_snapshot_info\{hash="([0-9a-f]+)"\} 1$/m.exec(text)?.[1],
  };
}

async function replica(name: string, namespace = ns): Promise<GatewayProcess> {
  const gw = await startController(env, { namespace, args: ['--lease-name', LEASE], env: { POD_NAME: name, POD_NAMESPACE: ns } });
  started.push(gw);
  return gw;
}

beforeAll(async () => {
  env = await startKubeEnv();
  echo = await startEchoUpstream();
  ns = await env.namespace('podm');
  await env.apply(route(ns, 'one', { paths: ['/one'], backend: { url: echo.url } }));
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(started.map((g) => g.stop()));
  await env?.stop();
  await echo?.close();
});

it('one leader at a time; equal hashes for equal configurations whatever the versions; different hashes otherwise', async () => {
  const a = await replica('pod-a');
  await eventually(async () => (await series(a)).leader === 1, 20_000, 'pod-a to lead');
  // A second object after a's first snapshot: a is at version 2, b (started after) builds once.
  await env.apply(route(ns, 'two', { paths: ['/two'], backend: { url: echo.url } }));
  await eventually(async () => (await series(a)).version === 2, 20_000, 'pod-a at version 2');
  const b = await replica('pod-b');
  await eventually(async () => (await fetch(`${b.proxy}/two`)).status === 200, 20_000, 'pod-b to serve /two');

  const [sa, sb] = [await series(a), await series(b)];
  expect(sa).toMatchObject({ leader: 1, ready: 1, version: 2 });
  expect(sb).toMatchObject({ leader: 0, ready: 1, version: 1 });
  expect(sa.hash).toMatch(/^[0-9a-f]{16}$/);
  expect(sb.hash).toBe(sa.hash);

  // The leader leaves (SIGTERM releases the Lease): the other one reports itself leader.
  await a.stop();
  await eventually(async () => (await series(b)).leader === 1, 20_000, 'pod-b to take over');

  // A replica watching another namespace serves another configuration: another hash.
  const other = await env.namespace('podm-other');
  await env.apply(route(other, 'three', { paths: ['/three'], backend: { url: echo.url } }));
  const c = await replica('pod-c', other);
  await eventually(async () => (await fetch(`${c.proxy}/three`)).status === 200, 20_000, 'pod-c to serve /three');
  const sc = await series(c);
  expect(sc.hash).toMatch(/^[0-9a-f]{16}$/);
  expect(sc.hash).not.toBe(sb.hash);
});
