// One command starts the single-node cluster (up), one stops it and removes all it made (down).
// A state file in the run dir records PIDs and host settings; up runs down first, so a crashed
// run is cleaned by the next one. See README.md beside this file.
import { chmod, mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ensureClusterBinaries } from '../binaries.js';
import { httpsOk } from '../control-plane.js';
import { generatePki, issue } from '../pki.js';
import { freePort } from '../ports.js';
import {
  cniConfig, containerdConfig, kubeconfigText, kubeletConfig, kubeProxyConfig, layout, net, nodeName,
  pauseImage, runcWrapperScript, type Layout,
} from './config.js';
import { kubepodsCgroups, removeKubepodsCgroups } from './cgroups.js';
import { ensureHostPackages } from './host-packages.js';
import {
  cniNetns, countIptables, ensureGuardFirst, leftoverLinks, leftoverRoutes, readSysctls, removeInterfaces,
  removeIptables, restoreSysctls, setUpNetwork,
} from './network.js';
import { buildPauseImage } from './pause-image.js';
import { isOurs, processesMatching, stopPid, type RecordedProcess } from './processes.js';
import { run, spawnDaemon, tryRun, waitFor } from './sh.js';

export const defaultRunDir = process.env['PORTCULLIS_CLUSTER_DIR'] ?? '/tmp/portcullis-cluster';

interface State {
  processes: RecordedProcess[];
  sysctls: Record<string, string>;
  /** cni-* network namespaces that existed before up (never deleted by down). */
  netnsBefore: string[];
}

export interface Cluster {
  kubeconfigPath: string;
  server: string;
  timings: Record<string, number>;
}

const log = (msg: string) => process.stderr.write(`[cluster] ${msg}\n`);

export interface UpOptions {
  runDir?: string;
  /** Appended to kube-apiserver's flags, e.g. a short `--service-account-max-token-expiration`
   * (with `--service-account-extend-token-expiration=false`) for token-rotation tests. */
  apiServerArgs?: string[];
}

