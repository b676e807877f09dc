// Proves the archives work outside buildah: a throwaway containerd (own root, state and socket under
// a temp dir; CRI disabled), `ctr -n k8s.io images import`, then each image run once with
// `ctr run --rm --read-only` as its configured user. Everything started here is stopped by PID and
// its directory removed, also on failure. The cluster harness runs its own containerd.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

function unmountUnder(dir) {
  const r = spawnSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' });
  for (const t of (r.stdout ?? '').split('\n').filter((x) => x.startsWith(dir + '/')).sort().reverse()) {
    spawnSync('umount', ['-l', t]);
  }
}

/** `checks`: [{ ref, archive, args: command replacing ENTRYPOINT+CMD, expect: RegExp on stdout }] */
export async function verifyWithContainerd(checks, log = (m) => process.stderr.write(`verify: ${m}\n`)) {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-ctrd-'));
  const sock = join(dir, 'containerd.sock');
  writeFileSync(
    join(dir, 'config.toml'),
    [
      'version = 2',
      `root = "${dir}/root"`,
      `state = "${dir}/state"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = "${sock}"`,
      '[ttrpc]',
      `  address = "${sock}.ttrpc"`,
      '',
    ].join('\n'),
  );
  const daemon = spawn('containerd', ['--config', join(dir, 'config.toml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let daemonLog = '';
  daemon.stderr.on('data', (d) => (daemonLog = (daemonLog + d).slice(-4000)));
  const ctr = (args, timeout = 120_000) => {
    const r = spawnSync('ctr', ['--address', sock, '--namespace', 'k8s.io', ...args], { encoding: 'utf8', timeout });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`ctr ${args.slice(0, 2).join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
    return r.stdout;
  };
  const results = [];
  try {
    for (let i = 0; !existsSync(sock); i++) {
      if (i > 100 || daemon.exitCode !== null) throw new Error(`containerd did not start: ${daemonLog}`);
      await sleep(100);
    }
    for (const c of checks) {
      const t0 = Date.now();
      ctr(['images', 'import', c.archive]);
      const imported = (Date.now() - t0) / 1000;
      const id = `pc-verify-${process.pid}-${results.length}`;
      const out = ctr(['run', '--rm', '--read-only', c.ref, id, ...c.args]).trim();
      if (!c.expect.test(out)) throw new Error(`${c.ref}: \`${c.args.join(' ')}\` printed ${JSON.stringify(out)}`);
      log(`${c.ref}: imported in ${imported.toFixed(1)}s; \`${c.args.join(' ')}\` -> ${JSON.stringify(out)}`);
      results.push({ ref: c.ref, importSeconds: imported, output: out });
    }
    return results;
  } finally {
    daemon.kill('SIGTERM');
    if (daemon.exitCode === null) await new Promise((r) => daemon.once('exit', r));
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}
