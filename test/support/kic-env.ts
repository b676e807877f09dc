import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import type { GatewayProcess } from './gateway-process.js';
import { startController, startKubeEnv, startNetnsUpstream, type KubeEnv, type NetnsUpstream } from './controller-env.js';
import { endpointSlice, join } from './crs.js';
import { portOf, rawRequest, type RawResponse } from './standalone.js';

/**
 * What the KIC guide tests share (test/k8s/controller-kic*.test.ts, docs/kong-ingress-controller.md):
 * an API server with the test CRDs for configuration.konghq.com, a namespace, an `echo` upstream
 * behind a Service, the manifests applied as `kubectl apply -n` would, and the controller with
 * --kic-resources; plus the guides' objects written the way KIC's documentation writes them.
 */
export interface KicEnv {
  env: KubeEnv;
  echo: NetnsUpstream;
  ns: string;
  gw: GatewayProcess;
  /** The proxy's port. */
  port: number;
  /** `kubectl apply -n ns`: namespaced objects into the test namespace. */
  apply(text: string): Promise<void>;
  /** A raw HTTP/1.1 request to the proxy, Host kic.test. */
  send(method: string, pathAndQuery: string, headers?: Record<string, string>): Promise<RawResponse>;
  stop(): Promise<void>;
}

export interface KicEnvOptions {
  /** Namespace prefix, netns upstream name and lease name. */
  name: string;
  /** The echo upstream's port (the guides' Service port too). */
  echoPort: number;
  /** KIC-style manifests without namespaces, applied in order before the controller starts. */
  manifests: string[];
  /** Services the manifests define whose endpoints are the echo upstream (`echo` is always made). */
  endpointsFor?: string[];
  /** More controller flags than --kic-resources (given the namespace). */
  args?: (ns: string) => string[];
}

/** Cluster-scoped kinds keep no namespace. */
const CLUSTER_SCOPED = new Set(['KongClusterPlugin']);

export function inNamespace(text: string, ns: string): string {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as { kind: string; metadata: Record<string, unknown> } | null)
    .filter((o): o is { kind: string; metadata: Record<string, unknown> } => o !== null)
    .map((o) => stringify(CLUSTER_SCOPED.has(o.kind) ? o : { ...o, metadata: { ...o.metadata, namespace: ns } }))
    .join('---\n');
}

export async function startKicEnv(opts: KicEnvOptions): Promise<KicEnv> {
  const [env, echo] = await Promise.all([startKubeEnv(), startNetnsUpstream(`${opts.name}-echo`, opts.echoPort)]);
  await env.apply(await readFile(path.join(import.meta.dirname, '..', 'k8s', 'fixtures', 'kic-crds.yaml'), 'utf8'));
  const ns = await env.namespace(opts.name);
  await env.apply(
    join(
      stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: ns }, spec: { ports: [{ name: 'http', port: opts.echoPort, targetPort: opts.echoPort, protocol: 'TCP' }] } }),
      ...['echo', ...(opts.endpointsFor ?? [])].map((svc) => endpointSlice(ns, `${svc}-1`, svc, [{ ip: echo.host.ip }], opts.echoPort)),
    ),
  );
  const apply = (text: string) => env.apply(inNamespace(text, ns));
  for (const m of opts.manifests) await apply(m);
  const gw = await startController(env, { namespace: ns, args: ['--lease-name', opts.name, '--kic-resources', ...(opts.args?.(ns) ?? [])] });
  const port = portOf(gw.proxy);
  return {
    env,
    echo,
    ns,
    gw,
    port,
    apply,
    send(method, pathAndQuery, headers = {}) {
      const lines = Object.entries({ Host: 'kic.test', ...headers }).map(([k, v]) => `${k}: ${v}`);
      return rawRequest(port, [`${method} ${pathAndQuery} HTTP/1.1`, ...lines].join('\n'));
    },
    async stop() {
      await gw.stop();
      await echo.stop();
      await env.stop();
    },
  };
}

/** The upstream's view of a proxied request (the echo upstream answers with it). */
export const upstreamSaw = (r: RawResponse) => JSON.parse(r.body) as { url: string; headers: Record<string, string> };

// The guides' objects, as KIC's documentation writes them.

/** A KongConsumer of class kong whose credentials name Secrets. */
export function guideConsumer(name: string, credentials: string[], customId?: string): string {
  return `apiVersion: configuration.konghq.com/v1
kind: KongConsumer
metadata:
  name: ${name}
  annotations:
    kubernetes.io/ingress.class: kong
username: ${name}
${customId === undefined ? '' : `custom_id: ${customId}\n`}credentials:
${credentials.map((c) => `- ${c}`).join('\n')}
`;
}

/** A credential Secret labelled konghq.com/credential=<type> (values are written as one line each). */
export function guideCredential(name: string, type: 'jwt' | 'acl', data: Record<string, string>): string {
  return `apiVersion: v1
kind: Secret
metadata:
  name: ${name}
  labels:
    konghq.com/credential: ${type}
stringData:
${Object.entries(data).map(([k, v]) => `  ${k}: ${v.includes('\n') ? `|\n${v.trim().split('\n').map((l) => `    ${l}`).join('\n')}` : v}`).join('\n')}
`;
}

/** The guides' Ingress: one ImplementationSpecific path to the echo Service, strip-path on, konghq.com/plugins. */
export function guideIngress(name: string, plugins: string, port: number): string {
  return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  annotations:
    konghq.com/strip-path: 'true'
    konghq.com/plugins: ${plugins}
spec:
  ingressClassName: kong
  rules:
  - http:
      paths:
      - path: /${name}
        pathType: ImplementationSpecific
        backend:
          service:
            name: echo
            port:
              number: ${port}
`;
}

/** The guides' jwt KongPlugin. */
export const GUIDE_JWT_PLUGIN = `apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata:
  name: app-jwt
plugin: jwt
`;