export async function up(opts: UpOptions = {}): Promise<Cluster> {
  const runDir = opts.runDir ?? defaultRunDir;
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const mark = (name: string) => { timings[name] = Date.now() - t0; log(`${name} at ${timings[name]} ms`); };
  await ensureHostPackages();
  mark('host packages');
  const bin = await ensureClusterBinaries();
  mark('binaries');
  await down(runDir, { quiet: true }); // a crashed previous run, if any
  const l = layout(runDir);
  for (const dir of [l.pki, l.cniConfDir, l.cniDataDir, l.podLogs, join(runDir, 'logs'), join(runDir, 'containerd')]) {
    await mkdir(dir, { recursive: true });
  }
  const state: State = { processes: [], sysctls: await readSysctls(), netnsBefore: await cniNetns() };
  const save = () => writeFile(l.statePath, JSON.stringify(state, null, 2));
  await save();
  const start = async (name: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv) => {
    state.processes.push({ name, pid: spawnDaemon(cmd, args, l.log(name), env) });
    await save();
  };

  try {
    const pki = await generatePki(l.pki, [
      `IP:${net.nodeIp}`, `IP:${net.apiServiceIp}`, 'DNS:kubernetes', 'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc.cluster.local',
    ]);
    const identities: Array<[string, string]> = [
      ['kubelet', `/O=system:nodes/CN=system:node:${nodeName}`],
      ['kube-controller-manager', '/CN=system:kube-controller-manager'],
      ['kube-scheduler', '/CN=system:kube-scheduler'],
      ['kube-proxy', '/CN=system:kube-proxy'],
      ['apiserver-kubelet-client', '/O=system:masters/CN=kube-apiserver-kubelet-client'],
    ];
    // One at a time: openssl updates the CA's serial file (ca.srl) on each issue.
    for (const [name, subject] of identities) await issue(l.pki, name, subject, ['extendedKeyUsage=clientAuth']);
    const server = `https://${net.nodeIp}:${net.apiPort}`;
    for (const [name] of [['admin'], ...identities] as Array<[string]>) {
      await writeFile(l.kubeconfig(name), kubeconfigText(server, pki.caCert, join(l.pki, `${name}.crt`), join(l.pki, `${name}.key`)), { mode: 0o600 });
    }
    mark('pki');

    await setUpNetwork();
    mark('network');

    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${clientPort}`;
    await start('etcd', bin.etcd, [
      '--name=default', `--data-dir=${l.etcdData}`, `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`, `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${peerPort}`, '--unsafe-no-fsync', '--log-level=warn',
    ]);
    await waitFor('etcd /health', 60_000, async () => (await fetch(`${etcdUrl}/health`, { signal: AbortSignal.timeout(2_000) })).ok);
    mark('etcd ready');

    await start('kube-apiserver', bin.kubeApiserver, [
      `--etcd-servers=${etcdUrl}`, `--bind-address=${net.nodeIp}`, `--advertise-address=${net.nodeIp}`,
      `--secure-port=${net.apiPort}`, `--cert-dir=${join(l.pki, 'apiserver')}`,
      `--tls-cert-file=${pki.servingCert}`, `--tls-private-key-file=${pki.servingKey}`,
      `--client-ca-file=${pki.caCert}`, '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      `--service-cluster-ip-range=${net.serviceCidr}`, '--authorization-mode=Node,RBAC',
      `--kubelet-client-certificate=${join(l.pki, 'apiserver-kubelet-client.crt')}`,
      `--kubelet-client-key=${join(l.pki, 'apiserver-kubelet-client.key')}`,
      // Without it the API server dials kubelets by node name, which nothing resolves here.
      '--kubelet-preferred-address-types=InternalIP', '--allow-privileged=true', '--profiling=false', '--v=1',
      ...(opts.apiServerArgs ?? []),
    ]);
    const tls = { ca: await readFile(pki.caCert), cert: await readFile(pki.adminCert), key: await readFile(pki.adminKey) };
    await waitFor('kube-apiserver /readyz', 90_000, () => httpsOk(`${server}/readyz`, tls));
    mark('kube-apiserver ready');

    await start('kube-controller-manager', bin.kubeControllerManager, [
      `--kubeconfig=${l.kubeconfig('kube-controller-manager')}`,
      `--authentication-kubeconfig=${l.kubeconfig('kube-controller-manager')}`,
      `--authorization-kubeconfig=${l.kubeconfig('kube-controller-manager')}`,
      `--bind-address=${net.nodeIp}`, '--leader-elect=false', '--use-service-account-credentials=true',
      `--service-account-private-key-file=${pki.serviceAccountKey}`, `--root-ca-file=${pki.caCert}`,
      `--cluster-signing-cert-file=${pki.caCert}`, `--cluster-signing-key-file=${join(l.pki, 'ca.key')}`,
      '--allocate-node-cidrs=true', `--cluster-cidr=${net.clusterCidr}`, '--node-cidr-mask-size=24',
      `--service-cluster-ip-range=${net.serviceCidr}`, '--v=1',
    ]);
    await start('kube-scheduler', bin.kubeScheduler, [
      `--kubeconfig=${l.kubeconfig('kube-scheduler')}`,
      `--authentication-kubeconfig=${l.kubeconfig('kube-scheduler')}`,
      `--authorization-kubeconfig=${l.kubeconfig('kube-scheduler')}`,
      `--bind-address=${net.nodeIp}`, '--leader-elect=false', '--v=1',
    ]);

    const runc = (await run('sh', ['-c', 'command -v runc'])).trim();
    await writeFile(l.runcWrapper, runcWrapperScript(runc));
    await chmod(l.runcWrapper, 0o755);
    await writeFile(l.containerdConfig, containerdConfig(l));
    await writeFile(join(l.cniConfDir, '10-portcullis.conflist'), cniConfig(l));
    await start('containerd', 'containerd', ['--config', l.containerdConfig], noPullEnv());
    await waitFor('containerd socket', 30_000, () => tryRun('ctr', ['-a', l.containerdSocket, 'version'], 5_000));
    await importImage(await buildPauseImage(join(runDir, 'pause-image'), pauseImage), runDir);
    mark('containerd ready, pause image imported');

    await writeFile(l.kubeletConfig, kubeletConfig(l, pki.caCert));
    await start('kubelet', bin.kubelet, [
      `--config=${l.kubeletConfig}`, `--kubeconfig=${l.kubeconfig('kubelet')}`, `--root-dir=${l.kubeletRoot}`,
      `--hostname-override=${nodeName}`, `--node-ip=${net.nodeIp}`, '--v=1',
    ]);
    await writeFile(l.kubeProxyConfig, kubeProxyConfig(l));
    await start('kube-proxy', bin.kubeProxy, [`--config=${l.kubeProxyConfig}`, '--v=1']);

    const kc = new KubeConfig();
    kc.loadFromFile(l.kubeconfig('admin'));
    const core = kc.makeApiClient(CoreV1Api);
    await waitFor(`node ${nodeName} Ready`, 120_000, async () => {
      await assertAlive(state, runDir);
      const node = await core.readNode({ name: nodeName });
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    });
    mark('node Ready');
    // Pods are refused until the ServiceAccount controller has made the namespace's default account.
    await waitFor('default ServiceAccount', 60_000, async () => {
      await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
      return true;
    });
    // kube-proxy prepends its FORWARD jumps on its first sync (and leaves them in place later):
    // wait for that sync, then put the guard back in front of them.
    await waitFor('kube-proxy first sync', 60_000, async () => {
      await assertAlive(state, runDir);
      return (await run('iptables', ['-t', 'nat', '-S', 'KUBE-SERVICES'])).includes(net.apiServiceIp);
    });
    await ensureGuardFirst();
    mark('kube-proxy synced, guard first');
    log(`up in ${Date.now() - t0} ms; KUBECONFIG=${l.kubeconfig('admin')}`);
    return { kubeconfigPath: l.kubeconfig('admin'), server, timings };
  } catch (err) {
    const tails = await logTails(l, state);
    await down(runDir, { quiet: true }).catch((e: Error) => log(`cleanup after failure: ${e.message}`));
    throw new Error(`cluster up failed: ${(err as Error).message}\n${tails}`);
  }
}

/**
 * containerd must never pull (images are imported; a pull would go to a registry outside this
 * machine): every registry request goes to a proxy on a closed loopback port and fails at once,
 * without even a DNS lookup of the registry. Pods should still use imagePullPolicy: Never.
 */
export function noPullEnv(): NodeJS.ProcessEnv {
  const closed = 'http://127.0.0.1:9';
  return { ...process.env, HTTP_PROXY: closed, HTTPS_PROXY: closed, http_proxy: closed, https_proxy: closed, NO_PROXY: '', no_proxy: '' };
}

/**
 * Imports an image tarball (docker-archive or OCI layout, as `ctr images import` takes) into the
 * running cluster's containerd, where kubelet sees it; pods then use imagePullPolicy: Never.
 */
export async function importImage(tarPath: string, runDir = defaultRunDir): Promise<void> {
  await run('ctr', ['-a', layout(runDir).containerdSocket, '-n', 'k8s.io', 'images', 'import', tarPath], 300_000);
}

async function assertAlive(state: State, runDir: string): Promise<void> {
  const live = new Set((await processesMatching(runDir)).map((p) => p.pid));
  const dead = state.processes.filter((p) => !live.has(p.pid));
  // containerd and etcd name the run dir through a flag too, so every daemon is checkable.
  if (dead.length > 0) throw new Error(`exited early: ${dead.map((p) => p.name).join(', ')}`);
}

async function logTails(l: Layout, state: State): Promise<string> {
  const parts: string[] = [];
  for (const p of state.processes) {
    const text = await readFile(l.log(p.name), 'utf8').catch(() => '');
    parts.push(`--- ${p.name} log (last 15 lines) ---\n${text.split('\n').slice(-15).join('\n')}`);
  }
  return parts.join('\n');
}

export interface Leftovers {
  processes: string[];
  mounts: string[];
  links: string[];
  cgroups: string[];
  routes: string[];
  netns: string[];
  iptablesLines: number;
  runDirExists: boolean;
}

/**
 * Stops everything and removes what up made. Idempotent, and works from the state file alone (or
 * without it: the cleanup of links, rules, mounts and processes is by name and run dir).
 */
export async function down(runDir = defaultRunDir, opts: { quiet?: boolean } = {}): Promise<Leftovers> {
  const t0 = Date.now();
  const l = layout(runDir);
  const raw = await readFile(l.statePath, 'utf8').catch(() => undefined);
  const state: State = raw ? (JSON.parse(raw) as State) : { processes: [], sysctls: {}, netnsBefore: [] };
  const byName = (n: string) => state.processes.filter((p) => p.name === n);
  const stop = async (...names: string[]) => {
    for (const name of names) for (const p of byName(name)) await stopPid(p.pid, runDir, 5_000);
  };

  // No new pods: stop the controllers and the scheduler, then let kubelet tear the pods down through
  // CRI (CNI DEL, volume unmounts) while it and the API server still run.
  await stop('kube-controller-manager', 'kube-scheduler');
  const kubeletUp = (await Promise.all(byName('kubelet').map((p) => isOurs(p.pid, runDir)))).includes(true);
  const apiUp = (await Promise.all(byName('kube-apiserver').map((p) => isOurs(p.pid, runDir)))).includes(true);
  if (kubeletUp && apiUp) await drainPods(l).catch((e: Error) => log(`drain: ${e.message}`));
  await stop('kubelet', 'kube-proxy');
  // Anything still running (shims of pods kubelet did not stop) dies by PID; their command lines
  // carry containerd's socket path, inside the run dir.
  for (const p of await processesMatching(runDir)) {
    if (!state.processes.some((s) => s.pid === p.pid && s.name === 'containerd')) await stopPid(p.pid, runDir, 1_000);
  }
  await stop('containerd', 'kube-apiserver', 'etcd');
  for (const p of await processesMatching(runDir)) await stopPid(p.pid, runDir, 1_000);
  // Container processes outlive their shims and do not name the run dir: find them by cgroup.
  await removeKubepodsCgroups();

  await unmountUnder(runDir);
  const netnsNow = await cniNetns();
  await removeInterfaces(netnsNow.filter((n) => !state.netnsBefore.includes(n)));
  await removeIptables();
  await restoreSysctls(state.sysctls);
  await rm(runDir, { recursive: true, force: true });
  // The shims' socket dir is fixed in containerd 1.6; remove it (and its parent) once empty.
  for (const dir of ['/run/containerd/s', '/run/containerd/runc', '/run/containerd']) await rmdir(dir).catch(() => undefined);
  const left = await leftovers(runDir);
  if (!opts.quiet) log(`down in ${Date.now() - t0} ms; leftovers: ${JSON.stringify(left)}`);
  return left;
}

async function drainPods(l: Layout): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(l.kubeconfig('admin'));
  const core = kc.makeApiClient(CoreV1Api);
  const namespaces = (await core.listNamespace()).items.map((n) => n.metadata!.name!);
  for (const namespace of namespaces) await core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 1 });
  await waitFor('pods gone', 60_000, async () => (await core.listPodForAllNamespaces()).items.length === 0);
  await waitFor('no running pod tasks', 30_000, async () => {
    const tasks = await run('ctr', ['-a', l.containerdSocket, '-n', 'k8s.io', 'tasks', 'ls', '-q'], 5_000);
    return tasks.trim() === '';
  });
}

/** Mount points at or under `dir`, deepest first (from this process's mountinfo). */
async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const points = info.split('\n').map((l) => l.split(' ')[4] ?? '').filter((p) => p === dir || p.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

async function unmountUnder(dir: string): Promise<void> {
  for (let pass = 0; pass < 3; pass++) {
    const points = await mountsUnder(dir);
    if (points.length === 0) return;
    for (const p of points) if (!(await tryRun('umount', [p]))) await tryRun('umount', ['-l', p]);
  }
}

export async function leftovers(runDir = defaultRunDir): Promise<Leftovers> {
  const procs = await processesMatching(runDir);
  const shims = (await run('ps', ['-eo', 'pid,args'])).split('\n').filter((l) => /containerd-shim|kubelet|kube-proxy/.test(l) && l.includes(runDir));
  return {
    processes: [...procs.map((p) => `${p.pid} ${p.name}`), ...shims],
    mounts: await mountsUnder(runDir),
    links: await leftoverLinks(),
    cgroups: await kubepodsCgroups(),
    routes: await leftoverRoutes(),
    netns: (await cniNetns()),
    iptablesLines: await countIptables(),
    runDirExists: await readFile(join(runDir, 'state.json')).then(() => true, () => false),
  };
}
