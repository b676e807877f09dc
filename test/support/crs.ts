import { stringify } from 'yaml';

/** Small builders of the project's CRs (and their Secrets, Services, EndpointSlices) as YAML for applyManifests. */

export const CREDENTIAL_SECRET_LABELS = { 'portcullis.dev/credential': 'true' };

const doc = (o: unknown) => stringify(o);
export const join = (...docs: string[]) => docs.join('---\n');

export function consumer(ns: string, name: string, spec: { username?: string; customId?: string } = { username: name }): string {
  return doc({ apiVersion: 'portcullis.dev/v1alpha1', kind: 'KongConsumer', metadata: { name, namespace: ns }, spec });
}

export function secret(ns: string, name: string, data: Record<string, string>, labelled = true): string {
  return doc({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns, ...(labelled && { labels: CREDENTIAL_SECRET_LABELS }) },
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  });
}

export function credential(
  ns: string,
  name: string,
  o: { consumer: string; key: string; algorithm?: string; secretName?: string; secretKey?: string; publicKey?: boolean },
): string {
  const ref = { name: o.secretName ?? `${name}-secret`, key: o.secretKey ?? 'secret' };
  return doc({
    apiVersion: 'portcullis.dev/v1alpha1',
    kind: 'JwtCredential',
    metadata: { name, namespace: ns },
    spec: {
      consumerRef: { name: o.consumer },
      key: o.key,
      algorithm: o.algorithm ?? 'HS256',
      ...(o.publicKey ? { publicKeyRef: ref } : { secretRef: ref }),
    },
  });
}

export function route(
  ns: string,
  name: string,
  o: { paths: string[]; backend: { url: string } | { service: { name: string; port: number | string } }; jwt?: boolean | Record<string, unknown>; hosts?: string[] },
): string {
  return doc({
    apiVersion: 'portcullis.dev/v1alpha1',
    kind: 'Route',
    metadata: { name, namespace: ns },
    spec: {
      paths: o.paths,
      ...(o.hosts && { hosts: o.hosts }),
      backend: o.backend,
      ...(o.jwt && { plugins: { jwt: o.jwt === true ? {} : o.jwt } }),
    },
  });
}

export function service(ns: string, name: string, port = 80, targetPort = 8080): string {
  return doc({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { ports: [{ name: 'http', port, targetPort, protocol: 'TCP' }] },
  });
}

export function endpointSlice(
  ns: string,
  name: string,
  serviceName: string,
  endpoints: Array<{ ip: string; ready?: boolean }>,
  port = 8080,
): string {
  return doc({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': serviceName } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port, protocol: 'TCP' }],
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready ?? true } })),
  });
}
