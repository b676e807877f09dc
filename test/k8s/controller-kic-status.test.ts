import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { eventsAbout, eventually, type KubeEnv } from '../support/controller-env.js';
import { guideConsumer, startKicEnv, type KicEnv } from '../support/kic-env.js';
import { kubeRest } from '../deploy/kube-rest.js';
import { metricSum } from '../support/metrics.js';

/**
 * The Programmed condition on Kong Ingress Controller's objects (docs/kong-ingress-controller.md#status),
 * against the real API server with the test CRDs (whose status schema, like KIC's, holds
 * conditions only): True with reason Programmed, False with our diagnostic's reason and message
 * (never a Secret's value), back to True when fixed; our own status writes rebuild nothing; an
 * Ingress gets the published Service's address in status.loadBalancer.
 */
let kic: KicEnv;
let env: KubeEnv;
let gw: GatewayProcess;
let ns: string;

const GROUP = 'configuration.konghq.com';
const SECRET_VALUE = 'Do-Not-Leak-This-9f3b';

interface Condition { type: string; status: string; reason: string; message: string; observedGeneration?: number }
interface KicObj { metadata: { generation?: number }; status?: { conditions?: Condition[]; [k: string]: unknown } }

const objectPath = (plural: string, name: string, version = 'v1') =>
  plural === 'kongclusterplugins' ? `/apis/${GROUP}/${version}/${plural}/${name}` : `/apis/${GROUP}/${version}/namespaces/${ns}/${plural}/${name}`;
const read = async (plural: string, name: string, version = 'v1'): Promise<KicObj> => (await kubeRest(env.kc, 'GET', objectPath(plural, name, version))).body as KicObj;
const programmed = async (plural: string, name: string, version = 'v1') => {
  const o = await read(plural, name, version);
  const c = o.status?.conditions?.find((x) => x.type === 'Programmed');
  return c === undefined ? undefined : { ...c, current: c.observedGeneration === o.metadata.generation };
};
const gatewayMetric = (series: string): Promise<number> => metricSum(gw.status, series);
const clusterPlugin = () => 'kics-request-id';

function objects(): string {
  return `
apiVersion: v1
kind: Service
metadata: { name: gateway }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata: { name: app-jwt }
plugin: jwt
---
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata: { name: both-acl }
plugin: acl
config: { allow: [admin], deny: [guests] }
---
apiVersion: configuration.konghq.com/v1
kind: KongClusterPlugin
metadata:
  name: ${clusterPlugin()}
  annotations: { kubernetes.io/ingress.class: kong }
plugin: correlation-id
---
apiVersion: configuration.konghq.com/v1beta1
kind: KongConsumerGroup
metadata:
  name: gold
  annotations: { kubernetes.io/ingress.class: kong }
---
${guideConsumer('admin', ['admin-jwt'])}consumerGroups: [gold]
---
${guideConsumer('ghost', ['ghost-jwt'])}---
${guideConsumer('leaky', ['leaky-jwt'])}---
apiVersion: configuration.konghq.com/v1
kind: KongConsumer
metadata:
  name: other-class
  annotations: { kubernetes.io/ingress.class: nginx }
username: other-class
---
apiVersion: v1
kind: Secret
metadata: { name: admin-jwt, labels: { konghq.com/credential: jwt } }
stringData: { key: admin-issuer, secret: admin-s3cret }
---
apiVersion: v1
kind: Secret
metadata: { name: leaky-jwt, labels: { konghq.com/credential: jwt } }
stringData: { key: leaky-issuer, algorithm: RS256, rsa_public_key: ${SECRET_VALUE} }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: lemon
  annotations: { konghq.com/plugins: app-jwt }
spec:
  ingressClassName: kong
  rules: [{ http: { paths: [{ path: /lemon, pathType: Prefix, backend: { service: { name: echo, port: { number: 1027 } } } }] } }]
`;
}

beforeAll(async () => {
  kic = await startKicEnv({ name: 'kics', echoPort: 1027, manifests: [objects()], args: (n) => ['--publish-service', `${n}/gateway`] });
  ({ env, gw, ns } = kic);
  const token = mintToken({ algorithm: 'HS256', key: 'admin-issuer', secret: 'admin-s3cret', expiresInSeconds: 600 });
  await eventually(async () => (await kic.send('GET', '/lemon', { Authorization: `Bearer ${token}` })).status === 200, 15_000, 'the KIC route to serve');
}, 120_000);

afterAll(async () => {
  await kic?.stop();
});

