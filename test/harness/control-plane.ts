import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ensureBinaries } from './binaries.js';
import { generatePki, type ControlPlanePki } from './pki.js';
import { freePort } from './ports.js';
import { startProcess, type ManagedProcess } from './processes.js';
import { controlPlaneDirPrefix, recordControlPlanePids } from './reaper.js';

export { applyManifests, impersonatingKubeConfig } from './kube.js';

export interface ControlPlaneOptions {
  /** Authorize with RBAC instead of AlwaysAllow (the admin user is in system:masters either way). */
  rbac?: boolean;
  /** Write an audit log (level Metadata: who, what, user agent; no bodies) at `auditLogPath`. */
  audit?: boolean;
}

export interface ControlPlane {
  kubeconfigPath: string;
  server: string;
  kubeConfig: KubeConfig;
  /** True when wrapping an existing cluster from $PORTCULLIS_E2E_KUBECONFIG rather than local processes. */
  external: boolean;
  /** Whether requests are authorized by RBAC (assumed true for an external cluster). */
  rbac: boolean;
  /** The API server's audit log (JSON lines), when started with `audit: true` (local only). */
  auditLogPath?: string;
  /** PIDs of the local processes (empty for an external cluster), for leak checks. */
  pids(): number[];
  /**
   * Stops and starts kube-apiserver on the same port and etcd, leaving it down for `downMs` in
   * between (an outage). Rejects for an external cluster.
   */
  restartApiServer(downMs?: number): Promise<void>;
  /**
   * Outages, for the controller's fault tests: stop (SIGTERM, SIGKILL after 1 s) and start again on
   * the same port and data. Each rejects for an external cluster.
   */
  stopApiServer(): Promise<void>;
  startApiServer(): Promise<void>;
  stopEtcd(): Promise<void>;
  startEtcd(): Promise<void>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 90_000;

/**
 * Starts etcd + kube-apiserver as local processes on free loopback ports, or, when $PORTCULLIS_E2E_KUBECONFIG is
 * set, wraps that cluster so the same suites run against a real one.
 */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  if (process.env['PORTCULLIS_E2E_KUBECONFIG']) return wrapExternalCluster(process.env['PORTCULLIS_E2E_KUBECONFIG']);
  return startLocalControlPlane(opts.rbac ?? false, opts.audit ?? false);
}

async function wrapExternalCluster(kubeconfigEnv: string): Promise<ControlPlane> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigEnv);
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) throw new Error(`PORTCULLIS_E2E_KUBECONFIG=${kubeconfigEnv} has no current cluster`);
  return {
    kubeconfigPath: kubeconfigEnv,
    server,
    kubeConfig,
    external: true,
    rbac: true,
    pids: () => [],
    async restartApiServer() {
      throw new Error('restartApiServer is not supported against an external cluster (PORTCULLIS_E2E_KUBECONFIG is set)');
    },
    stopApiServer: () => externalOutage('stopApiServer'),
    startApiServer: () => externalOutage('startApiServer'),
    stopEtcd: () => externalOutage('stopEtcd'),
    startEtcd: () => externalOutage('startEtcd'),
    async stop() {},
  };
}

async function externalOutage(what: string): Promise<void> {
  throw new Error(`${what} is not supported against an external cluster (PORTCULLIS_E2E_KUBECONFIG is set)`);
}

