import http from 'node:http';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { portOf, runCli, startStandalone, writeKongYml, type StandaloneGateway } from '../../support/standalone.js';

/**
 * Kong's ip-restriction and correlation-id through the real standalone gateway (docs/ip-restriction.md,
 * docs/correlation-id.md): clients are real loopback peers (127.0.0.x), X-Forwarded-For counts only
 * from a trusted peer, plugin order is Kong's (correlation-id, jwt, ip-restriction), precedence
 * route > service > global, and a bad config fails only its route closed.
 */
const SECRET = 'ipcorr-secret-0123456789abcdef';
const token = () => mintToken({ algorithm: 'HS256', key: 'ipcorr-key', secret: SECRET, expiresInSeconds: 300 });
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';

let echo: EchoUpstream;
let gw: StandaloneGateway;

function config() {
  return {
    services: [
      {
        name: 'echo',
        url: echo.url,
        routes: [
          { name: 'deny', paths: ['/deny'], plugins: [{ name: 'ip-restriction', config: { deny: ['127.0.0.3', '10.0.0.0/8'] } }] },
          { name: 'allow', paths: ['/allow'], plugins: [{ name: 'ip-restriction', config: { allow: ['127.0.0.1/32', '2001:db8::/32'], deny: null, status: 451, message: 'Go away' } }] },
          { name: 'jwt-ip', paths: ['/jwt-ip'], plugins: [{ name: 'jwt' }, { name: 'ip-restriction', config: { deny: ['127.0.0.3'] } }] },
          { name: 'corr', paths: ['/corr'], plugins: [{ name: 'correlation-id', config: { echo_downstream: true } }] },
          {
            name: 'corr-uuid',
            paths: ['/corr-uuid'],
            plugins: [{ name: 'correlation-id', config: { header_name: 'X-Correlation-ID', generator: 'uuid', echo_downstream: true } }, { name: 'jwt' }],
          },
          { name: 'tracker', paths: ['/tracker'], plugins: [{ name: 'correlation-id', config: { generator: 'tracker' } }] },
          { name: 'bad', paths: ['/bad'], plugins: [{ name: 'ip-restriction', config: { allow: ['not-an-ip'] } }] },
          { name: 'plain', paths: ['/plain'] },
        ],
      },
      {
        name: 'locked',
        url: echo.url,
        plugins: [{ name: 'ip-restriction', config: { deny: ['127.0.0.0/8'] } }],
        routes: [
          { name: 'inherits', paths: ['/locked/inherits'] },
          { name: 'overrides', paths: ['/locked/overrides'], plugins: [{ name: 'ip-restriction', config: { allow: ['127.0.0.0/8'] } }] },
        ],
      },
    ],
    consumers: [{ username: 'ipcorr', jwt_secrets: [{ key: 'ipcorr-key', secret: SECRET }] }],
  };
}

beforeAll(async () => {
  echo = await startEchoUpstream();
  gw = await startStandalone(config(), { args: ['--trusted-ips', '127.0.0.1', '--real-ip-header', 'X-Forwarded-For'] });
}, 60_000);

