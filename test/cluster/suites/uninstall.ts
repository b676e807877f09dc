// Item 6: helm uninstall leaves no object but the CRDs (Helm's convention; docs/install.md lists
// what stays), and the rendered manifests work with kubectl apply on the same cluster.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { cluster, helm, kubectl, repoRoot, until } from '../support/context.js';
import { readyPods } from '../support/pods.js';
import { HELLO, call, nodePort, untilStatus, walkthroughToken } from '../support/walkthrough.js';
import { GATEWAY_SELECTOR, RELEASE, RELEASE_NS } from './controller.js';

const KINDS = 'all,serviceaccounts,configmaps,secrets,roles,rolebindings,poddisruptionbudgets,networkpolicies,clusterroles,clusterrolebindings';
/** The chart's CRDs (what uninstall leaves), named from the files the chart ships, so a new kind is expected here too. */
export const CRDS = readdirSync(join(repoRoot, 'deploy/helm/portcullis/crds'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => (parseAllDocuments(readFileSync(join(repoRoot, 'deploy/helm/portcullis/crds', f), 'utf8'))[0]!.toJS() as { metadata: { name: string } }).metadata.name)
  .sort();

/** Every object of the release's kinds that still carries its instance label, as `kind/name`. */
const labelled = async () =>
  (await kubectl(['get', KINDS, '--all-namespaces', '-l', GATEWAY_SELECTOR, '-o', 'name'])).stdout.split('\n').filter(Boolean);
const crds = async () =>
  (await kubectl(['get', 'crd', '-o', 'name'])).stdout.split('\n').filter((n) => n.endsWith('.portcullis.dev')).map((n) => n.replace('customresourcedefinition.apiextensions.k8s.io/', '')).sort();

export function uninstallSuite(): void {
  describe('helm uninstall (item 6)', () => {
    it('leaves no object of the release but the CRDs', async () => {
      expect((await labelled()).length).toBeGreaterThan(5);
      await helm(['uninstall', RELEASE, '--namespace', RELEASE_NS, '--wait', '--timeout', '2m']);
      const left = await until(async () => { const l = await labelled(); return l.length === 0 ? l : undefined; }, 90_000, 'no labelled object left');
      expect(left).toEqual([]);
      expect(await crds()).toEqual(CRDS);
    }, 150_000);
  });
}

export function manifestsSuite(): void {
  describe('kubectl apply -f deploy/manifests/portcullis.yaml (item 6)', () => {
    const manifests = readFileSync(join(repoRoot, 'deploy/manifests/portcullis.yaml'), 'utf8');
    const withoutCrds = parseAllDocuments(manifests).map((d) => d.toJS()).filter((o) => o && o.kind !== 'CustomResourceDefinition').map((o) => stringify(o)).join('---\n');

    it('serves the walkthrough, and kubectl delete of everything but the CRDs leaves nothing', async () => {
      await kubectl(['apply', '-f', 'deploy/manifests/portcullis.yaml']);
      await readyPods(RELEASE_NS, GATEWAY_SELECTOR, 2, 180_000);
      const url = `http://${cluster().nodeIp}:${await nodePort(RELEASE_NS, RELEASE)}/api`;
      await untilStatus(url, 401, {}, 60_000);
      const ok = await call(url, { authorization: `Bearer ${walkthroughToken()}` });
      expect(ok.status).toBe(200);
      expect(ok.body).toBe(HELLO);

      await kubectl(['delete', '-f', '-', '--wait=true'], { input: withoutCrds, timeoutMs: 180_000 });
      expect(await until(async () => { const l = await labelled(); return l.length === 0 ? l : undefined; }, 90_000, 'nothing left')).toEqual([]);
      expect(await crds()).toEqual(CRDS);
    }, 360_000);
  });
}
