// Pods of the cluster as the tests see them: readiness, logs, the host PID of a container (for
// kill -9 from the host, as a crash would), the projected token the kubelet wrote.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { defaultRunDir } from '../../harness/cluster/cluster.js';
import { layout } from '../../harness/cluster/config.js';
import { run } from '../../harness/cluster/sh.js';
import { kubeConfig, until } from './context.js';

export const core = () => kubeConfig().makeApiClient(CoreV1Api);
export const apps = () => kubeConfig().makeApiClient(AppsV1Api);

export const isReady = (p: V1Pod) =>
  p.metadata?.deletionTimestamp === undefined &&
  p.status?.phase === 'Running' &&
  (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

export async function podsOf(namespace: string, labelSelector: string): Promise<V1Pod[]> {
  return (await core().listNamespacedPod({ namespace, labelSelector })).items;
}

/** Waits for exactly `count` Ready pods (and no others terminating or starting) behind the selector. */
export async function readyPods(namespace: string, labelSelector: string, count: number, timeoutMs = 120_000): Promise<V1Pod[]> {
  return until(async () => {
    const pods = await podsOf(namespace, labelSelector);
    return pods.length === count && pods.every(isReady) ? pods : undefined;
  }, timeoutMs, `${count} Ready pods ${labelSelector} in ${namespace}`);
}

export async function podLogs(namespace: string, name: string, container?: string, previous = false): Promise<string> {
  return core().readNamespacedPodLog({ namespace, name, container, previous });
}

/** The host PID of a pod's container: containerd's task of the containerID in the pod status. */
export async function containerPid(pod: V1Pod, container = pod.spec!.containers[0]!.name): Promise<number> {
  const id = pod.status?.containerStatuses?.find((s) => s.name === container)?.containerID?.replace(/^containerd:\/\//, '');
  if (!id) throw new Error(`pod ${pod.metadata?.name} has no running ${container} container`);
  const socket = layout(defaultRunDir).containerdSocket;
  const tasks = await run('ctr', ['-a', socket, '-n', 'k8s.io', 'tasks', 'ls']);
  const line = tasks.split('\n').find((l) => l.startsWith(id));
  const pid = Number(line?.trim().split(/\s+/)[1]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no task for container ${id}:\n${tasks}`);
  return pid;
}

/**
 * The service-account token the kubelet projected into a pod's volume (read from the host's
 * kubelet dir). Only its claims are returned: a token never reaches test output.
 */
export async function projectedTokenClaims(pod: V1Pod, volume = 'kube-api-access'): Promise<{ iat: number; exp: number }> {
  const dir = join(layout(defaultRunDir).kubeletRoot, 'pods', pod.metadata!.uid!, 'volumes', 'kubernetes.io~projected', volume);
  const names = await readdir(dir);
  if (!names.includes('token')) throw new Error(`no token in ${dir}`);
  const token = (await readFile(join(dir, 'token'), 'utf8')).trim();
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { iat: number; exp: number };
  return { iat: claims.iat, exp: claims.exp };
}
