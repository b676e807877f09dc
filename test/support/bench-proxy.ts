/**
 * Throughput comparison helper (not a test): `node dist/benchtmp/test/support/bench-proxy.js <role> <port|0> [upstreamPort]`.
 * Roles: upstream | bare (node:http pipe proxy) | undici-request | undici-stream | undici-dispatch-min |
 * portcullis | portcullis-log | portcullis-auth. Run each role in its own process (see the report for the wrk command).
 */
import http from 'node:http';
import { pipeline as streamPipeline } from 'node:stream';
import { Pool } from 'undici';
import { SnapshotStore } from '../../src/snapshot/store.js';
import { createProxyServer } from '../../src/proxy/server.js';
import { createAccessLog } from '../../src/observability/logger.js';
import { GatewayMetrics } from '../../src/observability/metrics.js';
import { fakeAuthenticator, makeConsumer, makeCredential, makeRoute, makeSnapshot, makeUpstream } from './snapshot-fixtures.js';

const [role, portS, upS] = process.argv.slice(2);
// Exit normally on SIGTERM so --cpu-prof writes its profile.
process.on('SIGTERM', () => process.exit(0));
const port = Number(portS); // 0 = pick a free port; the chosen port is printed on stdout
const announce = (srv: http.Server) => srv.on('listening', () => process.stdout.write(`PORT ${(srv.address() as { port: number }).port}\n`));
const upPort = Number(upS);
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host']);

function clean(h: http.IncomingHttpHeaders): Record<string, string | string[]> {
  const o: Record<string, string | string[]> = {};
  for (const k in h) if (!HOP.has(k)) o[k] = h[k]!;
  return o;
}

switch (role) {
  case 'upstream':
    announce(http.createServer((_q, s) => { s.writeHead(200, { 'content-type': 'text/plain', 'content-length': 12 }); s.end('Hello world!'); })).listen(port, '127.0.0.1');
    break;
  case 'bare': {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    announce(http.createServer((req, res) => {
      const p = http.request({ host: '127.0.0.1', port: upPort, path: req.url, method: req.method, headers: req.headers, agent }, (pr) => {
        res.writeHead(pr.statusCode ?? 502, pr.headers);
        pr.pipe(res);
      });
      p.on('error', () => { res.statusCode = 502; res.end(); });
      req.pipe(p);
    })).listen(port, '127.0.0.1');
    break;
  }
  case 'undici-request': {
    const pool = new Pool(`http://127.0.0.1:${upPort}`, { connections: null });
    announce(http.createServer((req, res) => {
      pool.request({ path: req.url!, method: req.method as 'GET', headers: clean(req.headers), body: null }).then(({ statusCode, headers, body }) => {
        res.writeHead(statusCode, clean(headers));
        streamPipeline(body, res, () => {});
      }, () => { res.statusCode = 502; res.end(); });
    })).listen(port, '127.0.0.1');
    break;
  }
  case 'undici-stream': {
    const pool = new Pool(`http://127.0.0.1:${upPort}`, { connections: null });
    announce(http.createServer((req, res) => {
      pool.stream({ path: req.url!, method: req.method as 'GET', headers: clean(req.headers), body: null }, ({ statusCode, headers }) => {
        res.writeHead(statusCode, clean(headers));
        return res;
      }).catch(() => { if (!res.headersSent) res.statusCode = 502; res.end(); });
    })).listen(port, '127.0.0.1');
    break;
  }
  default: {
    const store = new SnapshotStore();
    const alice = makeConsumer('alice');
    const cred = makeCredential(alice, 'k');
    const auth = role === 'portcullis-auth' ? fakeAuthenticator(cred) : undefined;
    store.swap(makeSnapshot([makeRoute('bench', ['/'], makeUpstream([{ host: '127.0.0.1', port: upPort }]), { auth, spec: { stripPath: false } })], [alice], [cred]));
    const accessLog = createAccessLog({ enabled: role === 'portcullis-log', fd: 2 });
    const proxy = createProxyServer({ store, metrics: new GatewayMetrics(), accessLog });
    void proxy.listen({ host: '127.0.0.1', port }).then((a) => process.stdout.write(`PORT ${a.port}\n`));
  }
}
