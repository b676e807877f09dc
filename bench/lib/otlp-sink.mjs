import http from 'node:http';

/**
 * An OTLP/HTTP sink for the tracing scenario (docs/tracing.md#cost): accepts every export with 200
 * and counts spans' bytes, so the gateway's export path runs end to end without a collector
 * competing for the cores. Unref'd: it never keeps the bench alive.
 */
export async function startOtlpSink() {
  const sink = { url: '', requests: 0, bytes: 0 };
  const server = http.createServer((req, res) => {
    req.on('data', (c) => (sink.bytes += c.length));
    req.on('end', () => {
      sink.requests++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  server.unref();
  sink.url = `http://127.0.0.1:${server.address().port}/v1/traces`;
  return sink;
}
