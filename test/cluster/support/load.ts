// A bounded keep-alive load for rollout tests: `connections` clients, each sending one request at a
// time with exponential think times (mean `meanThinkMs`), so the offered rate stays modest and no
// connection is ever idle for long. Every answer other than 200 + the expected body is a failure,
// recorded with its time and cause; nothing is retried.
import http from 'node:http';

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  connections?: number;
  meanThinkMs?: number;
  expectBody?: string;
}

export interface Failure { at: number; cause: string }

export interface LoadResult {
  ok: number;
  failed: number;
  failures: Failure[];
  /** Failures by cause, e.g. { ECONNRESET: 3, 'status 502': 1 }. */
  byCause: Record<string, number>;
  startedAt: number;
  stoppedAt: number;
  /** Requests per second over the run. */
  rate: number;
  latencyMs: { p50: number; p99: number; max: number };
}

export interface Load {
  stop(): Promise<LoadResult>;
  counts(): { ok: number; failed: number };
}

export function startLoad(opts: LoadOptions): Load {
  const connections = opts.connections ?? 8;
  const mean = opts.meanThinkMs ?? 10;
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const failures: Failure[] = [];
  const latencies: number[] = [];
  let ok = 0;
  let running = true;
  const startedAt = Date.now();

  const once = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const req = http.get(opts.url, { agent, headers: opts.headers, timeout: 10_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => { body += d; });
        res.on('end', () => {
          latencies.push(performance.now() - t0);
          if (res.statusCode === 200 && (opts.expectBody === undefined || body === opts.expectBody)) ok++;
          else failures.push({ at: Date.now(), cause: `status ${res.statusCode}` });
          resolve();
        });
        res.on('error', (err: NodeJS.ErrnoException) => { failures.push({ at: Date.now(), cause: err.code ?? err.message }); resolve(); });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', (err: NodeJS.ErrnoException) => { failures.push({ at: Date.now(), cause: err.code ?? err.message }); resolve(); });
    });

  const worker = async () => {
    while (running) {
      await once();
      await new Promise((r) => setTimeout(r, -Math.log(1 - Math.random()) * mean));
    }
  };
  const workers = Array.from({ length: connections }, worker);

  return {
    counts: () => ({ ok, failed: failures.length }),
    async stop() {
      running = false;
      await Promise.all(workers);
      agent.destroy();
      const stoppedAt = Date.now();
      const sorted = [...latencies].sort((a, b) => a - b);
      const q = (p: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0) * 10) / 10;
      const byCause: Record<string, number> = {};
      for (const f of failures) byCause[f.cause] = (byCause[f.cause] ?? 0) + 1;
      return {
        ok,
        failed: failures.length,
        failures,
        byCause,
        startedAt,
        stoppedAt,
        rate: Math.round(((ok + failures.length) * 1000) / Math.max(1, stoppedAt - startedAt)),
        latencyMs: { p50: q(0.5), p99: q(0.99), max: Math.round((sorted.at(-1) ?? 0) * 10) / 10 },
      };
    },
  };
}