describe('Programmed on KIC objects', () => {
  it('True, reason Programmed, for the generation read: KongConsumer, KongConsumerGroup, KongPlugin, KongClusterPlugin', async () => {
    for (const [plural, name, version] of [
      ['kongconsumers', 'admin', 'v1'],
      ['kongconsumergroups', 'gold', 'v1beta1'],
      ['kongplugins', 'app-jwt', 'v1'],
      ['kongclusterplugins', clusterPlugin(), 'v1'],
    ] as const) {
      const c = await eventually(async () => programmed(plural, name, version), 15_000, `${plural}/${name} Programmed`);
      expect(c).toMatchObject({ status: 'True', reason: 'Programmed', current: true });
    }
    // The API server keeps only what KIC's status schema holds: conditions.
    expect(Object.keys((await read('kongconsumers', 'admin')).status ?? {})).toEqual(['conditions']);
  });

  it("False with our diagnostic's reason and a message naming the field", async () => {
    const ghost = await eventually(async () => programmed('kongconsumers', 'ghost'), 15_000, 'ghost Programmed');
    expect(ghost).toMatchObject({ status: 'False', reason: 'SecretNotFound', current: true });
    expect(ghost.message).toContain('credentials[0]');
    const acl = await eventually(async () => programmed('kongplugins', 'both-acl'), 15_000, 'both-acl Programmed');
    expect(acl).toMatchObject({ status: 'False', reason: 'InvalidPluginConfig' });
    expect(acl.message).toContain('config.allow');
    // As for our CRs: a Warning Event on the object, with the same reason.
    await eventually(async () => (await eventsAbout(env, ns, 'KongConsumer', 'ghost')).find((e) => e.reason === 'SecretNotFound' && e.regarding?.apiVersion === `${GROUP}/v1`), 10_000, 'the SecretNotFound Event');
  });

  it("never quotes a Secret's value", async () => {
    const leaky = await eventually(async () => programmed('kongconsumers', 'leaky'), 15_000, 'leaky Programmed');
    expect(leaky.status).toBe('False');
    expect(leaky.message).toContain('leaky-jwt');
    expect(JSON.stringify(await read('kongconsumers', 'leaky'))).not.toContain(SECRET_VALUE);
  });

  it('objects of another class are not written to', async () => {
    await new Promise((r) => setTimeout(r, 500));
    expect((await read('kongconsumers', 'other-class')).status?.conditions ?? []).toEqual([]);
  });

  it('turns True when the object is fixed, for the new generation', async () => {
    await env.apply(`apiVersion: v1\nkind: Secret\nmetadata: { name: ghost-jwt, namespace: ${ns}, labels: { konghq.com/credential: jwt } }\nstringData: { key: ghost-issuer, secret: ghost-s3cret }\n`);
    await eventually(async () => (await programmed('kongconsumers', 'ghost'))?.status === 'True', 15_000, 'ghost Programmed True once its Secret exists');
    await kubeRest(env.kc, 'PATCH', objectPath('kongplugins', 'both-acl'), { body: { config: { allow: ['admin'], deny: null } }, contentType: 'application/merge-patch+json' });
    const fixed = await eventually(async () => {
      const c = await programmed('kongplugins', 'both-acl');
      return c?.status === 'True' && c.current ? c : undefined;
    }, 15_000, 'both-acl Programmed True for its new generation');
    expect(fixed.observedGeneration).toBe(2);
    expect(fixed.reason).toBe('Programmed');
  });

  it('status writes rebuild nothing: an edited status is put back without a rebuild', async () => {
    await new Promise((r) => setTimeout(r, 1_500)); // writes in flight land
    const before = await gatewayMetric('portcullis_kube_rebuilds_total');
    expect(before).toBeGreaterThan(0);
    const tampered = { status: { conditions: [{ type: 'Programmed', status: 'False', reason: 'Invalid', message: 'edited by hand', lastTransitionTime: '2020-01-01T00:00:00Z' }] } };
    await kubeRest(env.kc, 'PATCH', `${objectPath('kongplugins', 'app-jwt')}/status`, { body: tampered, contentType: 'application/merge-patch+json' });
    await eventually(async () => (await programmed('kongplugins', 'app-jwt'))?.status === 'True', 10_000, 'the status put back');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await gatewayMetric('portcullis_kube_rebuilds_total')).toBe(before);
  });
});

describe('Ingress status under --kic-resources', () => {
  it("status.loadBalancer is the --publish-service Service's address", async () => {
    const clusterIP = (await env.core.readNamespacedService({ name: 'gateway', namespace: ns })).spec!.clusterIP!;
    await eventually(async () => {
      const ing = (await kubeRest(env.kc, 'GET', `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/lemon`)).body as { status?: { loadBalancer?: { ingress?: Array<{ ip?: string }> } } };
      return ing.status?.loadBalancer?.ingress?.[0]?.ip === clusterIP;
    }, 10_000, 'the Ingress status address');
  });
});
