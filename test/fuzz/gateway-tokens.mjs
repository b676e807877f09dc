/**
 * End-to-end token fuzzing: mutated tokens against the real gateway process over HTTP keep-alive.
 * Starts an in-process echo upstream and `portcullis standalone` (built dist/) on loopback ports
 * with HS256, RS256, ES256 and EdDSA consumers behind the jwt plugin, then sends `count` requests,
 * each carrying one token (in the Authorization header, the ?jwt= query parameter or the jwt
 * cookie) made by the fuzz engine's mutators from valid tokens and the jwt-token corpus. One
 * request in four also has a fuzzed path (percent-escapes, dot segments) and an extra header
 * (identity, forwarding, TE, request id).
 *
 * Counts status codes. Findings: any 5xx, any transport error, a 2xx for a token the keys never
 * signed, or a gateway that exited or stopped answering /readyz.
 */
import { spawn } from 'node:child_process';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { mutate, prng } from './engine.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.resolve(here, '../../dist/cli.js');
const b64 = (x) => Buffer.from(x).toString('base64url');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function makeCredentials() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ed = generateKeyPairSync('ed25519');
  const pem = (k) => k.export({ type: 'spki', format: 'pem' });
  const secret = 'e2e-fuzz-secret-0123456789abcdef';
  return [
    { key: 'hs-key', algorithm: 'HS256', secret, sign: (d) => createHmac('sha256', secret).update(d).digest() },
    { key: 'rs-key', algorithm: 'RS256', rsa_public_key: pem(rsa.publicKey), sign: (d) => sign('sha256', d, rsa.privateKey) },
    { key: 'es-key', algorithm: 'ES256', rsa_public_key: pem(ec.publicKey), sign: (d) => sign('sha256', d, { key: ec.privateKey, dsaEncoding: 'ieee-p1363' }) },
    { key: 'ed-key', algorithm: 'EdDSA', rsa_public_key: pem(ed.publicKey), sign: (d) => sign(null, d, ed.privateKey) },
  ];
}

function mint(cred, payload, header = { alg: cred.algorithm, typ: 'JWT' }) {
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`;
  return `${input}.${b64(cred.sign(Buffer.from(input)))}`;
}

/** A path undici sends: starts with "/", printable ASCII without "#" and spaces (escaped as %XX). */
const requestTargetSafe = (s) => `/${s.replace(/^\/+/, '')}`.replace(/[^\x21-\x7e]|#/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase().slice(-2)}`);

/** Node refuses to send CR, LF, NUL and other controls in a header; the parser tests cover raw bytes. */
const headerSafe = (s) => s.replace(/[\0-\x08\x0a-\x1f\x7f]/g, '');

async function startGateway(configPath) {
  const [proxy, admin, status] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, [cli, 'standalone', '--config', configPath, '--proxy-listen', `127.0.0.1:${proxy}`, '--admin-listen', `127.0.0.1:${admin}`, '--status-listen', `127.0.0.1:${status}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const ready = async () => {
    try {
      return (await fetch(`http://127.0.0.1:${status}/readyz`)).ok;
    } catch {
      return false;
    }
  };
  const deadline = Date.now() + 30_000;
  while (!(await ready())) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`gateway not ready: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, proxy: `http://127.0.0.1:${proxy}`, ready, stderr: () => stderr };
}

/**
 * @param {{ count: number, seed?: number, connections?: number, onProgress?: (done: number) => void }} opts
 * @returns summary: { sent, statuses: Record<string, number>, fivexx, transportErrors, forgedAccepted, examples, seconds, perSecond, alive }
 */
