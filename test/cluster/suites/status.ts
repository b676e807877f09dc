// Status writes as users see them: a JwtCredential whose consumer does not exist gets
// Programmed=False (ConsumerNotFound) and a Warning Event from the current leader.
import { CustomObjectsApi, EventsV1Api } from '@kubernetes/client-node';
import { applyManifests } from '../../harness/kube.js';
import { credential } from '../../support/crs.js';
import { kubeConfig, until } from '../support/context.js';
import { DEMO_NS } from '../support/walkthrough.js';

/** Applies the broken credential and returns the reportingInstance of the Event about it. */
export async function brokenCredentialReported(name: string, namespace = DEMO_NS, timeoutMs = 30_000): Promise<string> {
  const kc = kubeConfig();
  await applyManifests(kc, credential(namespace, name, { consumer: `ghost-${name}`, key: `key-${name}`, secretName: 'login-server-jwt' }), { fieldManager: 'cluster-e2e' });
  const custom = kc.makeApiClient(CustomObjectsApi);
  await until(async () => {
    const obj = (await custom.getNamespacedCustomObject({ group: 'portcullis.dev', version: 'v1alpha1', namespace, plural: 'jwtcredentials', name })) as {
      status?: { conditions?: Array<{ type: string; status: string; reason: string }> };
    };
    const c = obj.status?.conditions?.find((x) => x.type === 'Programmed');
    return c?.status === 'False' && c.reason === 'ConsumerNotFound';
  }, timeoutMs, `Programmed=False ConsumerNotFound on ${namespace}/${name}`);
  const events = kc.makeApiClient(EventsV1Api);
  const event = await until(async () =>
    (await events.listNamespacedEvent({ namespace })).items.find((e) => e.regarding?.kind === 'JwtCredential' && e.regarding?.name === name),
  timeoutMs, `an Event about ${namespace}/${name}`);
  return event.reportingInstance ?? '';
}
