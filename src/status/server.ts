import Fastify, { type FastifyInstance } from 'fastify';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { Readiness } from './health.js';

export interface StatusServerOptions {
  readiness: Readiness;
  metrics: GatewayMetrics;
}

/** Status listener (default 0.0.0.0:8100): liveness, readiness and Prometheus metrics. */
export function createStatusServer(opts: StatusServerOptions): FastifyInstance {
  const app = Fastify({ logger: false });
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
