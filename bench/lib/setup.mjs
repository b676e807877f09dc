// Everything the benchmark needs before it can measure: Debian tools, peer npm packages (into
// bench/.peers/, never the project's dependencies) and the project build.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
export const REPO_DIR = fileURLToPath(new URL('../..', import.meta.url));
export const PEERS_DIR = `${BENCH_DIR}.peers`;
export const NJS_MODULE = '/usr/lib/nginx/modules/ngx_http_js_module.so';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/**
 * apt-get install wrk haproxy nginx-light libnginx-mod-http-js when any of them is missing, and the
 * `extra` ones ({ command: package }, e.g. h2load and openssl for the TLS benchmarks).
 */
export function ensureDebianPackages(extra = {}) {
  const missing = Object.entries(extra).filter(([cmd]) => !has(cmd)).map(([, pkg]) => pkg);
  if (!has('wrk')) missing.push('wrk');
  if (!has('haproxy')) missing.push('haproxy');
  if (!has('nginx')) missing.push('nginx-light');
  if (!existsSync(NJS_MODULE)) missing.push('libnginx-mod-http-js');
  if (!has('taskset')) missing.push('util-linux');
  if (missing.length === 0) return;
  const sudo = process.getuid() === 0 ? [] : ['sudo'];
  if (sudo.length && !has('sudo')) throw new Error(`missing Debian packages (${missing.join(' ')}); install them as root`);
  console.log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => execFileSync(sudo.length ? 'sudo' : args[0], sudo.length ? args : args.slice(1), { stdio: 'inherit', env });
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing]);
}

/** npm install the peers' pinned manifest into bench/.peers/ unless it is already there. */
export function ensurePeers() {
  const manifest = `${BENCH_DIR}peers/package.json`;
  const want = JSON.parse(readFileSync(manifest, 'utf8')).dependencies;
  const installed = (name) => {
    try { return JSON.parse(readFileSync(`${PEERS_DIR}/node_modules/${name}/package.json`, 'utf8')).version; } catch { return null; }
  };
  if (Object.entries(want).every(([name, v]) => installed(name) === v)) return;
  console.log(`installing peer gateways into ${PEERS_DIR}`);
  mkdirSync(PEERS_DIR, { recursive: true });
  copyFileSync(manifest, `${PEERS_DIR}/package.json`);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--no-package-lock'], { cwd: PEERS_DIR, stdio: 'inherit' });
}

/** npm run build; returns null on success or the reason it failed (Portcullis rows are then skipped). */
export function buildProject() {
  console.log('building the project (npm run build)');
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: REPO_DIR, encoding: 'utf8' });
  if (r.status === 0) return null;
  const out = `${r.stdout}\n${r.stderr}`.trim().split('\n');
  return `npm run build failed (${out.length} lines of output; first: ${out.slice(0, 3).join(' | ')})`;
}

// PORTCULLIS_BENCH_CLI points the harness at another build (e.g. a contract stub while testing the harness).
export const PORTCULLIS_CLI = process.env.PORTCULLIS_BENCH_CLI ?? `${REPO_DIR}dist/cli.js`;
