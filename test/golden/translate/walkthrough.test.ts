import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotView } from '../../support/snapshot-view.js';
import { translate } from '../../../src/translate/translate.js';
import { caseResources, kubeResources, parseKongYml, yamlObjects } from './cases.js';

/**
 * The seed walkthrough in both modes (examples/kong.yml and examples/k8s/*.yaml, read as shipped)
 * must give upstreams the same identity: X-Consumer-ID, the credential id, the upstream headers.
 * Also keeps the golden cases' copies of the examples in sync with the examples.
 */
const examples = join(import.meta.dirname, '..', '..', '..', 'examples');

function kongView() {
  const file = join(examples, 'kong.yml');
  const { resources, fatal } = parseKongYml(readFileSync(file, 'utf8'), file);
  expect(fatal).toBe(false);
  return snapshotView(translate(resources, 1));
}

function kubeView() {
  const dir = join(examples, 'k8s');
  const objects = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => yamlObjects(readFileSync(join(dir, f), 'utf8')));
  return snapshotView(translate(kubeResources(objects).resources, 1));
}

describe('walkthrough: kong.yml and CRs agree', () => {
  it('loads both without diagnostics', () => {
    expect(kongView().diagnostics).toEqual([]);
    // The examples hold no EndpointSlice (the cluster makes it), so no warning either: the Service exists.
    expect(kubeView().diagnostics).toEqual([]);
  });

  it('gives the same consumer id, credential id and upstream headers', () => {
    const kong = kongView();
    const kube = kubeView();
    expect(kube.consumers).toHaveLength(1);
    expect(kube.credentials).toHaveLength(1);
    expect(kube.consumers[0]!.id).toBe(kong.consumers[0]!.id);
    expect(kube.consumers[0]!.upstreamHeaders).toEqual(kong.consumers[0]!.upstreamHeaders);
    expect(kube.credentials[0]).toEqual(kong.credentials[0]);
    // Kong's documented DB-less id for the walkthrough's username, not just "the same in both".
    expect(kong.consumers[0]!.upstreamHeaders).toEqual({
      'x-consumer-id': '3b13b1c7-93ff-5a81-87ff-61a30dfff91b',
      'x-consumer-username': 'login_server_issuer',
    });
  });

  it('checks tokens the same way (same jwt config)', () => {
    expect(kubeView().routes[0]!.auth!.config).toEqual(kongView().routes[0]!.auth!.config);
  });

  it('golden copies match the examples', () => {
    const seed = snapshotView(translate(caseResources('seed-walkthrough', 'kong.yml').resources, 1));
    expect(seed).toEqual(kongView());
    const k8s = snapshotView(translate(caseResources('k8s-walkthrough', 'input.yaml').resources, 1));
    const { upstreams: _u, routes: goldenRoutes, ...restGolden } = k8s;
    const { upstreams: _e, routes: exampleRoutes, ...restExample } = kubeView();
    expect(restGolden).toEqual(restExample);
    // The golden copy adds an EndpointSlice, so only the upstream's targets differ.
    expect(goldenRoutes).toEqual(exampleRoutes);
  });
});
