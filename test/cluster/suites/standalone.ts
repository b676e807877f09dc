// Item 5: the chart's standalone mode. kong.yml comes from a ConfigMap the user manages, then from
// a Secret (for users who keep credentials out of ConfigMaps); editing either reaches the running
// pods through the kubelet's `..data` symlink swap and is applied without a restart.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { chartDir, cluster, helm, kubectl, localImageSets, repoRoot, until } from '../support/context.js';
import { figures } from '../support/figures.js';
import { core, readyPods } from '../support/pods.js';
import { DEMO_NS, HELLO, call, nodePort } from '../support/walkthrough.js';

const NS = 'pc-standalone';
const RELEASE = 'edge';
const SERVICE = `${RELEASE}-portcullis`; // the chart's fullname for a release not named portcullis
const SELECTOR = `app.kubernetes.io/instance=${RELEASE}`;
const KEY = '1nzcMG9Xg7n1lLgmltHnkAmkt7yp4fjZ';

/** examples/kong.yml pointed at the walkthrough's upstream Service (by ClusterIP: the harness
 * cluster has no DNS), with extra route paths and the consumer's secret replaced. */
async function kongYml(o: { paths: string[]; secret: string }): Promise<string> {
  const svc = await core().readNamespacedService({ namespace: DEMO_NS, name: 'my-api-service' });
  return readFileSync(join(repoRoot, 'examples/kong.yml'), 'utf8')
    .replace('url: http://localhost:3000', `url: http://${svc.spec!.clusterIP}:3000`)
    .replace(/paths:\n\s+- \/api\n/, `paths:\n${o.paths.map((p) => `          - ${p}\n`).join('')}`)
    .replace('secret: e71829c351aa4242c2719cbfbe671c09', `secret: ${o.secret}`);
}

const tokenFor = (secret: string) =>
  mintToken({ algorithm: 'HS256', key: KEY, secret, keyClaimName: 'kid', keyClaimIn: 'header', expiresInSeconds: 3600 });

/** kubectl create … --dry-run=client -o yaml | kubectl apply -f -: how users update such objects. */
async function applyFromFile(kind: 'configmap' | 'secret generic', name: string, content: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pc-standalone-'));
  try {
    await writeFile(join(dir, 'kong.yml'), content);
    const generated = await kubectl(['create', ...kind.split(' '), name, '-n', NS, `--from-file=${join(dir, 'kong.yml')}`, '--dry-run=client', '-o', 'yaml']);
    await kubectl(['apply', '-f', '-'], { input: generated.stdout });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Waits until every replica (by pod IP) answers `path` with `status`; returns the time it took. */
async function everyReplica(path: string, status: number, headers: Record<string, string> = {}, timeoutMs = 150_000): Promise<number> {
  const t0 = Date.now();
  const pods = await readyPods(NS, SELECTOR, 2);
  await Promise.all(pods.map((p) => until(async () => (await call(`http://${p.status!.podIP}:8000${path}`, headers)).status === status, timeoutMs, `${path} → ${status} on ${p.metadata!.name}`, 250)));
  return Date.now() - t0;
}

const podIdentity = async () => (await readyPods(NS, SELECTOR, 2)).map((p) => `${p.metadata!.uid}:${p.status!.containerStatuses![0]!.restartCount}`).sort();

export function standaloneSuite(): void {
  describe('standalone mode from the chart (item 5)', () => {
    const first = 'e71829c351aa4242c2719cbfbe671c09';
    const rotated = 'f5c1a3f0f8f84e3b9b7a0c2d7e6b5a41';

    it('serves kong.yml from a user ConfigMap, and an edit of the ConfigMap is applied without a restart', async () => {
      await kubectl(['create', 'namespace', NS]);
      await applyFromFile('configmap', 'edge-kong', await kongYml({ paths: ['/api'], secret: first }));
      await helm(['install', RELEASE, chartDir, '--namespace', NS, ...localImageSets(), '--set', 'mode=standalone', '--set', 'standalone.existingConfigMap=edge-kong', '--set', 'service.type=NodePort', '--wait', '--timeout', '3m']);
      const url = `http://${cluster().nodeIp}:${await nodePort(NS, SERVICE)}`;
      expect((await call(`${url}/api`)).status).toBe(401);
      const ok = await call(`${url}/api`, { authorization: `Bearer ${tokenFor(first)}` });
      expect([ok.status, ok.body]).toEqual([200, HELLO]);
      expect((await call(`${url}/v2`)).status).toBe(404);

      const before = await podIdentity();
      await applyFromFile('configmap', 'edge-kong', await kongYml({ paths: ['/api', '/v2'], secret: first }));
      figures['standalone: ConfigMap edit → served by both replicas (ms)'] = await everyReplica('/v2', 401);
      expect(await podIdentity()).toEqual(before); // same pods, no container restart
    }, 300_000);

    it('serves kong.yml from a Secret, and rotating the credential in the Secret is applied without a restart', async () => {
      await applyFromFile('secret generic', 'edge-kong-secret', await kongYml({ paths: ['/api'], secret: rotated }));
      await helm(['upgrade', RELEASE, chartDir, '--namespace', NS, '--reuse-values', '--set', 'standalone.existingConfigMap=', '--set', 'standalone.existingSecret=edge-kong-secret', '--wait', '--timeout', '3m']);
      await readyPods(NS, SELECTOR, 2, 120_000);
      const rotatedAuth = { authorization: `Bearer ${tokenFor(rotated)}` };
      await everyReplica('/api', 200, rotatedAuth, 30_000);
      await everyReplica('/api', 401, { authorization: `Bearer ${tokenFor(first)}` }, 30_000);

      const before = await podIdentity();
      await applyFromFile('secret generic', 'edge-kong-secret', await kongYml({ paths: ['/api'], secret: first }));
      figures['standalone: Secret edit → served by both replicas (ms)'] = await everyReplica('/api', 200, { authorization: `Bearer ${tokenFor(first)}` });
      await everyReplica('/api', 401, rotatedAuth, 10_000);
      expect(await podIdentity()).toEqual(before);
    }, 360_000);

    // Also after a failure: later suites assume no other gateway is running.
    afterAll(() => helm(['uninstall', RELEASE, '--namespace', NS, '--wait']), 120_000);
  });
}
