// What the cluster suites share: the context global-setup.ts provides, and kubectl / helm run as
// child processes (asynchronously, so a load generator in the same process keeps running).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { repoRoot } from '../../deploy/helm.js';

export interface ClusterContext {
  kubeconfig: string;
  /** The node's InternalIP: NodePorts answer here, from the host. */
  nodeIp: string;
  kubectl: string;
  helm: string;
  /** Fully qualified refs of the images imported into the node's containerd. */
  gatewayImage: string;
  helloImage: string;
  setupMs: Record<string, number>;
}

export const cluster = (): ClusterContext => inject('cluster');
export const chartDir = join(repoRoot, 'deploy/helm/portcullis');
export { repoRoot };

export function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(cluster().kubeconfig);
  return kc;
}

/** repository and tag of a ref such as docker.io/library/portcullis:0.1.0 (helm's image values). */
export function splitRef(ref: string): { repository: string; tag: string } {
  const i = ref.lastIndexOf(':');
  return { repository: ref.slice(0, i), tag: ref.slice(i + 1) };
}

export interface Ran { stdout: string; stderr: string }

function runTool(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env: { ...process.env, KUBECONFIG: cluster().kubeconfig } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d; });
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${cmd.split('/').pop()} ${args.join(' ')} exited ${code}:\n${stderr || stdout}`));
    });
    child.stdin.end(opts.input ?? '');
  });
}

export const kubectl = (args: string[], opts?: { input?: string; timeoutMs?: number }) => runTool(cluster().kubectl, args, opts);
export const helm = (args: string[], opts?: { timeoutMs?: number }) => runTool(cluster().helm, args, opts);

/** `--set` flags that point the chart at the imported image (never pulled: the node has no registry). */
export function localImageSets(): string[] {
  const { repository, tag } = splitRef(cluster().gatewayImage);
  return ['--set', `image.repository=${repository}`, '--set', `image.tag=${tag}`, '--set', 'image.pullPolicy=Never'];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls until fn returns a truthy value; fails naming what it waited for and the last error (`what`
 * may be a function, called at the timeout, to describe the last value seen).
 */
export async function until<T>(fn: () => Promise<T | undefined | false>, timeoutMs: number, what: string | (() => string), everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const described = typeof what === 'function' ? what() : what;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${described}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    }
    await sleep(everyMs);
  }
}
