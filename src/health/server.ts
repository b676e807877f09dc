import Fastify, { type FastifyInstance } from 'fastify';
import { loopbackOnly, misdirectedBody, type HostCheck } from '../model/host-allowlist.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { Readiness } from './readiness.js';

export interface StatusServerOptions {
  readiness: Readiness;
  metrics: GatewayMetrics;
  /** Host header values answered (DNS rebinding protection); default: localhost and loopback IPs. */
  allowHost?: HostCheck;
}

/** Status listener (default 0.0.0.0:8100): liveness, readiness and Prometheus metrics. */
export function createStatusServer(opts: StatusServerOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  const allowHost = opts.allowHost ?? loopbackOnly;
  app.addHook('onRequest', async (req, reply) => {
    if (!allowHost(req.headers.host)) return reply.code(421).send(misdirectedBody(req.headers.host!));
  });
  app.get('/healthz', async (_req, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const ready = opts.readiness.isReady();
    return reply.code(ready ? 200 : 503).send({ ready, reason: opts.readiness.reason() });
  });
  app.get('/metrics', async (_req, reply) => {
    const body = await opts.metrics.registry.metrics();
    return reply.header('content-type', opts.metrics.registry.contentType).send(body);
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ message: 'Not found' }));
  return app;
}
