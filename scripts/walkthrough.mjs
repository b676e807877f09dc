#!/usr/bin/env node
// `npm start`: the seed walkthrough on its usual ports — the "Hello world!" upstream on :3000 and
// the gateway in standalone mode on examples/kong.yml (proxy :8000, admin :8001, status :8100).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const children = [
  spawn(process.execPath, [path.join(root, 'examples/hello-upstream.mjs'), '3000'], { stdio: 'inherit' }),
  spawn(
    process.execPath,
    [path.join(root, 'dist/cli.js'), 'standalone', '--config', path.join(root, 'examples/kong.yml'), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  ),
];

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 11_000).unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null))).then(() =>
    process.exit(code),
  );
}
for (const child of children) child.once('exit', (code) => stop(code ?? 1));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stop(0));

process.stderr.write(`
Portcullis walkthrough: gateway on http://localhost:8000, admin on http://localhost:8001, upstream on http://localhost:3000
  curl -i localhost:8000/api                                   # 401 {"message":"Unauthorized"}
  curl -s localhost:8001/consumers/login_server_issuer/jwt     # the credential's key and secret
  TOKEN=$(npx portcullis token --key <key> --secret <secret> --key-claim kid --exp 1h)
  curl -i localhost:8000/api -H "Authorization: Bearer $TOKEN" # 200 Hello world!
Ctrl-C stops both.
`);