export async function fuzzGatewayTokens({ count, seed = 1, connections = 16, onProgress = () => {} }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pc-token-fuzz-'));
  const upstream = http.createServer((req, res) => res.end('ok'));
  await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
  const creds = makeCredentials();
  const now = Math.floor(Date.now() / 1000);
  const config = {
    _format_version: '3.0',
    services: [{ name: 'echo', url: `http://127.0.0.1:${upstream.address().port}`, routes: [{ name: 'all', paths: ['/'] }] }],
    consumers: creds.map((c, i) => ({ username: `u${i}`, jwt_secrets: [{ key: c.key, algorithm: c.algorithm, ...(c.secret ? { secret: c.secret } : { rsa_public_key: c.rsa_public_key }) }] })),
    plugins: [{ name: 'jwt', config: { cookie_names: ['jwt'], claims_to_verify: ['exp'] } }],
  };
  const configPath = path.join(dir, 'kong.yml');
  writeFileSync(configPath, JSON.stringify(config));

  const valid = creds.flatMap((c) => [mint(c, { iss: c.key, exp: now + 3600 }), mint(c, { exp: now + 3600, sub: 'x' }, { alg: c.algorithm, iss: c.key })]);
  const validSet = new Set(valid);
  const bases = [
    ...valid,
    mint(creds[0], { iss: 'hs-key', exp: now - 10 }),
    mint(creds[1], { iss: 'rs-key', exp: now + 3600 }, { alg: 'HS256' }),
    `${b64('{"alg":"none"}')}.${b64(`{"iss":"hs-key","exp":${now + 3600}}`)}.`,
    ...readdirSync(path.join(here, 'corpus/jwt-token')).map((f) => readFileSync(path.join(here, 'corpus/jwt-token', f)).subarray(2).toString('latin1')),
  ].map((t) => Buffer.from(t, 'latin1'));
  const dictionary = ['.', 'eyJ', '=', '%', 'Bearer ', '"alg"', '"none"', '"iss"', '"exp"', 'hs-key', 'rs-key', '\t', ' '].map((w) => Buffer.from(w));
  const rng = prng(seed);
  const paths = ['/', '/a/b', '/a/../b', '/%2e%2E/x', '/caf%C3%A9', '/a%2Fb', '//x//y/', '/%FF%FE', '/x?y=1'].map((p) => Buffer.from(p));
  const pathWords = ['%', '%2', '%2F', '%2e', '..', '/', '//', '%00', '%C3', '?', ';', '@', ':'].map((w) => Buffer.from(w));
  // undici refuses to send Connection, and a Host override upset its pooled connections here:
  // both are left to the header property tests and fuzz target, which need no client.
  const extraHeaders = [['x-consumer-id', 'spoofed'], ['x-credential-identifier', 'x'], ['x-forwarded-for', '10.0.0.1'], ['via', '1.0 x'], ['te', 'trailers'], ['x-request-id', 'abc'], ['x-forwarded-prefix', '/p'], ['x-a', '1']];

  const gw = await startGateway(configPath);
  // A request the gateway never answers becomes a transport error (with its example), not a hang.
  const pool = new Pool(gw.proxy, { connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const statuses = {};
  let transportErrors = 0;
  let forgedAccepted = 0;
  const examples = [];
  let sent = 0;
  let next = 0;
  const t0 = performance.now();

  const one = async () => {
    const i = next++;
    // One in eight requests carries a valid token unchanged: the run must see acceptances too.
    const token = headerSafe((i % 8 === 0 ? bases[rng.below(valid.length)] : mutate(bases[rng.below(bases.length)], rng, bases, dictionary, 4096)).toString('latin1'));
    const where = rng.below(3);
    const req = { method: 'GET', path: '/', headers: {} };
    // One request in four also gets a fuzzed path and an extra (possibly special) header.
    if (rng.below(4) === 0) {
      req.path = requestTargetSafe(mutate(paths[rng.below(paths.length)], rng, paths, pathWords, 512).toString('latin1'));
      const [name, value] = extraHeaders[rng.below(extraHeaders.length)];
      req.headers[name] = headerSafe(mutate(Buffer.from(value), rng, paths, pathWords, 256).toString('latin1'));
    }
    if (where === 0) req.headers.authorization = `Bearer ${token}`;
    else if (where === 1) req.path = `${req.path.split('?')[0]}?jwt=${encodeURIComponent(token)}`;
    else req.headers.cookie = `a=1; jwt=${token}`;
    try {
      const res = await pool.request(req);
      await res.body.dump();
      const code = res.statusCode;
      statuses[code] = (statuses[code] ?? 0) + 1;
      if (code >= 500 && examples.length < 10) examples.push({ code, where, token });
      // The gateway ignores blanks around a header token (Bearer scheme, cookie value, HTTP OWS).
      if (code < 300 && !validSet.has(where === 1 ? token : token.replace(/^[ \t]+|[ \t]+$/g, ''))) {
        forgedAccepted++;
        if (examples.length < 10) examples.push({ code, where, token, forged: true });
      }
    } catch (err) {
      transportErrors++;
      if (examples.length < 10) examples.push({ error: String(err), where, token });
    }
    sent++;
    if (sent % 10_000 === 0) onProgress(sent);
  };
  const worker = async () => {
    while (next < count) await one();
  };
  try {
    await Promise.all(Array.from({ length: connections }, worker));
    const seconds = (performance.now() - t0) / 1000;
    const alive = gw.child.exitCode === null && (await gw.ready());
    const fivexx = Object.entries(statuses).filter(([c]) => Number(c) >= 500).reduce((a, [, n]) => a + n, 0);
    return { sent, statuses, fivexx, transportErrors, forgedAccepted, examples, seconds, perSecond: Math.round(sent / seconds), alive, gatewayStderr: gw.stderr() };
  } finally {
    await pool.close();
    gw.child.kill('SIGTERM');
    await new Promise((r) => (gw.child.exitCode !== null ? r() : gw.child.once('exit', r)));
    upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
