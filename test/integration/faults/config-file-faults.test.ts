import { mkdir, mkdtemp, rm, rmdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { startGateway, waitFor, type GatewayProcess } from '../../support/gateway-process.js';

/**
 * The kong.yml going bad under steady authenticated load: deleted, truncated mid-document,
 * emptied, replaced by a directory. Each time the last good snapshot keeps serving (the client
 * sees exactly what it saw before), the failure is logged and counted, /readyz stays 200, and
 * the next good content is applied. Not one request fails throughout.
 */
const SECRET = 'config-faults-secret-0123456789';
const token = mintToken({ algorithm: 'HS256', key: 'cf-key', secret: SECRET, expiresInSeconds: 3600 });
const auth = { authorization: `Bearer ${token}` };

let dir: string;
let configPath: string;
let upstream: EchoUpstream;
let gw: GatewayProcess;
const statuses = new Map<number, number>();
let loadRunning = true;
let load: Promise<void>;

/** A version of the file: the jwt-protected /a plus one public route per extra path. */
function kongYml(extra: string[]): string {
  return `_format_version: "3.0"
services:
  - name: svc
    url: "http://127.0.0.1:${upstream.port}"
    routes:
      - name: "a"
        paths: ["/a"]
        plugins: [{ name: jwt }]
${extra.map((p) => `      - name: "r${p.slice(1)}"\n        paths: ["${p}"]`).join('\n')}
consumers:
  - username: "carol"
    jwt_secrets: [{ key: "cf-key", secret: "${SECRET}" }]
`;
}

const metrics = async () => (await fetch(`${gw.status}/metrics`)).text();
const sample = (text: string, name: string) => Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ').pop() ?? NaN);
const failures = async () => sample(await metrics(), 'portcullis_snapshot_reload_failures_total');

/** The client's view of one path: status and body (request_id, which varies, checked and removed). */
async function seen(p: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${gw.proxy}${p}`, { headers: auth });
  const text = await res.text();
  if (res.headers.get('x-upstream') === 'echo') return { status: res.status, body: 'echo' };
  const body = JSON.parse(text) as { request_id?: string };
  expect(body.request_id).toBe(res.headers.get('x-request-id'));
  delete body.request_id;
  return { status: res.status, body };
}
const NO_ROUTE = { status: 404, body: { message: 'no Route matched with those values' } };
const SERVED = { status: 200, body: 'echo' };

/** Breaks the file, checks the failure is reported and nothing changed for clients, then repairs it. */
async function breakAndRepair(
  breakIt: () => Promise<void>,
  logged: string,
  served: string[],
  repairPaths: string[],
  beforeRepair: () => Promise<void> = async () => {},
): Promise<void> {
  const before = await failures();
  const outputBefore = gw.output().length;
  await breakIt();
  await waitFor(async () => (await failures()) === before + 1, 5_000);
  // The log is written asynchronously: it may reach us after the counter moved.
  const rejected = 'configuration rejected; the previous snapshot keeps serving';
  await waitFor(() => gw.output().slice(outputBefore).includes(rejected), 5_000);
  const log = gw.output().slice(outputBefore);
  expect(log).toContain(logged);
  expect(log).not.toContain(SECRET);
  // Still the last good snapshot: its routes answer, the repair's new route does not exist yet.
  for (const p of served) expect(await seen(p), p).toEqual(SERVED);
  expect(await seen(repairPaths.at(-1)!)).toEqual(NO_ROUTE);
  expect((await fetch(`${gw.status}/readyz`)).status).toBe(200);
  // Reported once per episode, not on every poll.
  await new Promise((r) => setTimeout(r, 1_500));
  expect(await failures()).toBe(before + 1);

  await beforeRepair();
  await writeFile(configPath, kongYml(repairPaths));
  await waitFor(async () => (await seen(repairPaths.at(-1)!)).status === 200, 5_000);
  for (const p of ['/a', ...repairPaths]) expect(await seen(p), p).toEqual(SERVED);
}

beforeAll(async () => {
  upstream = await startEchoUpstream();
  dir = await mkdtemp(path.join(os.tmpdir(), 'pc-config-faults-'));
  configPath = path.join(dir, 'kong.yml');
  await writeFile(configPath, kongYml(['/b']));
  gw = await startGateway(['standalone', '--config', configPath], { env: { PORTCULLIS_ACCESS_LOG: 'off' } });
  const agent = new Agent({ connections: 2 });
  load = (async () => {
    const started = Date.now();
    while (loadRunning && Date.now() - started < 90_000) {
      const res = await request(`${gw.proxy}/a`, { dispatcher: agent, headers: auth }).catch(() => ({ statusCode: -1, body: null }));
      await res.body?.text();
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 5));
    }
    await agent.close();
  })();
});

afterAll(async () => {
  loadRunning = false;
  await load;
  await gw?.stop();
  await upstream?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('kong.yml faults while serving', () => {
  it('deleted: reported as missing; recovers when written again', async () => {
    await breakAndRepair(() => rm(configPath), `cannot read ${configPath}: missing`, ['/a', '/b'], ['/b', '/c']);
  });

  it('truncated mid-document: reported as a parse error; recovers when complete', async () => {
    const full = kongYml(['/b', '/c', '/d']);
    // Cut inside the consumer's quoted secret: an unterminated string, never a valid smaller file.
    const cut = full.slice(0, full.indexOf(SECRET) + 4);
    await breakAndRepair(() => writeFile(configPath, cut), configPath, ['/a', '/b', '/c'], ['/b', '/c', '/d']);
  });

  it('truncated to nothing: reported as empty after the grace period; recovers', async () => {
    await breakAndRepair(() => writeFile(configPath, ''), `${configPath} is empty`, ['/a', '/d'], ['/d', '/e']);
  });

  it('replaced by a directory: reported; recovers when it is a file again', async () => {
    await breakAndRepair(
      async () => {
        await rm(configPath);
        await mkdir(configPath);
      },
      `cannot read ${configPath}: a directory`,
      ['/a', '/e'],
      ['/e', '/f'],
      () => rmdir(configPath),
    );
  });

  it('no request failed at any point', async () => {
    loadRunning = false;
    await load;
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(100);
    expect(Object.fromEntries(statuses)).toEqual({ 200: total });
    expect(gw.child.exitCode).toBeNull();
  });
});
