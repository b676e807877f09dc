import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** A network namespace reachable from the host over a veth pair: an address that is not loopback
 * (EndpointSlices reject loopback) but whose traffic never leaves this machine. */
export interface TestHost {
  /** Network namespace name (for `ip netns exec`). */
  readonly namespace: string;
  /** Address inside the namespace (x.x.x.2 of its /30); servers listen here. */
  readonly ip: string;
  /** Host side of the veth pair (x.x.x.1); what the namespace sees as its peer. */
  readonly hostIp: string;
  /** Runs a command inside the namespace; the process is killed by destroy(). */
  run(cmd: string, args: string[]): ChildProcess;
  /** Kills processes started by run(), deletes the namespace (and with it the veth pair). */
  destroy(): Promise<void>;
}

// 10.203.0.0/16 holds 16384 /30 subnets. Claims are files created with O_EXCL so parallel vitest
// workers (separate processes) and concurrent test runs never pick the same subnet.
const SUBNETS = 16384;
export const TEST_RANGE = '10.203.0.0/16';
const claimDir = '/tmp/portcullis-netns-claims';

/** Pure: the /30 addresses for subnet index i (host side .1, inside .2 relative to the base). */
export function subnetAddresses(index: number): { hostIp: string; ip: string } {
  if (!Number.isInteger(index) || index < 0 || index >= SUBNETS) throw new RangeError(`subnet index ${index} out of range`);
  const third = index >> 6;
  const base = (index & 63) << 2;
  return { hostIp: `10.203.${third}.${base + 1}`, ip: `10.203.${third}.${base + 2}` };
}

async function ip(args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync('ip', args);
    return stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error("test hosts need the 'ip' command: apt-get install -y iproute2 (and run as root)");
    }
    throw new Error(`ip ${args.join(' ')} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

async function namespaceExists(name: string): Promise<boolean> {
  const out = await ip(['netns', 'list']);
  return out.split('\n').some((line) => line.split(' ')[0] === name);
}

/** Claims a free subnet index for `namespace`, reclaiming claims whose namespace no longer exists. */
async function claimSubnet(namespace: string): Promise<number> {
  await mkdir(claimDir, { recursive: true });
  const start = randomBytes(2).readUInt16BE() % SUBNETS;
  for (let n = 0; n < SUBNETS; n++) {
    const index = (start + n) % SUBNETS;
    const path = `${claimDir}/${index}`;
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(namespace);
      await handle.close();
      return index;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A claim left by a crashed run: its namespace is gone, so the subnet is free again. Claims
      // younger than a minute may belong to a host still being set up, so they are left alone.
      const ageMs = Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? Date.now());
      const owner = (await readFile(path, 'utf8').catch(() => '')).trim();
      if (ageMs > 60_000 && owner !== '' && !(await namespaceExists(owner))) await rm(path, { force: true });
    }
  }
  throw new Error('no free 10.203.0.0/16 test subnet');
}

/**
 * Creates a network namespace `pc-<name>-<random>` with lo up and a veth pair on a unique /30 in
 * 10.203.0.0/16. Needs root and iproute2; fails loudly otherwise (tests must not silently skip).
 */
export async function createTestHost(name: string): Promise<TestHost> {
  const namespace = `pc-${name.replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 20)}-${randomBytes(3).toString('hex')}`;
  // Safety net: without it, traffic to a test host that is already gone (or never existed) follows
  // the default route off this machine. Each host's /30 is more specific, so it still wins.
  await ip(['route', 'replace', 'blackhole', TEST_RANGE]);
  const index = await claimSubnet(namespace);
  const { hostIp, ip: innerIp } = subnetAddresses(index);
  const hostVeth = `pcv${index}h`;
  const innerVeth = `pcv${index}n`;
  const children = new Set<ChildProcess>();

  const destroy = async () => {
    await Promise.all([...children].map((child) => killChild(child)));
    if (await namespaceExists(namespace)) await ip(['netns', 'del', namespace]);
    // Deleting the namespace destroys the inner veth and with it the host peer; this covers a
    // failure between creating the pair and moving one end into the namespace.
    await ip(['link', 'del', hostVeth]).catch(() => undefined);
    await rm(`${claimDir}/${index}`, { force: true });
  };

  try {
    await ip(['netns', 'add', namespace]);
    await ip(['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', innerVeth]);
    await ip(['link', 'set', innerVeth, 'netns', namespace]);
    await ip(['addr', 'add', `${hostIp}/30`, 'dev', hostVeth]);
    await ip(['link', 'set', hostVeth, 'up']);
    await ip(['-n', namespace, 'addr', 'add', `${innerIp}/30`, 'dev', innerVeth]);
    await ip(['-n', namespace, 'link', 'set', innerVeth, 'up']);
    await ip(['-n', namespace, 'link', 'set', 'lo', 'up']);
  } catch (err) {
    await destroy().catch(() => undefined);
    throw err;
  }

  return {
    namespace,
    ip: innerIp,
    hostIp,
    run(cmd, args) {
      // `ip netns exec` execs the command in place, so the child's PID is the command's PID.
      const child = spawn('ip', ['netns', 'exec', namespace, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    destroy,
  };
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
  await exited;
  clearTimeout(timer);
}
