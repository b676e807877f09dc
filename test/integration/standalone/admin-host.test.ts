import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portOf, rawRequest, runCli, startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * DNS rebinding: the admin API and the status listener answer only Host values that name them —
 * localhost, loopback / listener IPs (status: any IP literal) and --admin-allowed-hosts names;
 * anything else gets 421 Misdirected Request with a JSON message, before routing.
 */
const CONFIG = { services: [{ name: 's', url: 'http://127.0.0.1:9', routes: [{ name: 'r', paths: ['/r'] }] }] };

let gw: StandaloneGateway;
let viaEnv: StandaloneGateway;

beforeAll(async () => {
  [gw, viaEnv] = await Promise.all([
    startStandalone(CONFIG, { args: ['--admin-allowed-hosts', 'portcullis-internal.gw.svc, Admin.Example.'] }),
    startStandalone(CONFIG, { env: { PORTCULLIS_ADMIN_ALLOWED_HOSTS: 'from-env.example' } }),
  ]);
});

afterAll(async () => {
  await Promise.all([gw?.close(), viaEnv?.close()]);
});

const get = (base: string, path: string, host: string | null, version = '1.1') =>
  rawRequest(portOf(base), `GET ${path} HTTP/${version}${host === null ? '' : `\r\nHost: ${host}`}`);

describe('admin API Host check', () => {
  it.each(['evil.example', 'evil.example:PORT', 'localhost.evil.example', '10.1.2.3:PORT', 'portcullis-internal'])(
    'refuses Host %s with 421 and a JSON message',
    async (host) => {
      const res = await get(gw.admin, '/consumers', host.replace('PORT', String(portOf(gw.admin))));
      expect(res.status).toBe(421);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(JSON.parse(res.body).message).toMatch(/^misdirected request: Host '.+' does not name this listener/);
    },
  );

  it('refuses before routing: unknown paths and writes answer 421 too', async () => {
    expect((await get(gw.admin, '/nope', 'evil.example')).status).toBe(421);
    const post = await rawRequest(portOf(gw.admin), 'POST /consumers HTTP/1.1\r\nHost: evil.example');
    expect(post.status).toBe(421);
  });

  it.each(['localhost:PORT', 'LOCALHOST:PORT', 'localhost.:PORT', 'localhost', '127.0.0.1:PORT', '127.0.0.2', '[::1]:PORT', '[0:0::1]'])(
    'accepts Host %s',
    async (host) => {
      const res = await get(gw.admin, '/consumers', host.replace('PORT', String(portOf(gw.admin))));
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).data).toEqual([]);
    },
  );

  it('accepts the names given with --admin-allowed-hosts (case and trailing dot ignored, any port)', async () => {
    expect((await get(gw.admin, '/', 'portcullis-internal.gw.svc:8001')).status).toBe(200);
    expect((await get(gw.admin, '/', 'admin.example')).status).toBe(200);
    expect((await get(gw.admin, '/', 'ADMIN.example.')).status).toBe(200);
    expect((await get(gw.admin, '/', 'from-env.example')).status).toBe(421);
  });

  it('accepts the names given with PORTCULLIS_ADMIN_ALLOWED_HOSTS', async () => {
    expect((await get(viaEnv.admin, '/', 'from-env.example:8001')).status).toBe(200);
    expect((await get(viaEnv.admin, '/', 'admin.example')).status).toBe(421);
  });

  it('HTTP/1.0 without Host is answered (no browser sends it); HTTP/1.1 without Host is a 400', async () => {
    expect((await get(gw.admin, '/', null, '1.0')).status).toBe(200);
    expect((await get(gw.admin, '/', null, '1.1')).status).toBe(400);
  });
});

describe('status listener Host check', () => {
  it('refuses DNS names it does not know, on every path', async () => {
    for (const path of ['/metrics', '/readyz', '/healthz', '/nope']) {
      const res = await get(gw.status, path, 'evil.example');
      expect(res.status, path).toBe(421);
      expect(JSON.parse(res.body).message).toMatch(/misdirected request/);
    }
  });

  it('accepts any IP literal (kubelet probes and Prometheus use the pod IP), localhost and allowed names', async () => {
    const port = portOf(gw.status);
    expect((await get(gw.status, '/healthz', `10.1.2.3:${port}`)).status).toBe(200);
    expect((await get(gw.status, '/readyz', `[fd00::5]:${port}`)).status).toBe(200);
    expect((await get(gw.status, '/metrics', `localhost:${port}`)).status).toBe(200);
    expect((await get(gw.status, '/metrics', 'portcullis-internal.gw.svc')).status).toBe(200);
    expect((await get(gw.status, '/healthz', null, '1.0')).status).toBe(200);
  });
});

describe('--admin-allowed-hosts validation', () => {
  it.each(['http://admin.example', 'admin.example:8001', 'bad name'])('refuses %s as a usage error', async (value) => {
    const { code, stderr } = await runCli(['standalone', '--config', '/nonexistent/kong.yml', '--admin-allowed-hosts', value]);
    expect(code).toBe(2);
    expect(stderr).toContain(`--admin-allowed-hosts: '${value}' is not a host name or IP address`);
  });
});

describe('with --workers (admin and status stay in the primary)', () => {
  it('applies the same Host checks', async () => {
    const workers = await startStandalone(CONFIG, { args: ['--workers', '1', '--admin-allowed-hosts', 'admin.example'] });
    try {
      expect((await get(workers.admin, '/consumers', 'evil.example')).status).toBe(421);
      expect((await get(workers.admin, '/consumers', 'admin.example')).status).toBe(200);
      expect((await get(workers.status, '/metrics', 'evil.example')).status).toBe(421);
      expect((await get(workers.status, '/metrics', '10.1.2.3:8100')).status).toBe(200);
    } finally {
      await workers.close();
    }
  });
});
