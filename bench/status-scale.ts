/**
 * Status at scale and the controller's request rate, against a local harness control plane (with
 * an audit log) and the real CLI (dist/cli.js; `npm run build` first). Figures in
 * docs/controller-scale.md.
 *  1. BENCH_OBJECTS (10,000) new KongConsumers created in a burst: how long until every one has
 *     its status (the API server's audit log: status PATCHes with the gateway's User-Agent), the
 *     writes per second, and how many rebuilds that took (portcullis_kube_rebuilds_total: status
 *     writes must not add any).
 *  2. Requests per minute the gateway makes in steady state (BENCH_IDLE_SECONDS, default 60), and in
 *     the minute after an API-server restart, by verb and resource, from the audit log.
 * Runs under vitest for the harness's TypeScript (its own config; not part of `npm test`):
 *   npm run build && npx vitest run --config bench/vitest.status-scale.config.ts
 * BENCH_QPS / BENCH_BURST set --api-write-qps / --api-write-burst.
 */
import { open } from 'node:fs/promises';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { it } from 'vitest';
import { UserAgentKubeConfig } from '../src/sources/kube/kube-config.js';
import { startController, startKubeEnv, GROUP, VERSION, type KubeEnv } from '../test/support/controller-env.js';
import type { GatewayProcess } from '../test/support/gateway-process.js';

const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 10_000);
const IDLE_S = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const CONCURRENCY = 32;
const UA = 'portcullis-controller';

interface Req {
  verb: string;
  resource: string;
  subresource?: string;
  at: number;
  ours: boolean;
}

/** Reads the audit log incrementally (it grows to tens of MB): each request once, by auditID. */
class AuditTail {
  #offset = 0;
  #partial = '';
  readonly #seen = new Set<string>();
  readonly requests: Req[] = [];
  constructor(private readonly path: string) {}
  async poll(): Promise<void> {
    const fh = await open(this.path, 'r').catch(() => undefined);
    if (!fh) return;
    try {
      const { size } = await fh.stat();
      if (size <= this.#offset) return;
      const buf = Buffer.alloc(size - this.#offset);
      await fh.read(buf, 0, buf.length, this.#offset);
      this.#offset = size;
      const lines = (this.#partial + buf.toString('utf8')).split('\n');
      this.#partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const e = JSON.parse(line);
        if (this.#seen.has(e.auditID)) continue;
        this.#seen.add(e.auditID);
        this.requests.push({
          verb: e.verb,
          resource: e.objectRef?.resource ?? e.requestURI,
          ...(e.objectRef?.subresource && { subresource: e.objectRef.subresource }),
          at: Date.parse(e.requestReceivedTimestamp),
          ours: typeof e.userAgent === 'string' && e.userAgent.startsWith(UA),
        });
      }
    } finally {
      await fh.close();
    }
  }
}

async function metric(gw: GatewayProcess, name: string): Promise<number> {
  const text = await (await fetch(`${gw.status}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(name)).reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

function byVerb(reqs: Req[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of reqs) {
    const k = `${r.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}

async function createConsumers(env: KubeEnv, ns: string, n: number): Promise<void> {
  // Keep-alive connections and an agent of its own, so creates are not the bottleneck and are not
  // counted as the gateway's.
  const kc = new UserAgentKubeConfig('status-bench');
  kc.loadFromFile(env.cp.kubeconfigPath);
  const custom = kc.makeApiClient(CustomObjectsApi);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const name = `c${String(i).padStart(5, '0')}`;
      await custom.createNamespacedCustomObject({
        group: GROUP, version: VERSION, namespace: ns, plural: 'kongconsumers',
        body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'KongConsumer', metadata: { name, namespace: ns }, spec: { username: name } },
      });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

it('status for a burst of new objects; requests per minute, steady and after an API-server restart', async () => {
  const env = await startKubeEnv({ audit: true });
  const audit = new AuditTail(env.cp.auditLogPath!);
  const ns = await env.namespace('status-bench');
  const args = ['--lease-name', 'status-bench'];
  if (process.env.BENCH_QPS) args.push('--api-write-qps', process.env.BENCH_QPS);
  if (process.env.BENCH_BURST) args.push('--api-write-burst', process.env.BENCH_BURST);
  const gw = await startController(env, { namespace: ns, args });
  try {
    // Leader first, so every status is written by this run.
    for (let i = 0; i < 100 && (await metric(gw, 'portcullis_leader ')) !== 1; i++) await new Promise((r) => setTimeout(r, 200));
    await audit.poll();
    const rebuildsBefore = await metric(gw, 'portcullis_kube_rebuilds_total');

    const t0 = Date.now();
    await createConsumers(env, ns, OBJECTS);
    const lastCreate = Date.now();
    // Status writes after this point must add no rebuild (the last creates' coalesced one aside).
    const rebuildsAtLastCreate = await metric(gw, 'portcullis_kube_rebuilds_total');
    const patches = () => audit.requests.filter((r) => r.ours && r.verb === 'patch' && r.subresource === 'status' && r.resource === 'kongconsumers' && r.at >= t0);
    let done = 0;
    const deadline = Date.now() + 10 * 60_000;
    while (Date.now() < deadline) {
      await audit.poll();
      done = patches().length;
      if (done >= OBJECTS) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const ps = patches();
    const first = Math.min(...ps.map((r) => r.at));
    const last = Math.max(...ps.map((r) => r.at));
    const rebuildsDuring = (await metric(gw, 'portcullis_kube_rebuilds_total')) - rebuildsBefore;
    const status = {
      objects: OBJECTS,
      createSeconds: (lastCreate - t0) / 1000,
      statusesWritten: ps.length,
      allWrittenSecondsAfterLastCreate: (last - lastCreate) / 1000,
      allWrittenSecondsAfterFirstCreate: (last - t0) / 1000,
      writesPerSecond: Math.round((ps.length / Math.max(1, last - first)) * 1000),
      rebuilds: rebuildsDuring,
      rebuildsAfterLastCreate: (await metric(gw, 'portcullis_kube_rebuilds_total')) - rebuildsAtLastCreate,
    };
    process.stderr.write(`[status-scale] ${JSON.stringify(status)}\n`);

    // Steady state: nothing changes for IDLE_S.
    await new Promise((r) => setTimeout(r, 5_000));
    await audit.poll();
    const idleFrom = Date.now();
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    await audit.poll();
    const idle = audit.requests.filter((r) => r.ours && r.at >= idleFrom && r.at < idleFrom + IDLE_S * 1000);
    const perMinute = (n: number) => Math.round((n * 60) / IDLE_S);
    process.stderr.write(`[status-scale] steady state: ${perMinute(idle.length)} requests/min ${JSON.stringify(byVerb(idle))}\n`);

    // The minute after an API-server restart (1 s down).
    const restartAt = Date.now();
    await env.cp.restartApiServer(1_000);
    const upAt = Date.now();
    await new Promise((r) => setTimeout(r, 60_000));
    await audit.poll();
    const after = audit.requests.filter((r) => r.ours && r.at >= restartAt && r.at < upAt + 60_000);
    process.stderr.write(
      `[status-scale] minute after restart (down ${((upAt - restartAt) / 1000).toFixed(1)} s): ${after.length} requests ${JSON.stringify(byVerb(after))}\n`,
    );
    process.stderr.write(
      `[status-scale] relists after restart: ${JSON.stringify({ gone: await metric(gw, 'portcullis_kube_relists_total{resource="kongconsumers",reason="gone"}') })}\n`,
    );
  } finally {
    await gw.stop();
    await env.stop();
  }
});
