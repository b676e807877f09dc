// Layout of the single-node cluster and the config files the harness writes. Pure: every function
// here returns text or values, nothing touches the machine. See README.md beside this file.
import { join } from 'node:path';

/** Address plan. Ranges chosen away from netns.ts's 10.203.0.0/16 so both can run side by side. */
export const net = {
  /** The node's own address: a /32 on a local bridge (the `dummy` link type is missing here). */
  nodeIp: '10.207.0.1',
  nodeBridge: 'pcnode0',
  /** The CNI bridge carrying the pods; the plugin creates it, down deletes it. */
  podBridge: 'pccni0',
  clusterCidr: '10.205.0.0/16',
  /** kube-controller-manager gives the first (only) node the first /24 of clusterCidr. */
  podCidr: '10.205.0.0/24',
  podGateway: '10.205.0.1',
  serviceCidr: '10.206.0.0/24',
  /** First address of serviceCidr: the `kubernetes` Service's ClusterIP. */
  apiServiceIp: '10.206.0.1',
  apiPort: 6443,
} as const;

export const nodeName = 'portcullis-node';
export const guardChain = 'PCGUARD';
export const pauseImage = 'localhost/portcullis/pause:harness';

/** Every path lives under one run dir, so down can remove it all (and find its mounts). */
export function layout(runDir: string) {
  return {
    runDir,
    statePath: join(runDir, 'state.json'),
    pki: join(runDir, 'pki'),
    etcdData: join(runDir, 'etcd'),
    containerdRoot: join(runDir, 'containerd', 'root'),
    containerdState: join(runDir, 'containerd', 'state'),
    containerdConfig: join(runDir, 'containerd', 'config.toml'),
    containerdSocket: join(runDir, 'containerd', 'containerd.sock'),
    runcWrapper: join(runDir, 'containerd', 'runc-clamp'),
    cniConfDir: join(runDir, 'cni', 'net.d'),
    cniDataDir: join(runDir, 'cni', 'ipam'),
    kubeletRoot: join(runDir, 'kubelet'),
    kubeletConfig: join(runDir, 'kubelet-config.yaml'),
    podLogs: join(runDir, 'pod-logs'),
    kubeProxyConfig: join(runDir, 'kube-proxy-config.yaml'),
    kubeconfig: (user: string) => join(runDir, `${user}.kubeconfig`),
    log: (name: string) => join(runDir, 'logs', `${name}.log`),
  };
}
export type Layout = ReturnType<typeof layout>;

/** containerd 1.6 (Debian's) config: own root, state and socket; cgroupfs; runc via the clamp. */
export function containerdConfig(l: Layout): string {
  return `version = 2
root = ${JSON.stringify(l.containerdRoot)}
state = ${JSON.stringify(l.containerdState)}
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = ${JSON.stringify(l.containerdSocket)}

[ttrpc]
  address = ${JSON.stringify(`${l.containerdSocket}.ttrpc`)}

[plugins."io.containerd.internal.v1.opt"]
  path = ${JSON.stringify(join(l.containerdRoot, 'opt'))}

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = ${JSON.stringify(pauseImage)}
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = ${JSON.stringify(l.runcWrapper)}
        Root = ${JSON.stringify(join(l.containerdState, 'runc'))}
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = ${JSON.stringify(l.cniConfDir)}
    max_conf_num = 1
`;
}

/**
 * runc wrapper set as containerd's BinaryName: CAP_SYS_RESOURCE is dropped on these machines, so a
 * negative oom_score_adj (kubelet asks -998 for sandboxes) makes runc fail with "can't get final
 * child's PID from pipe: EOF". Clamp negatives to 0 in the bundle's config.json, then exec runc.
 */
export function runcWrapperScript(runcPath: string): string {
  return `#!/bin/sh
bundle=""
prev=""
for arg in "$@"; do
  case "$prev" in --bundle|-b) bundle="$arg" ;; esac
  case "$arg" in --bundle=*) bundle="\${arg#--bundle=}" ;; esac
  prev="$arg"
done
if [ -n "$bundle" ] && [ -f "$bundle/config.json" ]; then
  sed -i -E 's/"oomScoreAdj":-[0-9]+/"oomScoreAdj":0/g' "$bundle/config.json"
fi
exec ${runcPath} "$@"
`;
}

/** CNI: bridge (no masquerade: nothing leaves this machine) + host-local IPAM in the run dir, portmap. */
export function cniConfig(l: Layout): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: 'portcullis',
    plugins: [
      {
        type: 'bridge',
        bridge: net.podBridge,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          dataDir: l.cniDataDir,
          ranges: [[{ subnet: net.podCidr, gateway: net.podGateway }]],
          routes: [{ dst: '0.0.0.0/0' }],
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  }, null, 2);
}

/** kubelet on cgroup v1 (cgroupfs, failCgroupV1 false), serving on the node IP only. */
export function kubeletConfig(l: Layout, caCert: string): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
failCgroupV1: false
address: ${net.nodeIp}
healthzBindAddress: ${net.nodeIp}
port: 10250
readOnlyPort: 0
containerRuntimeEndpoint: unix://${l.containerdSocket}
podLogsDir: ${l.podLogs}
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: ${caCert}}
authorization: {mode: Webhook}
clusterDomain: cluster.local
failSwapOn: false
staticPodPath: ""
# Shared CI disks are often fuller than kubelet's defaults tolerate; evicting test pods helps no one.
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
`;
}

export function kubeProxyConfig(l: Layout): string {
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: ${l.kubeconfig('kube-proxy')}}
hostnameOverride: ${nodeName}
bindAddress: ${net.nodeIp}
healthzBindAddress: ${net.nodeIp}:10256
metricsBindAddress: ${net.nodeIp}:10249
clusterCIDR: ${net.clusterCidr}
# No host sysctl changes beyond what down restores: leave conntrack limits and route_localnet alone.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
iptables: {localhostNodePorts: false}
`;
}

/** A kubeconfig with client-certificate files (all identities share the harness CA). */
export function kubeconfigText(server: string, caCert: string, cert: string, key: string): string {
  return `apiVersion: v1
kind: Config
clusters: [{name: portcullis, cluster: {server: "${server}", certificate-authority: "${caCert}"}}]
users: [{name: user, user: {client-certificate: "${cert}", client-key: "${key}"}}]
contexts: [{name: portcullis, context: {cluster: portcullis, user: user}}]
current-context: portcullis
`;
}
