// Peer: fast-gateway 3.4.7 (restana + fast-proxy-lite) with a jsonwebtoken 9 HS256 check done the way a
// user would: key looked up by the `iss` claim, secret imported once as a KeyObject, exp verified.
// usage: node fast-gateway.mjs <listen port> <upstream port> <credentials.json: [{key, secret}]>
import { createRequire } from 'node:module';
import { createSecretKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const require = createRequire(fileURLToPath(new URL('../.peers/package.json', import.meta.url)));
const gateway = require('fast-gateway');
const jwt = require('jsonwebtoken');

const [port, upstreamPort, credFile] = process.argv.slice(2);
const keys = new Map(JSON.parse(readFileSync(credFile, 'utf8')).map((c) => [c.key, createSecretKey(Buffer.from(c.secret))]));

const unauthorized = (res) => { res.statusCode = 401; res.setHeader('content-type', 'application/json'); res.end('{"message":"Unauthorized"}'); };

function jwtCheck(req, res, next) {
  const h = req.headers.authorization;
  if (!h || !h.startsWith('Bearer ')) return unauthorized(res);
  const token = h.slice(7);
  const decoded = jwt.decode(token);
  const key = decoded && keys.get(decoded.iss);
  if (!key) return unauthorized(res);
  try {
    jwt.verify(token, key, { algorithms: ['HS256'] });
  } catch {
    return unauthorized(res);
  }
  return next();
}

gateway({
  middlewares: [jwtCheck],
  routes: [{ prefix: '', target: `http://127.0.0.1:${upstreamPort}` }],
}).start(Number(port), '127.0.0.1');
