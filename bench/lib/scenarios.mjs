// What run.mjs and open-loop.mjs measure: the scenarios (gateway under test + how to start it), the
// per-run fixtures they share (credentials, tokens, request files, kong.yml files, the upstream) and
// the sanity check every scenario passes before it is measured.
import { writeFileSync } from 'node:fs';
import { KONG_PLUGIN_STACK, benchKongYaml, makeCredentials, signToken } from '../fixtures.mjs';
import { httpGet } from './processes.mjs';
import { startHaproxy, startNginxNjs, startNodePeer, startPortcullis, startUpstream } from './servers.mjs';
import { writeRequestFile } from './wrk.mjs';
import { startJwksServer } from './jwks-server.mjs';
import { startOtlpSink } from './otlp-sink.mjs';

// auth: which tokens the scenario is driven with, null = no token. `nodeArgs` reach the Portcullis
// process (run.mjs / open-loop.mjs `--node-arg`).
export const SCENARIOS = [
  { id: 'direct', label: 'upstream direct (nginx, no gateway)', auth: null, direct: true },
  { id: 'node-pipe', label: 'bare node:http pipe proxy', auth: null, kind: 'peer',
    start: (c) => startNodePeer(c.dir, 'node-pipe.mjs', [], c.upstreamPort, c.peerNodeArgs) },
  // The pipe with Portcullis's GC flag (docs/performance.md#gc-threads): what the flag does for any node proxy.
  { id: 'node-pipe-single-gc', label: 'bare node:http pipe proxy + --single-threaded-gc', auth: null, kind: 'peer', optional: true,
    start: (c) => startNodePeer(c.dir, 'node-pipe.mjs', [], c.upstreamPort, [...c.peerNodeArgs, '--single-threaded-gc']) },
  { id: 'fast-gateway', label: 'fast-gateway 3.4.7 + jsonwebtoken 9 HS256', auth: 'HS256', kind: 'peer',
    start: (c) => startNodePeer(c.dir, 'fast-gateway.mjs', [c.credFile], c.upstreamPort) },
  { id: 'express-hpm', label: 'express 5 + http-proxy-middleware 3 + jsonwebtoken', auth: 'HS256', kind: 'peer', optional: true,
    start: (c) => startNodePeer(c.dir, 'express-hpm.mjs', [c.credFile], c.upstreamPort) },
  { id: 'haproxy', label: 'HAProxy 2.6 1 thread + jwt_verify HS256', auth: 'HS256', kind: 'peer',
    start: (c) => startHaproxy(c.dir, c.upstreamPort, c.creds.HS256) },
  { id: 'nginx-njs', label: 'nginx 1 worker + njs HS256', auth: 'HS256', kind: 'peer',
    start: (c) => startNginxNjs(c.dir, c.upstreamPort, c.creds.HS256) },
  { id: 'portcullis-noauth', label: 'Portcullis, no auth', auth: null, kind: 'portcullis',
    start: (c) => startPortcullis(c.dir, c.kongFiles.none, { name: 'portcullis-noauth', nodeArgs: c.nodeArgs }) },
  { id: 'portcullis-hs256', label: 'Portcullis jwt HS256', auth: 'HS256', kind: 'portcullis',
    start: (c) => startPortcullis(c.dir, c.kongFiles.HS256, { name: 'portcullis-hs256', nodeArgs: c.nodeArgs }) },
  // docs/performance.md#gc-threads: the same with node's parallel and concurrent GC threads (A/B of --single-threaded-gc).
  { id: 'portcullis-hs256-parallel-gc', label: 'Portcullis jwt HS256, parallel GC threads', auth: 'HS256', kind: 'portcullis', optional: true,
    start: (c) => startPortcullis(c.dir, c.kongFiles.HS256, { name: 'portcullis-hs256-parallel-gc', nodeArgs: c.nodeArgs, nodeFlags: [] }) },
  // Trusted proxies configured (docs/client-ip.md): the per-request trust check and header lookup.
  { id: 'portcullis-hs256-trusted', label: 'Portcullis jwt HS256, --trusted-ips + X-Forwarded-For', auth: 'HS256', kind: 'portcullis', optional: true,
    start: (c) => startPortcullis(c.dir, c.kongFiles.HS256, { name: 'portcullis-hs256-trusted', nodeArgs: c.nodeArgs, args: ['--trusted-ips', '127.0.0.1,10.0.0.0/8', '--real-ip-header', 'X-Forwarded-For'] }) },
  // docs/tracing.md#cost: OpenTelemetry tracing on, 1 % of new traces recorded, exported to a local OTLP sink.
  { id: 'portcullis-hs256-otel', label: 'Portcullis jwt HS256, tracing on at 1 %', auth: 'HS256', kind: 'portcullis', optional: true,
    start: async (c) => {
      c.otlpSink ??= await startOtlpSink();
      return startPortcullis(c.dir, c.kongFiles.HS256, { name: 'portcullis-hs256-otel', nodeArgs: c.nodeArgs, args: ['--otel-endpoint', c.otlpSink.url, '--otel-sample-ratio', '0.01'] });
    } },
  // The same with every request recorded and exported (the SDK path for all).
  { id: 'portcullis-hs256-otel100', label: 'Portcullis jwt HS256, tracing on at 100 %', auth: 'HS256', kind: 'portcullis', optional: true,
    start: async (c) => {
      c.otlpSink ??= await startOtlpSink();
      return startPortcullis(c.dir, c.kongFiles.HS256, { name: 'portcullis-hs256-otel100', nodeArgs: c.nodeArgs, args: ['--otel-endpoint', c.otlpSink.url, '--otel-sample-ratio', '1'] });
    } },
  // issue 15: jwt + acl + cors + rate-limiting (local) against jwt alone; target ≥ 0.9× portcullis-hs256.
  { id: 'portcullis-hs256-plugins', label: 'Portcullis jwt HS256 + acl + cors + rate-limiting local', auth: 'HS256', kind: 'portcullis', optional: true,
    start: (c) => startPortcullis(c.dir, c.kongFiles['HS256-plugins'], { name: 'portcullis-hs256-plugins', nodeArgs: c.nodeArgs }) },
  { id: 'portcullis-rs256', label: 'Portcullis jwt RS256', auth: 'RS256', kind: 'portcullis',
    start: (c) => startPortcullis(c.dir, c.kongFiles.RS256, { name: 'portcullis-rs256', nodeArgs: c.nodeArgs }) },
  { id: 'portcullis-es256', label: 'Portcullis jwt ES256', auth: 'ES256', kind: 'portcullis',
    start: (c) => startPortcullis(c.dir, c.kongFiles.ES256, { name: 'portcullis-es256', nodeArgs: c.nodeArgs }) },
  // docs/jwks.md#performance: the same keys from a local JWKS (kid in the tokens); target within 5 % of the PEM rows.
  { id: 'portcullis-rs256-jwks', label: 'Portcullis jwt RS256, keys from a JWKS', auth: 'RS256-jwks', kind: 'portcullis', optional: true,
    start: (c) => startPortcullis(c.dir, c.kongFiles['RS256-jwks'], { name: 'portcullis-rs256-jwks', nodeArgs: c.nodeArgs, args: ['--jwks-allow-http', 'on'] }) },
  { id: 'portcullis-es256-jwks', label: 'Portcullis jwt ES256, keys from a JWKS', auth: 'ES256-jwks', kind: 'portcullis', optional: true,
    start: (c) => startPortcullis(c.dir, c.kongFiles['ES256-jwks'], { name: 'portcullis-es256-jwks', nodeArgs: c.nodeArgs, args: ['--jwks-allow-http', 'on'] }) },
];

