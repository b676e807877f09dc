// Host networking of the single-node cluster: the node bridge, sysctls, the network guard, and the
// cleanup of everything kubelet, kube-proxy and CNI add. The guard keeps pod and service traffic on
// this machine (testing notes: nothing addressed to those ranges may leave it).
import { readFile, readdir } from 'node:fs/promises';
import { guardChain, net } from './config.js';
import { run, tryRun } from './sh.js';

/** Routing table and rule priority for host-originated service traffic (see setUpNetwork). */
export const hostServiceTable = '7207';

const sysctls = ['net.ipv4.ip_forward', 'net.bridge.bridge-nf-call-iptables'] as const;

/** Current values, recorded in the state file so down restores them. */
export async function readSysctls(): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const key of sysctls) {
    values[key] = (await readFile(`/proc/sys/${key.replaceAll('.', '/')}`, 'utf8').catch(() => '')).trim();
  }
  return values;
}

export async function restoreSysctls(values: Record<string, string>): Promise<void> {
  for (const [key, value] of Object.entries(values)) {
    if (value !== '') await tryRun('sysctl', ['-qw', `${key}=${value}`]);
  }
}

/** The guard's rules, as `iptables` argument lists (each is checked with -C and removed with -D). */
export function guardRules(): string[][] {
  return [
    [guardChain, '-d', net.clusterCidr, '-j', 'RETURN'],
    [guardChain, '-d', net.serviceCidr, '-j', 'RETURN'],
    [guardChain, '-d', net.nodeIp, '-j', 'RETURN'],
    [guardChain, '-j', 'DROP'],
  ];
}
const guardJump = ['FORWARD', '-s', net.clusterCidr, '-j', guardChain];

