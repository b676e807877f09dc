// Item 4: the release rolled, a replica deleted and a gateway process SIGKILLed, each while a
// bounded keep-alive load runs through the NodePort. Readiness, the in-process shutdown delay,
// the drain and the PDB must together lose nothing on the first two.
import { describe, expect, it } from 'vitest';
import { chartDir, helm, kubectl, sleep, until } from '../support/context.js';
import { figures } from '../support/figures.js';
import { startLoad, type LoadResult } from '../support/load.js';
import { containerPid, isReady, podsOf, readyPods } from '../support/pods.js';
import { HELLO, walkthroughToken } from '../support/walkthrough.js';
import { GATEWAY_SELECTOR, RELEASE, RELEASE_NS, gatewayUrl, leaseHolder, podOfIdentity } from './controller.js';
import { brokenCredentialReported } from './status.js';

const summary = (r: LoadResult) => ({ requests: r.ok + r.failed, failed: r.failed, byCause: r.byCause, rate: r.rate, latencyMs: r.latencyMs });

/** Two Ready gateway pods and nothing else (old pods fully gone). */
const settled = () => readyPods(RELEASE_NS, GATEWAY_SELECTOR, 2, 180_000);

export function rolloutSuites(): void {
  describe('rollouts under load (item 4)', () => {
    const headers = { authorization: `Bearer ${walkthroughToken()}` };

    it('helm upgrade that rolls both pods: 0 failed requests', async () => {
      const before = (await settled()).map((p) => p.metadata!.name);
      const load = startLoad({ url: await gatewayUrl(), headers, expectBody: HELLO });
      await sleep(3_000);
      const t0 = Date.now();
      await helm(['upgrade', RELEASE, chartDir, '--namespace', RELEASE_NS, '--reuse-values', '--set-string', `podAnnotations.rolled=${t0}`, '--wait', '--timeout', '4m'], { timeoutMs: 300_000 });
      const after = await settled();
      const rolloutMs = Date.now() - t0;
      await sleep(2_000);
      const result = await load.stop();
      figures['helm upgrade rollout under load'] = { rolloutMs, ...summary(result) };
      expect(after.map((p) => p.metadata!.name).filter((n) => before.includes(n!))).toEqual([]); // both replaced
      expect(result.ok).toBeGreaterThan(1_000);
      expect(result.byCause).toEqual({});
    }, 360_000);

    it('kubectl delete pod of one replica: 0 failed requests', async () => {
      const [victim] = await settled();
      const load = startLoad({ url: await gatewayUrl(), headers, expectBody: HELLO });
      await sleep(3_000);
      const t0 = Date.now();
      await kubectl(['delete', 'pod', victim!.metadata!.name!, '-n', RELEASE_NS, '--wait=true'], { timeoutMs: 120_000 });
      await settled();
      const replacedMs = Date.now() - t0;
      await sleep(2_000);
      const result = await load.stop();
      figures['kubectl delete pod under load'] = { replacedMs, ...summary(result) };
      expect(result.ok).toBeGreaterThan(1_000);
      expect(result.byCause).toEqual({});
    }, 240_000);

    it('kill -9 of the leader\'s gateway process: failures counted, service and the Lease recover, status writes continue', async () => {
      const pods = await settled();
      const holder = await leaseHolder();
      const leader = pods.find((p) => p.metadata!.name === podOfIdentity(holder))!;
      const survivor = pods.find((p) => p !== leader)!;
      const load = startLoad({ url: await gatewayUrl(), headers, expectBody: HELLO });
      await sleep(3_000);
      const pid = await containerPid(leader);
      const killedAt = Date.now();
      process.kill(pid, 'SIGKILL');

      const newHolder = await until(async () => { const h = await leaseHolder(); return h !== holder ? h : undefined; }, 60_000, 'the Lease to move');
      const leaseMovedMs = Date.now() - killedAt;
      // The container restarts in place (restartPolicy Always) and goes Ready again.
      await until(async () => {
        const again = (await podsOf(RELEASE_NS, GATEWAY_SELECTOR)).find((p) => p.metadata!.uid === leader.metadata!.uid);
        return again && isReady(again) && again.status!.containerStatuses![0]!.restartCount === 1;
      }, 120_000, 'the killed replica to restart and go Ready');
      const readyAgainMs = Date.now() - killedAt;
      await sleep(3_000);
      const result = await load.stop();
      const lastFailure = result.failures.at(-1)?.at;
      figures['kill -9 of the leader under load'] = {
        ...summary(result),
        serviceRecoveredMs: lastFailure === undefined ? 0 : lastFailure - killedAt,
        killedReplicaReadyAgainMs: readyAgainMs,
        leaseMovedMs,
        leaseTakenBy: podOfIdentity(newHolder) === survivor.metadata!.name ? 'the surviving replica' : 'the restarted replica (new identity)',
      };
      expect(newHolder).not.toBe(holder);
      expect([leader.metadata!.name, survivor.metadata!.name]).toContain(podOfIdentity(newHolder));
      // Every failure happened around the kill, none after the replica came back.
      for (const f of result.failures) expect(f.at).toBeLessThan(killedAt + readyAgainMs);
      // The new leader writes status: a broken credential gets its condition and Event.
      const reporter = await brokenCredentialReported('kill9-broken');
      expect(podOfIdentity(reporter)).toBe(podOfIdentity(await leaseHolder()));
    }, 300_000);
  });
}
