import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { startGateway, waitFor, type GatewayProcess } from '../../support/gateway-process.js';
import { kongYml } from '../../support/standalone.js';

/**
 * Hot reload of a kong.yml under steady load: every replacement style a user or Kubernetes
 * uses takes effect within a second, and not one request fails while it happens.
 */
const SECRET_IN_BROKEN_FILE = 'this-secret-must-never-be-logged-9f2c';


let dir: string;
let upstream: EchoUpstream;
let gw: GatewayProcess;
const statuses = new Map<number, number>();
let loadRunning = true;
let load: Promise<void>;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  dir = await mkdtemp(path.join(os.tmpdir(), 'pc-reload-'));
  // The layout kubelet gives a mounted ConfigMap: kong.yml → ..data/kong.yml, ..data → ..<timestamp>
  await mkdir(path.join(dir, '..v1'));
  await writeFile(path.join(dir, '..v1/kong.yml'), kongYml(upstream.url, ['/a']));
  await symlink('..v1', path.join(dir, '..data'));
  await symlink('..data/kong.yml', path.join(dir, 'kong.yml'));
  gw = await startGateway(['standalone', '--config', path.join(dir, 'kong.yml')]);

  // Steady keep-alive load on /a for the whole suite.
  const agent = new Agent({ connections: 4 });
  load = (async () => {
    const started = Date.now();
    while (loadRunning && Date.now() - started < 60_000) {
      const res = await request(`${gw.proxy}/a`, { dispatcher: agent }).catch(() => ({ statusCode: -1, body: null }));
      await res.body?.text();
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
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

async function timeUntilServed(p: string): Promise<number> {
  const start = Date.now();
  await waitFor(async () => (await fetch(`${gw.proxy}${p}`)).status === 200, 3_000);
  return Date.now() - start;
}

describe('hot reload of kong.yml', () => {
  it('serves the initial file', async () => {
    expect((await fetch(`${gw.proxy}/a`)).status).toBe(200);
    expect((await fetch(`${gw.proxy}/b`)).status).toBe(404);
  });

  it('follows a ConfigMap-style ..data symlink swap within a second', async () => {
    await mkdir(path.join(dir, '..v2'));
    await writeFile(path.join(dir, '..v2/kong.yml'), kongYml(upstream.url, ['/a', '/b']));
    await symlink('..v2', path.join(dir, '..data_tmp'));
    await rename(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
    expect(await timeUntilServed('/b')).toBeLessThan(1000);
  });

  it('follows an in-place write within a second', async () => {
    await writeFile(path.join(dir, 'kong.yml'), kongYml(upstream.url, ['/a', '/b', '/c']));
    expect(await timeUntilServed('/c')).toBeLessThan(1000);
  });

  it('follows an atomic rename within a second', async () => {
    await writeFile(path.join(dir, 'kong.yml.tmp'), kongYml(upstream.url, ['/a', '/d']));
    await rename(path.join(dir, 'kong.yml.tmp'), path.join(dir, 'kong.yml'));
    expect(await timeUntilServed('/d')).toBeLessThan(1000);
    expect((await fetch(`${gw.proxy}/c`)).status).toBe(404);
  });

  it('reports a broken file and keeps serving the last good snapshot', async () => {
    const metricsBefore = await (await fetch(`${gw.status}/metrics`)).text();
    await writeFile(
      path.join(dir, 'kong.yml'),
      `_format_version: "3.0"\nconsumers:\n  - username: x\n    jwt_secrets: [{ key: k, secret: ${SECRET_IN_BROKEN_FILE}\n`,
    );
    await waitFor(() => gw.output().includes('kong.yml'), 3_000);
    await waitFor(async () => {
      const metrics = await (await fetch(`${gw.status}/metrics`)).text();
      return failures(metrics) > failures(metricsBefore);
    }, 3_000);
    expect((await fetch(`${gw.proxy}/d`)).status).toBe(200);
    expect((await fetch(`${gw.status}/readyz`)).status).toBe(200);
    expect(gw.output()).not.toContain(SECRET_IN_BROKEN_FILE);
  });

  it('dropped no request during any reload', async () => {
    loadRunning = false;
    await load;
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(100);
    expect(Object.fromEntries(statuses)).toEqual({ 200: total });
  });
});

function failures(metrics: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith('portcullis_snapshot_reload_failures_total'));
  return line ? Number(line.split(' ').pop()) : 0;
}
