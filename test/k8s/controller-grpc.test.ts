import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import { createTestHost, type TestHost } from '../harness/netns.js';
import { repoRoot, waitFor, type GatewayProcess } from '../support/gateway-process.js';
import { startController, startKubeEnv, timeUntil, type KubeEnv } from '../support/controller-env.js';
import { consumer, credential, join, secret } from '../support/crs.js';
import { EchoClient, grpc, startGrpcEcho, unary, type GrpcEchoServer } from '../support/grpc-echo.js';

/**
 * gRPC from CRs against a real API server (docs/http2-grpc.md#controller-mode): a Route whose
 * backend is a Service port with appProtocol kubernetes.io/h2c, one with backend.service.protocol
 * grpc on a plain port, and a grpc:// url; a real @grpc/grpc-js client over h2c, jwt enforced.
 */
const SECRET = 'k8s-grpc-secret-0123456789abcdef';
let env: KubeEnv;
let gw: GatewayProcess;
let local: GrpcEchoServer;
let host: TestHost;
let ns: string;

const doc = (o: unknown): string => stringify(o);
const grpcRoute = (name: string, hostName: string, backend: unknown): string =>
  doc({
    apiVersion: 'portcullis.dev/v1alpha1',
    kind: 'Route',
    metadata: { name, namespace: ns },
    spec: { hosts: [hostName], paths: ['/test.Echo/'], stripPath: false, backend, plugins: { jwt: {} } },
  });
const grpcService = (name: string, port: { name: string; appProtocol?: string }): string =>
  join(
    doc({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { ports: [{ ...port, port: 50051, targetPort: 50051, protocol: 'TCP' }] } }),
    doc({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-1`, namespace: ns, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: port.name, port: 50051, protocol: 'TCP', ...(port.appProtocol && { appProtocol: port.appProtocol }) }],
      endpoints: [{ addresses: [host.ip], conditions: { ready: true } }],
    }),
  );

beforeAll(async () => {
  [env, local, host] = await Promise.all([startKubeEnv(), startGrpcEcho(), createTestHost('grpc')]);
  const child: ChildProcess = host.run(process.execPath, [path.join(repoRoot, 'test/support/grpc-echo-server.mjs'), host.ip, '50051', 'netns']);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('ready'), 10_000, () => {
    if (child.exitCode !== null) throw new Error(`grpc upstream exited: ${out}`);
  });
  ns = await env.namespace('grpc');
  await env.apply(
    join(
      consumer(ns, 'alice'),
      secret(ns, 'alice-jwt', { secret: SECRET }),
      credential(ns, 'alice-hs', { consumer: 'alice', key: `${ns}-key`, secretName: 'alice-jwt' }),
      grpcService('h2c-svc', { name: 'grpc', appProtocol: 'kubernetes.io/h2c' }),
      grpcService('plain-svc', { name: 'api' }),
      grpcRoute('by-app-protocol', 'app.grpc.test', { service: { name: 'h2c-svc', port: 'grpc' } }),
      grpcRoute('by-route-field', 'field.grpc.test', { service: { name: 'plain-svc', port: 50051, protocol: 'grpc' } }),
      grpcRoute('by-url', 'url.grpc.test', { url: `grpc://127.0.0.1:${local.port}` }),
    ),
  );
  gw = await startController(env, { namespace: ns, args: ['--proxy-h2c', 'on', '--lease-name', 'grpc'] });
});

afterAll(async () => {
  await gw?.stop();
  await host?.destroy();
  await local?.close();
  await env?.stop();
});

function clientFor(authority: string): InstanceType<typeof EchoClient> {
  return new EchoClient(gw.proxy.replace(/^http:\/\//, ''), grpc.credentials.createInsecure(), { 'grpc.default_authority': authority });
}

const withToken = (): grpc.Metadata => {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${mintToken({ algorithm: 'HS256', key: `${ns}-key`, secret: SECRET })}`);
  return md;
};

describe.each([
  ['Service port appProtocol kubernetes.io/h2c', 'app.grpc.test', 'netns'],
  ['backend.service.protocol grpc', 'field.grpc.test', 'netns'],
  ['grpc:// url', 'url.grpc.test', undefined],
])('Route backend: %s', (_name, authority, upstreamName) => {
  it('UNAUTHENTICATED without a token, the reply and trailers with one', async () => {
    const client = clientFor(authority);
    try {
      // The watch may still be catching up right after start.
      await timeUntil(async () => (await unary(client, 'Unary', { text: 'x' })).error?.code === grpc.status.UNAUTHENTICATED, 15_000, 200);
      const denied = await unary(client, 'Unary', { text: 'x' });
      expect(denied.error?.details).toBe('Unauthorized');
      const ok = await unary(client, 'Unary', { text: 'hello' }, withToken());
      expect(ok.error).toBeUndefined();
      expect(ok.value?.text).toBe('hello');
      expect((ok.value as { name?: string } | undefined)?.name).toBe(upstreamName);
      expect(ok.value?.seen?.['x-consumer-username']).toBe('alice');
      expect(ok.status?.metadata.get('x-trailer')).toEqual(['done']);
    } finally {
      client.close();
    }
  });
});
