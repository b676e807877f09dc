import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  EventsV1Api,
  type EventsV1Event,
  type KubeConfig,
} from '@kubernetes/client-node';
import { applyManifests, startControlPlane, type ControlPlane } from '../harness/control-plane.js';
import { createTestHost, type TestHost } from '../harness/netns.js';
import { repoRoot, startGateway, waitFor, type GatewayProcess } from './gateway-process.js';

/** Helpers shared by the controller end-to-end suites (test/k8s/controller-*.test.ts). */

export const GROUP = 'portcullis.dev';
export const VERSION = 'v1alpha1';
export const FIELD_MANAGER = 'portcullis-e2e';
export const CREDENTIAL_LABEL = { 'portcullis.dev/credential': 'true' };

export interface KubeEnv {
  cp: ControlPlane;
  kc: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  discovery: DiscoveryV1Api;
  events: EventsV1Api;
  coordination: CoordinationV1Api;
  apply(yamlText: string): Promise<void>;
  /** A fresh namespace (pc-<prefix>-<random>). */
  namespace(prefix: string): Promise<string>;
  stop(): Promise<void>;
}

/** One control plane with the project's CRDs installed. */
export async function startKubeEnv(opts: { audit?: boolean } = {}): Promise<KubeEnv> {
  const cp = await startControlPlane(opts);
  const kc = cp.kubeConfig;
  const apply = async (yamlText: string) => {
    await applyManifests(kc, yamlText, { fieldManager: FIELD_MANAGER });
  };
  try {
    const crdDir = path.join(repoRoot, 'crds');
    for (const f of (await readdir(crdDir)).filter((n) => n.endsWith('.yaml')).sort()) {
      await apply(await readFile(path.join(crdDir, f), 'utf8'));
    }
  } catch (err) {
    await cp.stop();
    throw err;
  }
  const core = kc.makeApiClient(CoreV1Api);
  return {
    cp,
    kc,
    core,
    custom: kc.makeApiClient(CustomObjectsApi),
    discovery: kc.makeApiClient(DiscoveryV1Api),
    events: kc.makeApiClient(EventsV1Api),
    coordination: kc.makeApiClient(CoordinationV1Api),
    apply,
    async namespace(prefix) {
      const name = `pc-${prefix}-${randomBytes(3).toString('hex')}`;
      await core.createNamespace({ body: { metadata: { name } } });
      return name;
    },
    stop: () => cp.stop(),
  };
}

/** Runs `portcullis controller` (the built CLI) against the env's API server. */
export function startController(
  env: KubeEnv,
  opts: { namespace?: string; args?: string[]; env?: NodeJS.ProcessEnv; waitReady?: boolean; proxyListenTlsSuffix?: string } = {},
): Promise<GatewayProcess> {
  return startGateway(
    [
      'controller',
      '--kubeconfig', env.cp.kubeconfigPath,
      ...(opts.namespace ? ['--namespace', opts.namespace] : []),
      ...(opts.args ?? []),
    ],
    { env: { PORTCULLIS_ACCESS_LOG: 'off', ...opts.env }, waitReady: opts.waitReady, timeoutMs: 30_000, proxyListenTlsSuffix: opts.proxyListenTlsSuffix },
  );
}

export type CrdPlural = 'kongconsumers' | 'jwtcredentials' | 'routes';

export async function getCustom(env: KubeEnv, plural: CrdPlural, namespace: string, name: string): Promise<CustomResource> {
  return (await env.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural, namespace, name })) as CustomResource;
}

export interface CustomResource {
  metadata: { name: string; namespace: string; generation?: number; uid?: string; resourceVersion?: string };
  spec: Record<string, unknown>;
  status?: { observedGeneration?: number; conditions?: Array<{ type: string; status: string; reason: string; message: string; observedGeneration?: number }> };
}

export function condition(obj: CustomResource, type: string) {
  return obj.status?.conditions?.find((c) => c.type === type);
}

/** Events (events.k8s.io/v1) in `namespace` regarding kind/name. */
export async function eventsAbout(env: KubeEnv, namespace: string, kind: string, name: string): Promise<EventsV1Event[]> {
  const list = await env.events.listNamespacedEvent({ namespace });
  return list.items.filter((e) => e.regarding?.kind === kind && e.regarding?.name === name);
}

/** Polls until `fn` returns a truthy value (errors count as "not yet"); returns it. */
export async function eventually<T>(fn: () => Promise<T> | T, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Time (ms) until `check` holds, polling every `everyMs`; throws after timeoutMs. */
export async function timeUntil(check: () => Promise<boolean>, timeoutMs = 5_000, everyMs = 5): Promise<number> {
  const started = performance.now();
  for (;;) {
    try {
      if (await check()) return performance.now() - started;
    } catch {
      // not yet
    }
    if (performance.now() - started > timeoutMs) throw new Error(`not enforced within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A named HTTP upstream inside its own network namespace; answers `name` and echoes headers. */
export interface NetnsUpstream {
  host: TestHost;
  name: string;
  port: number;
  stop(): Promise<void>;
}

const NAMED_UPSTREAM = `
const http = require('node:http');
const [name, ip, port] = process.argv.slice(1);
http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-upstream-name': name });
    res.end(JSON.stringify({ name, url: req.url, headers: req.headers }));
  });
}).listen(Number(port), ip, () => process.stdout.write('ready\\n'));
process.on('SIGTERM', () => process.exit(0));
`;

export async function startNetnsUpstream(name: string, port = 8080): Promise<NetnsUpstream> {
  const host = await createTestHost(name);
  try {
    const child: ChildProcess = host.run(process.execPath, ['-e', NAMED_UPSTREAM, name, host.ip, String(port)]);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out.includes('ready'), 10_000, () => {
      if (child.exitCode !== null) throw new Error(`upstream ${name} exited: ${out}`);
    });
  } catch (err) {
    await host.destroy();
    throw err;
  }
  return { host, name, port, stop: () => host.destroy() };
}

/** Which of the upstreams answered each of `n` sequential requests. */
export async function upstreamNames(url: string, n: number, headers: Record<string, string> = {}): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(url, { headers });
    names.push(res.headers.get('x-upstream-name') ?? `status-${res.status}`);
    await res.arrayBuffer();
  }
  return names;
}