/** Pure: the kube-apiserver command line for one local control plane. */
export function apiServerArgs(p: {
  pki: ControlPlanePki;
  etcdUrl: string;
  port: number;
  certDir: string;
  rbac: boolean;
}): string[] {
  return [
    `--etcd-servers=${p.etcdUrl}`,
    `--secure-port=${p.port}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--cert-dir=${p.certDir}`,
    `--tls-cert-file=${p.pki.servingCert}`,
    `--tls-private-key-file=${p.pki.servingKey}`,
    `--client-ca-file=${p.pki.caCert}`,
    `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
    `--service-account-key-file=${p.pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${p.pki.serviceAccountKey}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    `--authorization-mode=${p.rbac ? 'RBAC' : 'AlwaysAllow'}`,
    // No controller-manager runs, so nothing would create the default ServiceAccount pods need.
    '--disable-admission-plugins=ServiceAccount',
    // No kube-proxy/endpoints to reconcile; loopback is not a valid Endpoints address anyway.
    '--endpoint-reconciler-type=none',
    '--profiling=false',
    '--v=1',
  ];
}

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
`;

async function startLocalControlPlane(rbac: boolean, audit: boolean): Promise<ControlPlane> {
  const binaries = await ensureBinaries();
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), controlPlaneDirPrefix));
  let apiserver: ManagedProcess | undefined;
  let etcd: ManagedProcess | undefined;

  const stop = async () => {
    // API server first so it does not log a storm of etcd errors; then etcd; then the files.
    await apiserver?.stop();
    await etcd?.stop();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const pki = await generatePki(dir);
    const [clientPort, peerPort, apiPort] = await distinctFreePorts(3);
    const etcdUrl = `http://127.0.0.1:${clientPort}`;
    const startEtcd = async () => {
      etcd = startProcess('etcd', binaries.etcd, [
        '--name=default',
        `--data-dir=${join(dir, 'etcd-data')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
        // Test data is throwaway: skip fsync, which dominates write latency on shared disks.
        '--unsafe-no-fsync',
        '--log-level=warn',
      ], join(dir, 'etcd.log'));
      await recordControlPlanePids(dir, [etcd.pid, ...(apiserver && !apiserver.hasExited() ? [apiserver.pid] : [])]);
      await waitUntil(etcd, 'etcd /health', () => httpOk(`${etcdUrl}/health`));
    };
    await startEtcd();

    const args = apiServerArgs({ pki, etcdUrl, port: apiPort, certDir: join(dir, 'apiserver-certs'), rbac });
    const auditLogPath = audit ? join(dir, 'audit.log') : undefined;
    if (auditLogPath !== undefined) {
      await writeFile(join(dir, 'audit-policy.yaml'), AUDIT_POLICY);
      // Written as requests complete (blocking mode) and appended across restarts: counts per user agent.
      args.push(`--audit-policy-file=${join(dir, 'audit-policy.yaml')}`, `--audit-log-path=${auditLogPath}`, '--audit-log-format=json', '--audit-log-mode=blocking', '--audit-log-maxsize=0');
    }
    const server = `https://127.0.0.1:${apiPort}`;
    const tls = {
      ca: await readFile(pki.caCert),
      cert: await readFile(pki.adminCert),
      key: await readFile(pki.adminKey),
    };
    const startApiServer = async () => {
      apiserver = startProcess('kube-apiserver', binaries.kubeApiserver, args, join(dir, 'kube-apiserver.log'));
      await recordControlPlanePids(dir, [etcd!.pid, apiserver.pid]);
      await waitUntil(apiserver, 'kube-apiserver /readyz', () => httpsOk(`${server}/readyz`, tls));
    };
    await startApiServer();

    const kubeconfigPath = join(dir, 'kubeconfig');
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'portcullis-test', server, caFile: pki.caCert }],
      users: [{ name: 'portcullis-test-admin', certFile: pki.adminCert, keyFile: pki.adminKey }],
      contexts: [{ name: 'portcullis-test', cluster: 'portcullis-test', user: 'portcullis-test-admin' }],
      currentContext: 'portcullis-test',
    });
    await writeFile(kubeconfigPath, kubeConfig.exportConfig(), { mode: 0o600 });
    process.stderr.write(`[harness] control plane ready at ${server} in ${Date.now() - started} ms (rbac=${rbac})\n`);

    return {
      kubeconfigPath,
      server,
      kubeConfig,
      external: false,
      rbac,
      ...(auditLogPath !== undefined && { auditLogPath }),
      pids: () => [etcd, apiserver].filter((p): p is ManagedProcess => p !== undefined).map((p) => p.pid),
      async stopApiServer() {
        await apiserver?.stop(1_000);
      },
      startApiServer,
      async stopEtcd() {
        // No grace (SIGTERM, then SIGKILL at once): as abrupt as a crash.
        await etcd?.stop(0);
      },
      startEtcd,
      async restartApiServer(downMs = 0) {
        const restartStarted = Date.now();
        // With watches open, graceful termination stalls for many seconds; a 1 s grace then SIGKILL
        // keeps restarts quick and is as realistic as a crash.
        await apiserver?.stop(1_000);
        if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
        await startApiServer();
        process.stderr.write(`[harness] kube-apiserver restarted in ${Date.now() - restartStarted} ms\n`);
      },
      stop,
    };
  } catch (err) {
    const tails = await Promise.all(
      [etcd, apiserver].filter((p): p is ManagedProcess => p !== undefined).map(async (p) => `--- ${p.name} log ---\n${await p.logTail()}`),
    );
    await stop();
    throw new Error(`local control plane failed to start: ${(err as Error).message}\n${tails.join('\n')}`);
  }
}

async function distinctFreePorts(count: 3): Promise<[number, number, number]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  const [a, b, c] = [...ports];
  return [a!, b!, c!];
}

/** Polls `probe` until it returns true; fails fast if the process exits first. */
async function waitUntil(proc: ManagedProcess, what: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.hasExited()) throw new Error(`${proc.name} exited before ${what} was ready`);
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${READY_TIMEOUT_MS} ms waiting for ${what}`);
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** GET over mutual TLS: true on 200 (the control plane's and the cluster's readiness probes). */
export function httpsOk(url: string, tls: { ca: Buffer; cert: Buffer; key: Buffer }): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { ...tls, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
