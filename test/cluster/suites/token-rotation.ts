// Item 3: a controller whose service-account token lives 600 s (the shortest lifetime the API
// server grants a projected token). It is installed first and checked last, after the kubelet has
// rotated the token and the first one has expired: it must still watch (a new Route is enforced)
// and still write status (a broken credential gets its condition and Event).
import type { V1Pod } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyManifests } from '../../harness/kube.js';
import { chartDir, cluster, helm, kubeConfig, kubectl, localImageSets, sleep, until } from '../support/context.js';
import { figures } from '../support/figures.js';
import { podLogs, podsOf, projectedTokenClaims, readyPods } from '../support/pods.js';
import { HELLO, call, nodePort, untilStatus, walkthroughToken, walkthroughYaml } from '../support/walkthrough.js';
import { forbiddenLines, podOfIdentity } from './controller.js';
import { brokenCredentialReported } from './status.js';

const NS = 'pc-token';
const RELEASE = 'tok';
const SELECTOR = `app.kubernetes.io/instance=${RELEASE}`;
const TOKEN_SECONDS = 600;
/** @kubernetes/client-node re-reads the token file when its copy is older than 60 s. */
const CLIENT_REREAD_MS = 60_000;

/** Registers the install (a beforeAll: call it first in the file) and returns the final check. */
export function tokenRotation(): { verifySuite: () => void } {
  let pod: V1Pod;
  let first: { iat: number; exp: number };

  beforeAll(async () => {
    await helm([
      'install', RELEASE, chartDir, '--namespace', NS, '--create-namespace', ...localImageSets(),
      '--set', `watchNamespace=${NS}`, '--set', 'replicaCount=1', '--set', `serviceAccount.tokenExpirationSeconds=${TOKEN_SECONDS}`,
      '--set', 'service.type=NodePort', '--wait', '--timeout', '3m',
    ]);
    pod = (await readyPods(NS, SELECTOR, 1))[0]!;
    first = await projectedTokenClaims(pod);
    // The walkthrough's objects in this namespace (one upstream replica), its Route off /api.
    await kubectl(['apply', '-f', '-'], { input: walkthroughYaml(1, { namespace: NS, path: '/token-walkthrough' }) });
  }, 300_000);

  return {
    verifySuite: () =>
      describe('service-account token rotation (item 3)', () => {
        it('after the first token expired, the controller still watches and writes status, with no restart', async () => {
          expect(first.exp - first.iat).toBe(TOKEN_SECONDS);
          const waitMs = first.exp * 1000 + CLIENT_REREAD_MS + 5_000 - Date.now();
          if (waitMs > 0) await sleep(waitMs);
          // Nothing else may answer for this namespace: the other releases are gone by now.
          const controllers = (await kubectl(['get', 'deployments', '--all-namespaces', '-l', 'app.kubernetes.io/part-of=portcullis', '-o', 'name'])).stdout.trim().split('\n');
          expect(controllers).toEqual([`deployment.apps/${RELEASE}-portcullis`]);

          const [now] = await podsOf(NS, SELECTOR);
          expect(now!.metadata!.uid).toBe(pod.metadata!.uid);
          expect(now!.status!.containerStatuses![0]!.restartCount).toBe(0);
          const current = await projectedTokenClaims(now!);
          expect(current.iat).toBeGreaterThan(first.iat); // the kubelet rotated it
          expect(Date.now() / 1000).toBeGreaterThan(first.exp); // and the first one is dead
          figures['token rotation'] = { lifetimeS: TOKEN_SECONDS, rotatedAfterS: current.iat - first.iat, checkedAfterFirstExpiredS: Math.round(Date.now() / 1000 - first.exp) };

          // Watching: a Route created now is enforced.
          await applyManifests(kubeConfig(), `apiVersion: portcullis.dev/v1alpha1
kind: Route
metadata: {name: after-expiry, namespace: ${NS}}
spec:
  paths: ["/after-expiry"]
  backend: {service: {name: my-api-service, port: 3000}}
  plugins: {jwt: {keyClaimName: kid}}
`, { fieldManager: 'cluster-e2e' });
          const url = `http://${cluster().nodeIp}:${await nodePort(NS, `${RELEASE}-portcullis`)}/after-expiry`;
          await untilStatus(url, 401, {}, 30_000);
          const ok = await call(url, { authorization: `Bearer ${walkthroughToken()}` });
          expect([ok.status, ok.body]).toEqual([200, HELLO]);
          // Writing status: the leader (the only replica) reports a broken credential.
          expect(podOfIdentity(await brokenCredentialReported('after-expiry', NS))).toBe(pod.metadata!.name);
          expect(forbiddenLines(await podLogs(NS, pod.metadata!.name!))).toEqual([]);
        }, 20 * 60_000);
      }),
  };
}