afterAll(async () => {
  await gw?.close();
  await echo?.close();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The headers the upstream saw (a 200 from the echo upstream). */
  seen?: Record<string, string>;
}

/** A GET from the loopback address `from` (a real TCP peer). */
function get(p: string, headers: Record<string, string> = {}, from = '127.0.0.1'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: portOf(gw.proxy), localAddress: from, path: p, headers: { host: 'gw.example', ...headers }, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        const seen = res.statusCode === 200 && res.headers['x-upstream'] === 'echo' ? (JSON.parse(body).headers as Record<string, string>) : undefined;
        resolve({ status: res.statusCode!, headers: res.headers, body, ...(seen && { seen }) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('ip-restriction', () => {
  it('deny: a listed peer gets Kong\'s 403 {"message":"IP address not allowed: <ip>"}; others pass', async () => {
    const denied = await get('/deny', {}, '127.0.0.3');
    expect(denied.status).toBe(403);
    expect(denied.headers['content-type']).toContain('application/json');
    expect(JSON.parse(denied.body)).toMatchObject({ message: 'IP address not allowed: 127.0.0.3' });
    expect((await get('/deny', {}, '127.0.0.2')).status).toBe(200);
  });

  it('allow: an unlisted peer gets the configured status and message', async () => {
    const refused = await get('/allow', {}, '127.0.0.2');
    expect(refused.status).toBe(451);
    expect(JSON.parse(refused.body)).toMatchObject({ message: 'Go away' });
    expect((await get('/allow', {}, '127.0.0.1')).status).toBe(200);
  });

  it('X-Forwarded-For decides only from a trusted peer (--trusted-ips 127.0.0.1)', async () => {
    // Trusted peer 127.0.0.1: the client is the forwarded address.
    const viaProxy = await get('/deny', { 'x-forwarded-for': '10.1.2.3' }, '127.0.0.1');
    expect(viaProxy.status).toBe(403);
    expect(JSON.parse(viaProxy.body).message).toBe('IP address not allowed: 10.1.2.3');
    expect((await get('/allow', { 'x-forwarded-for': '2001:db8::7' }, '127.0.0.1')).status).toBe(200);
    expect((await get('/allow', { 'x-forwarded-for': '192.0.2.1' }, '127.0.0.1')).status).toBe(451);
    // Untrusted peer 127.0.0.2: its X-Forwarded-For is ignored, the peer itself is the client.
    expect((await get('/deny', { 'x-forwarded-for': '10.1.2.3' }, '127.0.0.2')).status).toBe(200);
    expect((await get('/deny', { 'x-forwarded-for': '127.0.0.9' }, '127.0.0.3')).status).toBe(403);
  });

  it('runs after jwt, as Kong\'s priorities order them (jwt 1450, ip-restriction 990)', async () => {
    expect((await get('/jwt-ip', {}, '127.0.0.3')).status).toBe(401);
    const denied = await get('/jwt-ip', { authorization: `Bearer ${token()}` }, '127.0.0.3');
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.body).message).toBe('IP address not allowed: 127.0.0.3');
    const ok = await get('/jwt-ip', { authorization: `Bearer ${token()}` }, '127.0.0.2');
    expect(ok.status).toBe(200);
    expect(ok.seen?.['x-consumer-username']).toBe('ipcorr');
  });

  it('route > service precedence: the route\'s instance alone applies', async () => {
    expect((await get('/locked/inherits')).status).toBe(403);
    expect((await get('/locked/overrides')).status).toBe(200);
  });

  it('an invalid config fails its route closed (500) and logs the field; the others serve', async () => {
    const bad = await get('/bad');
    expect(bad.status).toBe(500);
    expect(JSON.parse(bad.body)).toMatchObject({ message: 'An unexpected error occurred' });
    expect((await get('/plain')).status).toBe(200);
    expect(gw.output()).toContain('config.allow[0]');
  });

  it('the access log carries reason ip_restricted', async () => {
    const denied = await get('/deny', {}, '127.0.0.3');
    const id = String(denied.headers['x-request-id']);
    const deadline = Date.now() + 5000;
    let line: Record<string, unknown> | undefined;
    while (line === undefined && Date.now() < deadline) {
      line = gw.stdout().split('\n').filter((l) => l.includes(id)).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.type === 'access');
      if (line === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(line).toMatchObject({ status: 403, reason: 'ip_restricted', client_ip: '127.0.0.3' });
  });
});

describe('correlation-id', () => {
  it('uuid#counter (default): one UUID per process and a growing counter, upstream and echoed', async () => {
    const a = await get('/corr');
    const b = await get('/corr');
    const re = new RegExp(`^(${UUID})#(\\d+)$`);
    const [, ua, ca] = re.exec(a.seen!['kong-request-id']!)!;
    const [, ub, cb] = re.exec(b.seen!['kong-request-id']!)!;
    expect(ua).toBe(ub);
    expect(Number(cb)).toBeGreaterThan(Number(ca));
    expect(a.headers['kong-request-id']).toBe(a.seen!['kong-request-id']);
  });

  it("a client's non-empty value is kept upstream and echoed; an empty one is replaced", async () => {
    const kept = await get('/corr', { 'kong-request-id': 'client-chosen-1' });
    expect(kept.seen!['kong-request-id']).toBe('client-chosen-1');
    expect(kept.headers['kong-request-id']).toBe('client-chosen-1');
    const empty = await get('/corr', { 'kong-request-id': '' });
    expect(empty.seen!['kong-request-id']).toMatch(new RegExp(`^${UUID}#\\d+$`));
  });

  it('runs before jwt: a 401 carries the echoed id; uuid makes a fresh UUID per request', async () => {
    const refused = await get('/corr-uuid');
    expect(refused.status).toBe(401);
    expect(refused.headers['x-correlation-id']).toMatch(new RegExp(`^${UUID}$`));
    const ok = await get('/corr-uuid', { authorization: `Bearer ${token()}` });
    expect(ok.status).toBe(200);
    expect(ok.seen!['x-correlation-id']).toMatch(new RegExp(`^${UUID}$`));
    expect(ok.headers['x-correlation-id']).toBe(ok.seen!['x-correlation-id']);
    expect(ok.seen!['x-correlation-id']).not.toBe(refused.headers['x-correlation-id']);
  });

  it('tracker: server address-port-pid-connection-requests-time; not echoed by default', async () => {
    const t = await get('/tracker');
    expect(t.seen!['kong-request-id']).toMatch(new RegExp(`^127\\.0\\.0\\.1-${portOf(gw.proxy)}-\\d+-\\d+-1-\\d{10}\\.\\d{3}$`));
    expect(t.headers['kong-request-id']).toBeUndefined();
  });

  it('routes without the plugin get no header', async () => {
    const p = await get('/plain');
    expect(p.seen!['kong-request-id']).toBeUndefined();
    expect(p.headers['kong-request-id']).toBeUndefined();
  });
});

describe('portcullis validate', () => {
  it('names the object and field of each bad config, in kong.yml and in Route manifests', async () => {
    const { dir, configPath } = await writeKongYml({
      services: [
        {
          name: 's',
          url: 'http://127.0.0.1:9',
          routes: [
            {
              name: 'r',
              paths: ['/r'],
              plugins: [
                { name: 'ip-restriction', config: { status: 200 } },
                { name: 'correlation-id', config: { generator: 'random', headerName: 'X' } },
              ],
            },
          ],
        },
      ],
    });
    const out = await runCli(['validate', configPath]);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain("services[0].routes[0].plugins[0] (plugins 'ip-restriction'): config.allow: at least one of allow or deny is required");
    expect(out.stdout).toContain("services[0].routes[0].plugins[0] (plugins 'ip-restriction'): config.status: must be between 400 and 599");
    expect(out.stdout).toContain("services[0].routes[0].plugins[1] (plugins 'correlation-id'): config.generator:");
    expect(out.stdout).toContain("services[0].routes[0].plugins[1] (plugins 'correlation-id'): config.headerName: unknown field");

    const manifest = path.join(dir, 'routes.yaml');
    const routeDoc = (name: string, plugins: unknown) =>
      YAML.stringify({ apiVersion: 'portcullis.dev/v1alpha1', kind: 'Route', metadata: { name, namespace: 'demo' }, spec: { paths: ['/x'], backend: { url: 'http://x' }, plugins } });
    await writeFile(
      manifest,
      [
        routeDoc('bad', { ipRestriction: { allow: ['10.0.0.0/33'] }, correlationId: { headerName: 'Host' } }),
        routeDoc('good', { ipRestriction: { deny: ['10.0.0.0/8'] }, correlationId: { echoDownstream: true } }),
      ].join('---\n'),
    );
    const cr = await runCli(['validate', manifest]);
    expect(cr.code).toBe(1);
    expect(cr.stdout).toContain("(Route 'bad'): spec.plugins.ipRestriction.allow.0: must be an IP address or a CIDR block");
    expect(cr.stdout).toContain("(Route 'bad'): spec.plugins.correlationId.headerName: is set or removed by the gateway itself");
    expect(cr.stdout).toContain('(checked: 2 Route)');
  });
});