export async function setUpNetwork(): Promise<void> {
  await run('modprobe', ['br_netfilter']).catch(() => undefined); // present but maybe loaded already
  await run('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
  await run('sysctl', ['-qw', 'net.bridge.bridge-nf-call-iptables=1']);
  await run('ip', ['link', 'add', net.nodeBridge, 'type', 'bridge']);
  await run('ip', ['addr', 'add', `${net.nodeIp}/32`, 'dev', net.nodeBridge]);
  await run('ip', ['link', 'set', net.nodeBridge, 'up']);
  // Blackholes: the service range is only ever DNATed locally by kube-proxy; pod addresses outside
  // this node's /24 (routed by the CNI bridge) have no other node to go to.
  await run('ip', ['route', 'add', 'blackhole', net.serviceCidr]);
  await run('ip', ['route', 'add', 'blackhole', net.clusterCidr]);
  // A socket on the host cannot connect() to a blackholed address: routing happens before
  // kube-proxy's OUTPUT DNAT. Host-originated packets (iif lo) to the service range look up a table
  // routing it to the node bridge, which has no ports, so nothing can leave that way either.
  await run('ip', ['route', 'add', net.serviceCidr, 'dev', net.nodeBridge, 'table', hostServiceTable]);
  await run('ip', ['rule', 'add', 'pref', hostServiceTable, 'iif', 'lo', 'to', net.serviceCidr, 'lookup', hostServiceTable]);
  await run('iptables', ['-N', guardChain]);
  for (const rule of guardRules()) await run('iptables', ['-A', ...rule]);
  await ensureGuardFirst();
}

/** Keeps the guard's jump first in FORWARD (kube-proxy and CNI insert ACCEPT rules at the top). */
export async function ensureGuardFirst(): Promise<void> {
  const rules = (await run('iptables', ['-S', 'FORWARD'])).split('\n').filter((l) => l.startsWith('-A '));
  if (rules[0]?.includes(`-j ${guardChain}`)) return;
  while (await tryRun('iptables', ['-D', ...guardJump])) { /* remove any copy further down */ }
  await run('iptables', ['-I', ...guardJump.slice(0, 1), '1', ...guardJump.slice(1)]);
}

/** Proof by inspection, never by sending packets: routes and rules as the guard wants them. */
export async function proveGuard(): Promise<string[]> {
  const lines: string[] = [];
  // As forwarded from a pod (iif = the pod bridge): the kernel refuses the lookup (EINVAL) for
  // blackholed destinations, while the controls (this node's pods, the node IP) resolve.
  const fromPod = (dst: string) => ['route', 'get', dst, 'from', '10.205.0.9', 'iif', net.podBridge];
  for (const dst of ['10.206.0.200', '10.205.7.7', '192.0.2.77']) {
    const out = await run('ip', fromPod(dst)).then((o) => o.trim().split('\n')[0]!, (e: Error) => e.message);
    const blocked = /Invalid argument/.test(out);
    // 192.0.2.77 (TEST-NET-1, never contacted) shows what the FORWARD guard is for: it routes.
    if (dst.startsWith('10.') && !blocked) throw new Error(`no blackhole for ${dst}: ${out}`);
    lines.push(`ip ${fromPod(dst).join(' ')}: ${blocked ? 'refused (blackhole)' : `${out} -> dropped by ${guardChain}`}`);
  }
  for (const dst of ['10.205.0.10', net.nodeIp]) {
    const out = (await run('ip', fromPod(dst))).trim().split('\n')[0]!;
    lines.push(`ip ${fromPod(dst).join(' ')}: ${out}`);
  }
  const hostOther = await run('ip', ['route', 'get', '10.205.7.7']).then((o) => o.trim(), (e: Error) => e.message);
  if (!/Invalid argument/.test(hostOther)) throw new Error(`host route to other pod ranges: ${hostOther}`);
  lines.push('ip route get 10.205.7.7: refused (blackhole)');
  for (const cidr of [net.serviceCidr, net.clusterCidr]) {
    const out = (await run('ip', ['route', 'show', 'table', 'main', 'type', 'blackhole', cidr])).trim();
    if (!out) throw new Error(`no blackhole route for ${cidr}`);
    lines.push(`ip route show type blackhole ${cidr}: ${out}`);
  }
  // From the host itself: to the portless node bridge (kube-proxy DNATs real ClusterIPs first).
  const hostOut = (await run('ip', ['route', 'get', '10.206.0.200'])).trim().split('\n')[0]!;
  const ports = (await run('ip', ['link', 'show', 'master', net.nodeBridge])).trim();
  if (!hostOut.includes(`dev ${net.nodeBridge}`) || ports !== '') throw new Error(`host service route: ${hostOut}; ports: ${ports}`);
  lines.push(`ip route get 10.206.0.200: ${hostOut} (${net.nodeBridge} has no ports)`);
  const local = (await run('ip', ['route', 'get', '10.205.0.9'])).trim().split('\n')[0]!;
  if (!local.includes(`dev ${net.podBridge}`)) throw new Error(`pod addresses not on ${net.podBridge}: ${local}`);
  lines.push(`ip route get 10.205.0.9: ${local}`);
  for (const rule of [guardJump, ...guardRules()]) {
    await run('iptables', ['-C', ...rule]);
    lines.push(`iptables -C ${rule.join(' ')}: ok`);
  }
  const first = (await run('iptables', ['-S', 'FORWARD'])).split('\n').find((l) => l.startsWith('-A '));
  if (!first?.includes(`-j ${guardChain}`)) throw new Error(`guard is not FORWARD's first rule: ${first}`);
  lines.push(`FORWARD rule 1: ${first}`);
  return lines;
}

const ours = (chain: string) => chain.startsWith('KUBE-') || chain.startsWith('CNI-') || chain === guardChain;

/**
 * Removes every rule that jumps to a KUBE-*, CNI-* or guard chain from the built-in chains, then
 * flushes and deletes those chains, in every table, for iptables and ip6tables. Only this harness
 * runs kubelet/kube-proxy/CNI on a machine, so those prefixes are ours.
 */
export async function removeIptables(): Promise<void> {
  for (const bin of ['iptables', 'ip6tables']) {
    const dump = await run(`${bin}-save`, []).catch(() => '');
    let table = '';
    const chains = new Map<string, Set<string>>();
    const jumps: Array<[string, string]> = [];
    for (const line of dump.split('\n')) {
      if (line.startsWith('*')) table = line.slice(1);
      else if (line.startsWith(':')) {
        const chain = line.slice(1).split(' ')[0]!;
        if (ours(chain)) (chains.get(table) ?? chains.set(table, new Set()).get(table)!).add(chain);
      } else if (line.startsWith('-A ')) {
        const [, chain] = line.split(' ');
        const target = /-j (\S+)/.exec(line)?.[1] ?? '';
        if (!ours(chain!) && ours(target)) jumps.push([table, line.slice(3)]);
      }
    }
    for (const [t, spec] of jumps) await tryRun('sh', ['-c', `${bin} -t ${t} -D ${spec}`]);
    for (const [t, set] of chains) for (const c of set) await tryRun(bin, ['-t', t, '-F', c]);
    for (const [t, set] of chains) for (const c of set) await tryRun(bin, ['-t', t, '-X', c]);
  }
}

/** Count of KUBE-*, CNI-* and guard chains/rules left (0 after down). */
export async function countIptables(): Promise<number> {
  let n = 0;
  for (const bin of ['iptables-save', 'ip6tables-save']) {
    const dump = await run(bin, []).catch(() => '');
    n += dump.split('\n').filter((l) => /KUBE-|CNI-|PCGUARD/.test(l)).length;
  }
  return n;
}

/** Deletes the bridges (veths die with their pods' netns), the blackholes, given netns names. */
export async function removeInterfaces(netns: string[]): Promise<void> {
  for (const ns of netns) await tryRun('ip', ['netns', 'delete', ns]);
  for (const dev of [net.podBridge, net.nodeBridge]) await tryRun('ip', ['link', 'delete', dev]);
  await tryRun('ip', ['route', 'del', 'blackhole', net.serviceCidr]);
  await tryRun('ip', ['route', 'del', 'blackhole', net.clusterCidr]);
  while (await tryRun('ip', ['rule', 'del', 'pref', hostServiceTable])) { /* all copies */ }
  await tryRun('ip', ['route', 'flush', 'table', hostServiceTable]);
}

/** Network namespaces named like containerd's CRI ones (cni-<uuid>). */
export async function cniNetns(): Promise<string[]> {
  return (await readdir('/var/run/netns').catch(() => [] as string[])).filter((n) => n.startsWith('cni-'));
}

/** Our links still present (bridges and veths on the pod bridge). */
export async function leftoverLinks(): Promise<string[]> {
  const out = await run('ip', ['-o', 'link', 'show']);
  return out.split('\n').filter((l) => l.includes(net.podBridge) || l.includes(net.nodeBridge)).map((l) => l.split(':')[1]!.trim());
}

/** Routes and rules of ours still present (blackholes, the host service table and rule). */
export async function leftoverRoutes(): Promise<string[]> {
  const routes = (await run('ip', ['route', 'show', 'table', 'all'])).split('\n');
  const rules = (await run('ip', ['rule', 'show'])).split('\n');
  return [
    ...routes.filter((l) => l.includes('10.205.') || l.includes('10.206.') || l.includes('10.207.')),
    ...rules.filter((l) => l.startsWith(`${hostServiceTable}:`)),
  ];
}
