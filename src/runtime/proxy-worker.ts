import { errorText } from '../observability/error-text.js';
import pino from 'pino';
import type { GatewayOptions } from './options.js';
import { createAccessLog, createLogger } from '../observability/logger.js';
import { RejectionLog } from '../observability/rejections.js';
import { registerWorkerMetrics } from './cluster-metrics.js';
import { createSnapshotApplier } from './snapshot-applier.js';
import { isToWorker, WORKER_ENV, type FromWorker, type MetricsJson, type ToWorker } from './worker-protocol.js';
import { createGatewayProxy, listenProxy } from './gateway-proxy.js';
import { onStopSignals, ShutdownDelay } from './shutdown-delay.js';
import { podTokenCacheBytes, workerTokenCacheBytes } from './token-cache.js';
import { createProcessState } from './process-state.js';

/** Linux PIPE_BUF: a write(2) of at most this many bytes to a pipe is never interleaved with another's. */
const PIPE_BUF = 4096;

export function workerSettings(env: NodeJS.ProcessEnv = process.env): { slot: number; gateway: GatewayOptions } {
  const slot = Number(env[WORKER_ENV.slot]);
  const raw = env[WORKER_ENV.options];
  if (!Number.isInteger(slot) || slot < 1 || !raw) throw new Error('not started as a portcullis proxy worker');
  return { slot, gateway: JSON.parse(raw) as GatewayOptions };
}

/**
 * A proxy worker (node:cluster child): ONLY the proxy listener. It gets every ResourceSet (with
 * the primary's version) over IPC, translates and swaps locally, and starts listening once its
 * first snapshot is live, so it never answers "no snapshot". Drains and exits on the primary's
 * `drain` message or on SIGTERM/SIGINT (a Ctrl-C reaches the whole process group).
 */
export async function runProxyWorker(slot: number, gateway: GatewayOptions): Promise<void> {
  const send = (msg: FromWorker) => {
    if (process.connected) process.send!(msg);
  };
  const logger = createLogger({ level: gateway.logLevel }).child({ worker: slot, pid: process.pid });
  // The primary resolved the pod's budget; this worker holds its share.
  const { store, metrics, readiness, jwks } = createProcessState({
    tokenCacheBytes: workerTokenCacheBytes(podTokenCacheBytes(gateway), gateway.workers),
    jwksAllowHttp: gateway.jwksAllowHttp === true,
  });
  registerWorkerMetrics(metrics, store, slot);
  // Several processes share stdout: keep every write whole lines and at most PIPE_BUF bytes, so
  // lines from different workers may interleave but never tear.
  const accessLog = createAccessLog({
    enabled: gateway.accessLog,
    sampleSuccess: gateway.accessLogSampleSuccess,
    destination: pino.destination({ dest: 1, sync: false, minLength: PIPE_BUF / 2, maxWrite: PIPE_BUF }),
  });
  // This worker's last refused requests: the primary's status page asks for them (docs/status-page.md#workers).
  const rejections = new RejectionLog();
  const proxy = createGatewayProxy(gateway, { store, metrics, accessLog, logger, readiness, rejections });
  // Diagnostics are the primary's to log (once per pod, not once per worker).
  // Each worker fetches JWKS on its own (docs/jwks.md#workers); the primary logs their problems.
  const applier = createSnapshotApplier({ store, metrics, logger, logDiagnostics: false, jwks });

  let listening: Promise<void> | undefined;
  const startListening = () =>
    (listening ??= listenProxy(proxy, gateway).then(
      () => send({ t: 'portcullis:listening' }),
      (err: NodeJS.ErrnoException & { address?: string; port?: number }) => {
        const at = err.port !== undefined ? `${err.address ?? gateway.proxyListen.host}:${err.port}` : `${gateway.proxyListen.host}:${gateway.proxyListen.port}`;
        const message = `cannot listen on ${at}: ${err.code ?? err.message}`;
        send({ t: 'portcullis:listen-failed', message });
        logger.error(message);
        logger.flush();
        process.exit(1);
      },
    ));

  let draining: Promise<void> | undefined;
  const drain = (why: string) =>
    (draining ??= (async () => {
      logger.info({ reason: why }, 'worker draining in-flight requests');
      await proxy.close();
      accessLog.flush();
      logger.info('worker stopped');
      logger.flush();
      process.exit(0);
    })());

  const onMessage = (msg: ToWorker) => {
    switch (msg.t) {
      case 'portcullis:apply': {
        const result = applier.apply(msg.resources, msg.hash, msg.version);
        if (result.kind === 'failed') return send({ t: 'portcullis:apply-failed', version: msg.version, message: errorText(result.error) });
        // Swapped, or unchanged (not newer than the live one): report the version it serves.
        send({ t: 'portcullis:applied', version: result.snapshot.version });
        if (!draining) void startListening();
        return;
      }
      case 'portcullis:end-keep-alive':
        return proxy.endKeepAlive();
      case 'portcullis:drain':
        return void drain('primary asked');
      case 'portcullis:metrics-request':
        return void metrics.registry.getMetricsAsJSON().then(
          (json) => send({ t: 'portcullis:metrics', id: msg.id, metrics: json as MetricsJson }),
          () => send({ t: 'portcullis:metrics', id: msg.id, metrics: [] }),
        );
      case 'portcullis:rejections-request':
        return send({ t: 'portcullis:rejections', id: msg.id, entries: rejections.list() });
    }
  };

  process.on('message', (msg: unknown) => {
    if (isToWorker(msg)) onMessage(msg);
  });
  // A signal of its own (Ctrl-C reaches the whole process group; or someone signals this pid):
  // the same shutdown delay as the primary's, unless the primary's drain comes first.
  const delay = new ShutdownDelay(gateway.shutdownDelaySeconds * 1000);
  onStopSignals(delay, logger, (signal) => {
    proxy.endKeepAlive();
    void delay.wait().then(() => drain(signal));
  });
  send({ t: 'portcullis:hello' });
}
