import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { cliPath, startGateway, type GatewayProcess } from './gateway-process.js';

/** A real `portcullis standalone` process serving a generated kong.yml from its own temp folder. */
export interface StandaloneGateway extends GatewayProcess {
  dir: string;
  configPath: string;
  /** SIGTERM the process and remove its folder; returns the exit code. */
  close(): Promise<number | null>;
}

/** Writes `config` (an object, or YAML text) as kong.yml in a fresh temp folder. */
export async function writeKongYml(config: object | string, prefix = 'pc-e2e-'): Promise<{ dir: string; configPath: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const configPath = path.join(dir, 'kong.yml');
  await writeFile(configPath, typeof config === 'string' ? config : YAML.stringify({ _format_version: '3.0', ...config }));
  return { dir, configPath };
}

export async function startStandalone(
  config: object | string,
  opts: { args?: string[]; env?: NodeJS.ProcessEnv; proxyListenSuffix?: string; proxyListenTlsSuffix?: string } = {},
): Promise<StandaloneGateway> {
  const { dir, configPath } = await writeKongYml(config);
  let gw: GatewayProcess;
  try {
    gw = await startGateway(['standalone', '--config', configPath, ...(opts.args ?? [])], {
      env: opts.env,
      proxyListenSuffix: opts.proxyListenSuffix,
      proxyListenTlsSuffix: opts.proxyListenTlsSuffix,
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    ...gw,
    dir,
    configPath,
    close: async () => {
      const code = await gw.stop();
      await rm(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Port number of a `http://127.0.0.1:PORT` base URL. */
export function portOf(base: string): number {
  return Number(new URL(base).port);
}

const run = promisify(execFile);

/** Runs the built CLI; never throws on a non-zero exit (the code is returned). */
export async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cliPath, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

export interface RawResponse {
  status: number;
  /** Lower-cased header names; repeats joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `head` (request line + header lines, without the final blank line) verbatim over a fresh
 * socket, for what fetch cannot send (repeated Authorization, `?jwt` without `=`, raw paths).
 */
export function rawRequest(port: number, head: string, body = ''): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
      }
      let rest = text.slice(split + 4);
      if (headers['transfer-encoding'] === 'chunked') rest = dechunk(rest);
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: rest });
    });
    const lines = head.replace(/\r?\n/g, '\r\n').replace(/(\r\n)+$/, '');
    const extra = body ? `\r\nContent-Length: ${Buffer.byteLength(body)}` : '';
    socket.write(`${lines}${extra}\r\nConnection: close\r\n\r\n${body}`);
  });
}

function dechunk(text: string): string {
  let out = '';
  for (let i = 0; ; ) {
    const eol = text.indexOf('\r\n', i);
    const size = parseInt(text.slice(i, eol), 16);
    if (!(size > 0)) return out;
    out += text.slice(eol + 2, eol + 2 + size);
    i = eol + 2 + size + 2;
  }
}

/** What the echo upstream (test/support/http.ts) saw, read from its JSON answer. */
export interface Echoed {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

/** GET (or any method) through the gateway; returns status, headers, raw body and the echo when 200. */
export async function call(
  base: string,
  pathAndQuery: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: string; echo: Echoed | undefined }> {
  const res = await fetch(`${base}${pathAndQuery}`, init);
  const body = await res.text();
  const echo = res.status === 200 && res.headers.get('x-upstream') === 'echo' ? (JSON.parse(body) as Echoed) : undefined;
  return { status: res.status, headers: res.headers, body, echo };
}

/** A kong.yml with one service on `upstream` and one prefix route per path (named after it). */
export function kongYml(upstream: string, paths: string[]): string {
  return `_format_version: "3.0"
services:
  - name: svc
    url: ${upstream}
    routes:
${paths.map((p) => `      - name: r${p.replace(/\W/g, '')}\n        paths: ["${p}"]`).join('\n')}
`;
}
