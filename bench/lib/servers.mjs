// Starting the processes under test (and the upstream), each ready-checked before it is measured.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, freePorts } from './ports.mjs';
import { startProcess, waitForHttp } from './processes.mjs';
import { PORTCULLIS_CLI, REPO_DIR } from './setup.mjs';
import { haproxyConf, njsGatewayConf, njsModule, upstreamNginxConf } from '../peers/configs.mjs';

export const GATEWAY_CPU = 0;
export const LOAD_CPU = 1;

const peerScript = (name) => fileURLToPath(new URL(`../peers/${name}`, import.meta.url));

/** One-worker nginx answering `Hello world!`, pinned to the load core. */
export async function startUpstream(dir) {
  const d = `${dir}/upstream`;
  mkdirSync(d, { recursive: true });
  const port = await freePort();
  writeFileSync(`${d}/nginx.conf`, upstreamNginxConf({ dir: d, port }));
  const child = startProcess('upstream nginx', 'nginx', ['-p', d, '-c', `${d}/nginx.conf`], { cpu: LOAD_CPU, logFile: `${d}/out.log` });
  await waitForHttp(port, { status: 200, child });
  return { port, child };
}

/** A Node peer from bench/peers/ pinned to the gateway core. */
export async function startNodePeer(dir, script, extraArgs, upstreamPort, nodeArgs = []) {
  const port = await freePort();
  const child = startProcess(script, process.execPath, [...nodeArgs, peerScript(script), String(port), String(upstreamPort), ...extraArgs],
    { cpu: GATEWAY_CPU, logFile: `${dir}/${script}.log` });
  await waitForHttp(port, { child });
  return { port, child };
}

/** HAProxy 2.6, one thread, HS256 jwt_verify (credential secrets written literally). */
export async function startHaproxy(dir, upstreamPort, credentials) {
  const port = await freePort();
  const cfg = `${dir}/haproxy.cfg`;
  writeFileSync(cfg, haproxyConf({ port, upstreamPort, credentials }), { mode: 0o600 });
  const child = startProcess('haproxy', 'haproxy', ['-db', '-f', cfg], { cpu: GATEWAY_CPU, logFile: `${dir}/haproxy.log` });
  await waitForHttp(port, { child });
  return { port, child };
}

/** nginx, one worker, njs HS256 check in js_set, keep-alive proxy_pass. */
export async function startNginxNjs(dir, upstreamPort, credentials) {
  const d = `${dir}/nginx-njs`;
  mkdirSync(d, { recursive: true });
  const port = await freePort();
  writeFileSync(`${d}/jwt.js`, njsModule(credentials), { mode: 0o600 });
  writeFileSync(`${d}/nginx.conf`, njsGatewayConf({ dir: d, port, upstreamPort, njsFile: `${d}/jwt.js` }));
  const child = startProcess('nginx+njs', 'nginx', ['-p', d, '-c', `${d}/nginx.conf`], { cpu: GATEWAY_CPU, logFile: `${d}/out.log` });
  await waitForHttp(port, { child });
  return { port, child };
}

/**
 * Portcullis standalone on `configFile` (contract: dist/cli.js standalone … ready when the status
 * listener's /readyz answers 200). Returns ports, the child, its log file and ms from spawn to ready.
 */
export async function startPortcullis(dir, configFile, { name = 'portcullis', cpu = GATEWAY_CPU, readyTimeoutMs = 30000, nodeArgs = [], args = [] } = {}) {
  const [port, adminPort, statusPort] = await freePorts(3);
  const logFile = `${dir}/${name}.log`;
  const t0 = performance.now();
  const child = startProcess(name, process.execPath, [...nodeArgs, PORTCULLIS_CLI, 'standalone', '--config', configFile,
    '--proxy-listen', `127.0.0.1:${port}`, '--admin-listen', `127.0.0.1:${adminPort}`,
    '--status-listen', `127.0.0.1:${statusPort}`, '--access-log', 'off', ...args], { cpu, logFile, cwd: REPO_DIR });
  await waitForHttp(statusPort, { path: '/readyz', status: 200, child, timeoutMs: readyTimeoutMs });
  return { port, adminPort, statusPort, child, logFile, readyMs: performance.now() - t0 };
}