export function tamper(token) {
  const i = token.length - 10; // a middle character of the signature (the last one may be padding bits)
  return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
}

/** Before measuring: a valid request reaches the upstream; for auth scenarios, bad tokens are refused. */
export async function sanityCheck(s, port, ctx, get = httpGet) {
  const token = s.auth ? ctx.tokens[s.auth][0] : null;
  const ok = await get(port, '/', token ? { authorization: `Bearer ${token}` } : {});
  if (ok.status !== 200 || ok.body !== 'Hello world!') throw new Error(`valid request got ${ok.status} ${ok.body.slice(0, 80)}`);
  if (!s.auth) return;
  const none = await get(port, '/');
  const bad = await get(port, '/', { authorization: `Bearer ${tamper(token)}` });
  if (none.status !== 401 || bad.status !== 401) throw new Error(`auth not enforced: no token → ${none.status}, tampered → ${bad.status}`);
}

/**
 * The per-run fixtures in `dir`: `count` HS256, RS256 and ES256 credentials with one token each, wrk
 * request files, the HS256 credentials file of the Node peers, the nginx upstream and the kong.yml
 * files (one route on the upstream; none / jwt with each algorithm). `algorithms` limits what is made;
 * `tls` (bench/lib/tls-certs.mjs) also opens the upstream's TLS port (upstream.tlsPort).
 */
