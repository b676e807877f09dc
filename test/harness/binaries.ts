import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const buildScript = join(dirname(fileURLToPath(import.meta.url)), 'build.sh');

export interface ControlPlaneBinaries {
  etcd: string;
  kubeApiserver: string;
}

/** Parses build.sh's final `NAME=PATH` lines. Pure, so the format is tested without building. */
export function parseBuildOutput(stdout: string): ControlPlaneBinaries {
  const vars = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const match = /^([A-Z_]+)=(.+)$/.exec(line.trim());
    if (match) vars.set(match[1]!, match[2]!);
  }
  const etcd = vars.get('ETCD');
  const kubeApiserver = vars.get('KUBE_APISERVER');
  if (!etcd || !kubeApiserver) {
    throw new Error(`build.sh did not report ETCD= and KUBE_APISERVER= paths; output was:\n${stdout}`);
  }
  return { etcd, kubeApiserver };
}

/** Runs build.sh (a no-op taking milliseconds once the cache is warm) and returns the binary paths.
 * Progress from a first build streams to this process's stderr. */
export async function ensureBinaries(): Promise<ControlPlaneBinaries> {
  const child = execFileAsync('bash', [buildScript], { maxBuffer: 1 << 20, timeout: 30 * 60_000 });
  child.child.stderr?.pipe(process.stderr);
  const { stdout } = await child;
  return parseBuildOutput(stdout);
}

export interface ClusterBinaries extends ControlPlaneBinaries {
  kubeControllerManager: string;
  kubeScheduler: string;
  kubelet: string;
  kubeProxy: string;
  /** The cluster tests drive the cluster with it, as users do. */
  kubectl: string;
}

/** Parses build.sh's output for every binary the single-node cluster (cluster/) runs. Pure. */
export function parseClusterBuildOutput(stdout: string): ClusterBinaries {
  const base = parseBuildOutput(stdout);
  const vars = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const match = /^([A-Z_]+)=(.+)$/.exec(line.trim());
    if (match) vars.set(match[1]!, match[2]!);
  }
  const need = (key: string): string => {
    const value = vars.get(key);
    if (!value) throw new Error(`build.sh did not report ${key}=; output was:\n${stdout}`);
    return value;
  };
  return {
    ...base,
    kubeControllerManager: need('KUBE_CONTROLLER_MANAGER'),
    kubeScheduler: need('KUBE_SCHEDULER'),
    kubelet: need('KUBELET'),
    kubeProxy: need('KUBE_PROXY'),
    kubectl: need('KUBECTL'),
  };
}

/** Like ensureBinaries, with the node components too (one build.sh run builds all of them). */
export async function ensureClusterBinaries(): Promise<ClusterBinaries> {
  const child = execFileAsync('bash', [buildScript], { maxBuffer: 1 << 20, timeout: 30 * 60_000 });
  child.child.stderr?.pipe(process.stderr);
  const { stdout } = await child;
  return parseClusterBuildOutput(stdout);
}
