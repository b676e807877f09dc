// The seed walkthrough on Kubernetes (examples/k8s/), as users apply it, with one substitution:
// the example's upstream image (agnhost, from a registry this machine cannot reach) is replaced by
// the harness's hello-upstream image, two replicas, never pulled.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { mintToken } from '../../../src/tokens/mint.js';
import { cluster, repoRoot, until } from './context.js';
import { core } from './pods.js';

export const HELLO = 'Hello world!';
export const DEMO_NS = 'demo';
export const UPSTREAM_SELECTOR = 'app=my-api';

const example = (file: string) => readFileSync(join(repoRoot, 'examples/k8s', file), 'utf8');

/**
 * 00-namespace.yaml + 10-login-server.yaml unchanged; 20-my-api.yaml with the local upstream image.
 * `copyTo` puts a copy in another (existing) namespace with the Route on another path, so it does not
 * compete with the original for /api on a controller that watches every namespace.
 */
export function walkthroughYaml(upstreamReplicas = 2, copyTo?: { namespace: string; path: string }): string {
  const api = parseAllDocuments(example('20-my-api.yaml')).map((doc) => {
    const obj = doc.toJS() as { kind: string; spec: any };
    if (obj.kind === 'Route' && copyTo) obj.spec.paths = [copyTo.path];
    if (obj.kind === 'Deployment') {
      obj.spec.replicas = upstreamReplicas;
      const c = obj.spec.template.spec.containers[0];
      c.image = cluster().helloImage;
      c.imagePullPolicy = 'Never';
      delete c.args; // agnhost's; the hello upstream reads PORT=3000 from its image
    }
    return stringify(obj);
  });
  const docs = [...(copyTo ? [] : [example('00-namespace.yaml')]), example('10-login-server.yaml'), ...api].join('\n---\n');
  return copyTo ? docs.replaceAll(`namespace: ${DEMO_NS}`, `namespace: ${copyTo.namespace}`) : docs;
}

/** A token the example Route accepts: HS256, key in `kid`, exp in an hour (examples/k8s/README.md). */
export function walkthroughToken(): string {
  return mintToken({
    algorithm: 'HS256',
    key: '1nzcMG9Xg7n1lLgmltHnkAmkt7yp4fjZ',
    secret: 'e71829c351aa4242c2719cbfbe671c09',
    keyClaimName: 'kid',
    keyClaimIn: 'header',
    expiresInSeconds: 3600,
  });
}

/** The node port of a Service's `proxy` port. */
export async function nodePort(namespace: string, service: string): Promise<number> {
  const svc = await core().readNamespacedService({ namespace, name: service });
  const port = svc.spec?.ports?.find((p) => p.name === 'proxy')?.nodePort;
  if (!port) throw new Error(`service ${namespace}/${service} has no proxy nodePort`);
  return port;
}

export interface Answer { status: number; body: string; headers: Headers }

export async function call(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

/** Calls `url` until it answers `status`; on timeout the error shows the last answer. */
export async function untilStatus(url: string, status: number, headers: Record<string, string> = {}, timeoutMs = 60_000, everyMs = 200): Promise<Answer> {
  let last = 'nothing yet';
  return until(async () => {
    const a = await call(url, headers);
    last = `${a.status} ${a.body.slice(0, 120)}`;
    return a.status === status ? a : undefined;
  }, timeoutMs, () => `${status} from ${url} (last answer: ${last})`, everyMs);
}