export async function prepareContext(dir, count, { algorithms = ['HS256', 'RS256', 'ES256'], tls } = {}) {
  console.log(`generating ${count} ${algorithms.join(', ')} credentials and tokens`);
  const creds = {};
  for (const alg of algorithms) creds[alg] = await makeCredentials(alg, count);
  const tokens = Object.fromEntries(Object.entries(creds).map(([alg, cs]) => [alg, cs.map((c) => signToken(c))]));
  // JWKS scenarios: the same credentials, tokens naming their key by kid.
  const jwksAlgs = algorithms.filter((a) => a === 'RS256' || a === 'ES256');
  for (const alg of jwksAlgs) tokens[`${alg}-jwks`] = creds[alg].map((c) => signToken(c, { kid: c.key }));
  const requestFiles = { none: `${dir}/requests-none.tsv` };
  writeRequestFile(requestFiles.none, [{ path: '/' }]);
  for (const alg of Object.keys(tokens)) {
    requestFiles[alg] = `${dir}/requests-${alg}.tsv`;
    writeRequestFile(requestFiles[alg], tokens[alg].map((token) => ({ path: '/', token })));
  }
  const credFile = `${dir}/hs256-credentials.json`;
  writeFileSync(credFile, JSON.stringify((creds.HS256 ?? []).map(({ key, secret }) => ({ key, secret }))), { mode: 0o600 });

  const upstream = await startUpstream(dir, tls);
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
  const kongFiles = { none: `${dir}/kong-noauth.yml` };
  writeFileSync(kongFiles.none, benchKongYaml({ upstreamUrl }));
  for (const alg of Object.keys(creds)) {
    kongFiles[alg] = `${dir}/kong-${alg}.yml`;
    writeFileSync(kongFiles[alg], benchKongYaml({ upstreamUrl, credentials: creds[alg] }), { mode: 0o600 });
  }
  if (creds.HS256) {
    kongFiles['HS256-plugins'] = `${dir}/kong-HS256-plugins.yml`;
    writeFileSync(kongFiles['HS256-plugins'], benchKongYaml({ upstreamUrl, credentials: creds.HS256, plugins: KONG_PLUGIN_STACK, groups: ['bench'] }), { mode: 0o600 });
  }
  const jwks = jwksAlgs.length > 0 ? await startJwksServer(Object.fromEntries(jwksAlgs.map((a) => [a, creds[a]]))) : undefined;
  for (const alg of jwksAlgs) {
    kongFiles[`${alg}-jwks`] = `${dir}/kong-${alg}-jwks.yml`;
    writeFileSync(kongFiles[`${alg}-jwks`], benchKongYaml({ upstreamUrl, credentials: creds[alg], jwksUrl: (i) => jwks.url(alg, i) }), { mode: 0o600 });
  }
  return { dir, upstream, upstreamPort: upstream.port, upstreamUrl, creds, tokens, requestFiles, credFile, kongFiles, tls, nodeArgs: [], peerNodeArgs: [], portcullisArgs: [] };
}

/**
 * `--variant NAME=--flag,--flag` rows: the first Portcullis scenario of `selected` again, with
 * extra node flags, appended to `selected` (open-loop.mjs, open-loop-anatomy.mjs).
 */
export function addNodeFlagVariants(selected, variants) {
  const pcBase = selected.find((s) => s.kind === 'portcullis');
  for (const v of variants) {
    const [name, flags = ''] = v.split(/=(.*)/s);
    if (!pcBase) throw new Error('--variant needs a Portcullis scenario in --only');
    const extra = flags.split(',').filter(Boolean);
    selected.push({ ...pcBase, id: `${pcBase.id}+${name}`, label: `${pcBase.label} + ${extra.join(' ')}`,
      start: (c) => pcBase.start({ ...c, nodeArgs: [...c.nodeArgs, ...extra] }) });
  }
}
