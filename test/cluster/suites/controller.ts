// Items 1 and 2 of the cluster tests, and the apply → enforced figure: the chart installed with its
// defaults (only the image pointed at the local one and the Service made a NodePort, since there is
// no load balancer), then the seed walkthrough applied with kubectl and called through kube-proxy.
import { readFile } from 'node:fs/promises';
import { CoordinationV1Api, type V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { applyManifests } from '../../harness/kube.js';
import { chartDir, cluster, helm, kubeConfig, kubectl, localImageSets, until } from '../support/context.js';
import { figures, quantiles } from '../support/figures.js';
import { containerPid, podLogs, podsOf, readyPods } from '../support/pods.js';
import { DEMO_NS, HELLO, UPSTREAM_SELECTOR, call, nodePort, untilStatus, walkthroughToken, walkthroughYaml } from '../support/walkthrough.js';

export const RELEASE = 'portcullis';
export const RELEASE_NS = 'portcullis';
export const GATEWAY_SELECTOR = `app.kubernetes.io/instance=${RELEASE}`;

export const leaseHolder = async (namespace = RELEASE_NS, name = `${RELEASE}-leader`): Promise<string> =>
  (await kubeConfig().makeApiClient(CoordinationV1Api).readNamespacedLease({ name, namespace })).spec?.holderIdentity ?? '';
/** The pod a leader identity (`<pod>_<8 hex>`) belongs to. */
export const podOfIdentity = (identity: string) => identity.replace(/_[0-9a-f]{8}$/, '');

export async function gatewayUrl(path = '/api'): Promise<string> {
  return `http://${cluster().nodeIp}:${await nodePort(RELEASE_NS, RELEASE)}${path}`;
}

/** Lines of a pod's log that mention an authorization failure against the API server. */
export const forbiddenLines = (log: string) => log.split('\n').filter((l) => /forbidden|unauthorized/i.test(l) && !/"msg":"request"/.test(l));

async function hostProcess(pod: V1Pod): Promise<{ uid: string; rootMount: string; environ: string[] }> {
  const pid = await containerPid(pod);
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const mounts = await readFile(`/proc/${pid}/mounts`, 'utf8');
  const environ = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0').map((e) => e.split('=')[0]!);
  return {
    uid: /^Uid:\s+(\d+)/m.exec(status)![1]!,
    rootMount: mounts.split('\n').filter((l) => l.split(' ')[1] === '/').at(-1) ?? '',
    environ,
  };
}

export function controllerSuites(): void {
  describe('helm install with defaults (item 1)', () => {
    it('both replicas go Ready through their probes, as the non-root user on a read-only root, authenticated by the projected token', async () => {
      const t0 = Date.now();
      await helm(['install', RELEASE, chartDir, '--namespace', RELEASE_NS, '--create-namespace', ...localImageSets(), '--set', 'service.type=NodePort', '--wait', '--timeout', '3m']);
      figures['helm install → 2 replicas Ready (ms)'] = Date.now() - t0;

      const pods = await readyPods(RELEASE_NS, GATEWAY_SELECTOR, 2, 10_000);
      for (const pod of pods) {
        const status = pod.status!.containerStatuses![0]!;
        expect(status.ready).toBe(true);
        expect(status.restartCount).toBe(0);
        // What the kernel says about the running gateway, not what the spec asks for.
        const proc = await hostProcess(pod);
        expect(proc.uid).toBe('10001');
        expect(proc.rootMount.split(' ')[3]!.split(',')).toContain('ro');
        // In-cluster config: the automounted projected token, no kubeconfig anywhere.
        expect(proc.environ).not.toContain('KUBECONFIG');
        expect(pod.spec!.containers[0]!.args).not.toContain('--kubeconfig');
        const tokenVolume = pod.spec!.volumes!.find((v) => v.name.startsWith('kube-api-access-'));
        expect(tokenVolume?.projected?.sources?.some((s) => s.serviceAccountToken)).toBe(true);
        expect(pod.spec!.serviceAccountName).toBe(RELEASE);
      }
      // One replica holds the Lease, through that token.
      const holder = await until(leaseHolder, 30_000, 'a Lease holder');
      expect(pods.map((p) => p.metadata!.name)).toContain(podOfIdentity(holder));
      for (const pod of pods) expect(forbiddenLines(await podLogs(RELEASE_NS, pod.metadata!.name!))).toEqual([]);
    }, 240_000);
  });

  describe('the seed walkthrough in the cluster (item 2)', () => {
    const token = walkthroughToken();

    it('kubectl apply -f: 401 without a token, 200 Hello world! with one, X-Consumer-* at the upstream, spread over both upstream pods', async () => {
      await kubectl(['apply', '-f', '-'], { input: walkthroughYaml(2) });
      await readyPods(DEMO_NS, UPSTREAM_SELECTOR, 2);
      const url = await gatewayUrl();
      const unauthorized = await untilStatus(url, 401, {}, 30_000);
      expect(JSON.parse(unauthorized.body)).toEqual({ message: 'Unauthorized' });

      const marker = `walkthrough-${Date.now()}`;
      const upstreams = await podsOf(DEMO_NS, UPSTREAM_SELECTOR);
      const logged = async () => Promise.all(upstreams.map(async (p) =>
        (await podLogs(DEMO_NS, p.metadata!.name!)).split('\n').filter((l) => l.includes(marker)).map((l) => JSON.parse(l) as { headers: Record<string, string> })));
      // Both pods are Ready, but the second one's endpoint can reach the gateway's snapshot a moment
      // later than the first's: send rounds of 20 until both pods have served (or 60 s pass).
      let sent = 0;
      let seen: Array<Array<{ headers: Record<string, string> }>> = [];
      const deadline = Date.now() + 60_000;
      do {
        for (let i = 0; i < 20; i++, sent++) {
          const a = await call(`${url}?${marker}=${sent}`, { authorization: `Bearer ${token}` });
          expect(a.status).toBe(200);
          expect(a.body).toBe(HELLO);
        }
        // Container logs reach the kubelet's files a moment after the upstream wrote them.
        seen = await until(async () => { const s = await logged(); return s.flat().length === sent ? s : undefined; }, 20_000, `the ${sent} requests in the upstream pods' logs`);
      } while (seen.some((lines) => lines.length === 0) && Date.now() < deadline);
      for (const lines of seen) expect(lines.length).toBeGreaterThan(0); // both pods served
      for (const { headers } of seen.flat()) {
        expect(headers['x-consumer-username']).toBe('login_server_issuer');
        expect(headers['x-consumer-id']).toMatch(/\S/);
        expect(headers['x-credential-identifier']).toBe('1nzcMG9Xg7n1lLgmltHnkAmkt7yp4fjZ');
      }
      figures['walkthrough: requests per upstream pod'] = seen.map((l) => l.length);
      figures['walkthrough: requests until both upstream pods served'] = sent;
    }, 120_000);

    it('upstream scaled to 0 → Kong\'s 503 body; back to 2 → 200 again', async () => {
      const url = await gatewayUrl();
      const auth = { authorization: `Bearer ${token}` };
      await kubectl(['scale', 'deployment/my-api', '-n', DEMO_NS, '--replicas=0']);
      const t0 = Date.now();
      // Terminating pods still count while their readiness holds (serving, as kube-proxy does).
      const down = await untilStatus(url, 503, auth, 90_000);
      figures['upstream scaled to 0 → 503 (ms)'] = Date.now() - t0;
      expect(JSON.parse(down.body).message).toBe('failure to get a peer from the ring-balancer');

      await kubectl(['scale', 'deployment/my-api', '-n', DEMO_NS, '--replicas=2']);
      await readyPods(DEMO_NS, UPSTREAM_SELECTOR, 2);
      const t1 = Date.now();
      const back = await untilStatus(url, 200, auth, 60_000);
      figures['upstream back to 2 Ready → 200 (ms)'] = Date.now() - t1;
      expect(back.body).toBe(HELLO);
    }, 180_000);

    it('apply → enforced on every replica, over 50 Route changes', async () => {
      const kc = kubeConfig();
      const pods = await readyPods(RELEASE_NS, GATEWAY_SELECTOR, 2);
      const replicas = pods.map((p) => `http://${p.status!.podIP}:8000`);
      const route = (path: string) => `apiVersion: portcullis.dev/v1alpha1
kind: Route
metadata: {name: latency, namespace: ${DEMO_NS}}
spec:
  paths: ["${path}"]
  backend: {service: {name: my-api-service, port: 3000}}
  plugins: {jwt: {keyClaimName: kid}}
`;
      const enforced = (base: string, path: string) => until(async () => (await call(`${base}${path}`)).status === 401, 20_000, `${path} on ${base}`, 2);
      await applyManifests(kc, route('/lat-0'), { fieldManager: 'cluster-e2e' });
      await Promise.all(replicas.map((r) => enforced(r, '/lat-0')));
      const samples: number[] = [];
      for (let i = 1; i <= 50; i++) {
        const t0 = performance.now();
        await applyManifests(kc, route(`/lat-${i}`), { fieldManager: 'cluster-e2e' });
        const accepted = performance.now();
        await Promise.all(replicas.map((r) => enforced(r, `/lat-${i}`)));
        samples.push(performance.now() - t0);
        // The old path is gone everywhere too: a change is one swap, not an addition.
        for (const r of replicas) expect((await call(`${r}/lat-${i - 1}`)).status).toBe(404);
        if (i === 1) figures['apply request round trip (ms)'] = Math.round(accepted - t0);
      }
      figures['apply → enforced on both replicas, 50 changes (ms)'] = quantiles(samples);
      await kubectl(['delete', 'route.portcullis.dev/latency', '-n', DEMO_NS]);
    }, 240_000);
  });
}

