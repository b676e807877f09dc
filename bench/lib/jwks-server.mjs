// A local JWKS server for the portcullis-*-jwks scenarios (docs/jwks.md#performance): the bench's
// RS256/ES256 public keys, kid = credential key, at most 64 keys per document (the gateway's limit).
import { createPublicKey } from 'node:crypto';
import http from 'node:http';

export const KEYS_PER_JWKS = 64;

/** Serves /jwks/<group> for `credsByAlg` ({ RS256: [...], ES256: [...] }); returns { url(alg, i), close }. */
export async function startJwksServer(credsByAlg) {
  const docs = new Map();
  for (const [alg, creds] of Object.entries(credsByAlg)) {
    creds.forEach((c, i) => {
      const path = `/jwks/${alg}-${Math.floor(i / KEYS_PER_JWKS)}`;
      const jwk = { ...createPublicKey(c.signingKey).export({ format: 'jwk' }), kid: c.key, alg, use: 'sig' };
      if (!docs.has(path)) docs.set(path, { keys: [] });
      docs.get(path).keys.push(jwk);
    });
  }
  const bodies = new Map([...docs].map(([p, d]) => [p, JSON.stringify(d)]));
  const server = http.createServer((req, res) => {
    const body = bodies.get(req.url ?? '');
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json', 'cache-control': 'max-age=3600' });
    res.end(body ?? '');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  const { port } = server.address();
  return {
    url: (alg, i) => `http://127.0.0.1:${port}/jwks/${alg}-${Math.floor(i / KEYS_PER_JWKS)}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
