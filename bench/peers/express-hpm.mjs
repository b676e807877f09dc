// Optional peer: express 5 + http-proxy-middleware 3 + jsonwebtoken 9 with a string secret (the
// common tutorial shape; jsonwebtoken re-imports a string key on every call, see bench/README.md
// "Reference figures").
// usage: node express-hpm.mjs <listen port> <upstream port> <credentials.json: [{key, secret}]>
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const require = createRequire(fileURLToPath(new URL('../.peers/package.json', import.meta.url)));
const express = require('express');
const { createProxyMiddleware } = require('http-proxy-middleware');
const jwt = require('jsonwebtoken');

const [port, upstreamPort, credFile] = process.argv.slice(2);
const secrets = new Map(JSON.parse(readFileSync(credFile, 'utf8')).map((c) => [c.key, c.secret]));

const app = express();
app.use((req, res, next) => {
  const h = req.headers.authorization ?? '';
  const token = h.startsWith('Bearer ') ? h.slice(7) : '';
  const decoded = jwt.decode(token);
  const secret = decoded && secrets.get(decoded.iss);
  if (!secret) return res.status(401).json({ message: 'Unauthorized' });
  try { jwt.verify(token, secret, { algorithms: ['HS256'] }); } catch { return res.status(401).json({ message: 'Unauthorized' }); }
  return next();
});
app.use(createProxyMiddleware({ target: `http://127.0.0.1:${upstreamPort}`, changeOrigin: false }));
app.listen(Number(port), '127.0.0.1');
