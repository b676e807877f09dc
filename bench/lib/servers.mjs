// Starting the processes under test (and the upstream), each ready-checked before it is measured.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, freePorts } from './ports.mjs';
import { startProcess, waitForHttp } from './processes.mjs';
import { PORTCULLIS_CLI, REPO_DIR } from './setup.mjs';
import { haproxyConf, njsGatewayConf, njsModule, upstreamNginxConf } from '../peers/configs.mjs';

export const GATEWAY_CPU = 0;
export const LOAD_CPU = 1;

const peerScript = (name) => fileURLToPath(new URL(`../peers/${name}`, import.meta.url));

/**
 * One-worker nginx answering `Hello world!`, pinned to the load core. With `tls` ({ certFile,
 * keyFile }) it also listens with TLS (h2 + http/1.1) on `tlsPort`: the direct baseline over TLS.
 */
export async function startUpstream(dir, tls) {
  const d = `${dir}/upstream`;
  mkdirSync(d, { recursive: true });
  const [port, tlsPort] = await freePorts(2);
  writeFileSync(`${d}/nginx.conf`, upstreamNginxConf({ dir: d, port, tls: tls && { ...tls, port: tlsPort } }));
  const child = startProcess('upstream nginx', 'nginx', ['-p', d, '-c', `${d}/nginx.conf`], { cpu: LOAD_CPU, logFile: `${d}/out.log` });
  await waitForHttp(port, { status: 200, child });
  return { port, tlsPort: tls ? tlsPort : undefined, child };
}

/** A Node peer from bench/peers/ pinned to the gateway core. */
export async function startNodePeer(dir, script, extraArgs, upstreamPort, nodeArgs = [], { tls = false } = {}) {
  const port = await freePort();
  const logFile = `${dir}/${script}.log`;
  const child = startProcess(script, process.execPath, [...nodeArgs, peerScript(script), String(port), String(upstreamPort), ...extraArgs],
    { cpu: GATEWAY_CPU, logFile });
  await waitForHttp(port, { child, tls });
  return { port, child, logFile };
}

/** HAProxy 2.6, one thread, HS256 jwt_verify (credential secrets written literally). */
export async function startHaproxy(dir, upstreamPort, credentials, tls) {
  const port = await freePort();
  const cfg = `${dir}/haproxy.cfg`;
  writeFileSync(cfg, haproxyConf({ port, upstreamPort, credentials, tls }), { mode: 0o600 });
  const child = startProcess('haproxy', 'haproxy', ['-db', '-f', cfg], { cpu: GATEWAY_CPU, logFile: `${dir}/haproxy.log` });
  await waitForHttp(port, { child, tls: !!tls });
  return { port, child };
}

/** nginx, one worker, njs HS256 check in js_set, keep-alive proxy_pass. */
export async function startNginxNjs(dir, upstreamPort, credentials, tls) {
  const d = `${dir}/nginx-njs`;
  mkdirSync(d, { recursive: true });
  const port = await freePort();
  writeFileSync(`${d}/jwt.js`, njsModule(credentials), { mode: 0o600 });
  writeFileSync(`${d}/nginx.conf`, njsGatewayConf({ dir: d, port, upstreamPort, njsFile: `${d}/jwt.js`, tls }));
  const child = startProcess('nginx+njs', 'nginx', ['-p', d, '-c', `${d}/nginx.conf`], { cpu: GATEWAY_CPU, logFile: `${d}/out.log` });
  await waitForHttp(port, { child, tls: !!tls });
  return { port, child };
}

/**
 * Portcullis standalone on `configFile` (contract: dist/cli.js standalone … ready when the status
 * listener's /readyz answers 200). Returns ports, the child, its log file and ms from spawn to ready.
 */
/**
 * Node flags Portcullis runs with, as the image's ENTRYPOINT starts it (Dockerfile): one thread
 * for the GC, so no GC helper thread competes with the event loop for the gateway's core
 * (docs/performance.md#gc-threads).
 */
export const PORTCULLIS_NODE_FLAGS = ['--single-threaded-gc'];

export async function startPortcullis(dir, configFile, { name = 'portcullis', cpu = GATEWAY_CPU, readyTimeoutMs = 30000, nodeArgs = [], nodeFlags = PORTCULLIS_NODE_FLAGS, args = [], tls } = {}) {
  const [port, adminPort, statusPort, tlsPort] = await freePorts(4);
  // The TLS listener (when this build has one): on `tls` ({ certFile, keyFile }) as the default
  // certificate (the bench's clients connect to 127.0.0.1 and send no SNI), else off, so a plain
  // run never binds its default 0.0.0.0:8443.
  const tlsArgs = !portcullisHasTls() ? [] : tls
    ? ['--proxy-listen-tls', `127.0.0.1:${tlsPort}`, '--default-certificate', `${tls.certFile},${tls.keyFile}`]
    : ['--proxy-listen-tls', 'off'];
  if (tls && tlsArgs.length === 0) throw new Error('this build has no --proxy-listen-tls (TLS listener)');
  const logFile = `${dir}/${name}.log`;
  const t0 = performance.now();
  const child = startProcess(name, process.execPath, [...nodeFlags, ...nodeArgs, PORTCULLIS_CLI, 'standalone', '--config', configFile,
    '--proxy-listen', `127.0.0.1:${port}`, '--admin-listen', `127.0.0.1:${adminPort}`,
    '--status-listen', `127.0.0.1:${statusPort}`, '--access-log', 'off', ...tlsArgs, ...args], { cpu, logFile, cwd: REPO_DIR });
  await waitForHttp(statusPort, { path: '/readyz', status: 200, child, timeoutMs: readyTimeoutMs });
  return { port: tls ? tlsPort : port, plainPort: port, adminPort, statusPort, child, logFile, readyMs: performance.now() - t0 };
}

let hasTls;
/** Whether the Portcullis build under test has the TLS listener (its --help lists --proxy-listen-tls). */
export function portcullisHasTls() {
  hasTls ??= /--proxy-listen-tls/.test(spawnSync(process.execPath, [PORTCULLIS_CLI, 'standalone', '--help'], { encoding: 'utf8' }).stdout ?? '');
  return hasTls;
}
