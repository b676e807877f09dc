// End-to-end check of the harness (not a test-suite file: CI has no node packages yet). Starts the
// cluster, proves Node Ready, a pod running with the local pause image, the `kubernetes` Service
// reachable from the host through kube-proxy's rules, and the network guard; then stops it and
// checks nothing is left. Prints timings.
import { request } from 'node:https';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { defaultRunDir, down, up } from './cluster.js';
import { net, nodeName, pauseImage } from './config.js';
import { proveGuard } from './network.js';
import { waitFor } from './sh.js';

const say = (msg: string) => process.stdout.write(`${msg}\n`);

export async function smoke(): Promise<void> {
  const timings: Record<string, number> = {};
  let t = Date.now();
  const cluster = await up();
  timings['up'] = Date.now() - t;
  Object.assign(timings, Object.fromEntries(Object.entries(cluster.timings).map(([k, v]) => [`up: ${k}`, v])));
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const core = kc.makeApiClient(CoreV1Api);
    const node = await core.readNode({ name: nodeName });
    say(`node ${nodeName}: Ready, kubelet ${node.status?.nodeInfo?.kubeletVersion}, runtime ${node.status?.nodeInfo?.containerRuntimeVersion}, podCIDR ${node.spec?.podCIDR}, InternalIP ${node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address}`);

    t = Date.now();
    await waitFor('default ServiceAccount', 60_000, async () => {
      await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
      return true;
    });
    await core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'smoke-pause' },
        spec: { containers: [{ name: 'pause', image: pauseImage, imagePullPolicy: 'Never' }], terminationGracePeriodSeconds: 1 },
      },
    });
    await waitFor('pod smoke-pause Running', 120_000, async () => {
      const pod = await core.readNamespacedPod({ name: 'smoke-pause', namespace: 'default' });
      return pod.status?.phase === 'Running';
    });
    const pod = await core.readNamespacedPod({ name: 'smoke-pause', namespace: 'default' });
    timings['pod Running'] = Date.now() - t;
    say(`pod smoke-pause: Running, IP ${pod.status?.podIP}, token volume ${pod.spec?.volumes?.some((v) => v.projected) ? 'projected' : 'none'}`);

    const svc = await core.readNamespacedService({ name: 'kubernetes', namespace: 'default' });
    const clusterIp = svc.spec?.clusterIP;
    if (clusterIp !== net.apiServiceIp) throw new Error(`kubernetes Service ClusterIP is ${clusterIp}`);
    t = Date.now();
    let version = '';
    await waitFor(`https://${clusterIp}/version via kube-proxy`, 60_000, async () => {
      version = await getInsecure(`https://${clusterIp}/version`);
      return version.includes('gitVersion');
    });
    timings['ClusterIP reachable'] = Date.now() - t;
    say(`https://${clusterIp}/version from the host (kube-proxy DNAT): gitVersion ${JSON.parse(version).gitVersion}`);

    for (const line of await proveGuard()) say(`guard: ${line}`);
  } finally {
    t = Date.now();
    const left = await down(defaultRunDir);
    timings['down'] = Date.now() - t;
    say(`after down: processes ${left.processes.length}, mounts ${left.mounts.length}, links ${left.links.length}, kubepods cgroups ${left.cgroups.length}, routes/rules ${left.routes.length}, cni netns ${left.netns.length}, iptables KUBE-/CNI-/PCGUARD lines ${left.iptablesLines}, run dir ${left.runDirExists ? 'present' : 'gone'}`);
    for (const [k, v] of Object.entries(timings)) say(`timing: ${k}: ${v} ms`);
    if (left.processes.length + left.mounts.length + left.links.length + left.cgroups.length + left.routes.length + left.iptablesLines > 0 || left.runDirExists) {
      throw new Error(`down left things behind: ${JSON.stringify(left)}`);
    }
  }
}

/** GET without verifying the certificate: the address is this host's own ClusterIP (curl -k). */
function getInsecure(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { rejectUnauthorized: false, timeout: 3_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
