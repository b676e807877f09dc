// One HTTP/2 GET over TLS (ALPN h2, certificate not checked): the h2 scenarios' sanity check.
import http2 from 'node:http2';

/** Resolves { status, body } like processes.mjs httpGet, or rejects (also when ALPN did not pick h2). */
export function h2Get(port, path = '/', headers = {}, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
    const fail = (e) => { session.destroy(); reject(e); };
    const timer = setTimeout(() => fail(new Error('timeout')), timeoutMs);
    session.on('error', fail);
    const req = session.request({ ':path': path, ...headers });
    let status = 0;
    let body = '';
    req.setEncoding('utf8');
    req.on('response', (h) => { status = h[':status']; });
    req.on('data', (c) => { body += c; });
    req.on('end', () => { clearTimeout(timer); session.close(); resolve({ status, body }); });
    req.on('error', fail);
  });
}
