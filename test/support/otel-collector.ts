import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, stopProcess, waitFor } from './gateway-process.js';
import { freePort } from './free-port.js';

/**
 * A real OpenTelemetry Collector (OTLP/HTTP receiver + file exporter), built from its Go modules by
 * scripts/ensure-otelcol.sh and cached in ~/.cache/portcullis; the tracing tests read what it
 * received from the exporter's file (one OTLP JSON export request per line).
 */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 2 server, 3 client. */
  kind: number;
  attributes: Record<string, string | number | boolean>;
  status: { code?: number };
  /** The exporting process's resource attributes. */
  resource: Record<string, string | number | boolean>;
}

export interface Collector {
  /** http://127.0.0.1:<port>/v1/traces */
  endpoint: string;
  /** Every span received so far. */
  spans(): Promise<SpanRecord[]>;
  /** Waits until `pick` finds what it wants among the spans (default 15 s). */
  waitForSpans(pick: (spans: SpanRecord[]) => boolean, timeoutMs?: number): Promise<SpanRecord[]>;
  close(): Promise<void>;
}

const run = promisify(execFile);

/** Builds the collector once (minutes on 2 cores the first time, then a cache hit). */
export async function ensureCollectorBinary(): Promise<string> {
  const { stdout } = await run('bash', [path.join(repoRoot, 'scripts/ensure-otelcol.sh')], { timeout: 30 * 60_000, maxBuffer: 1 << 20 });
  return stdout.trim().split('\n').pop()!;
}

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type KeyValue = { key: string; value: AnyValue };

function attrs(list: KeyValue[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    out[key] = value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.boolValue ?? value.doubleValue ?? '';
  }
  return out;
}

export async function startCollector(): Promise<Collector> {
  const bin = await ensureCollectorBinary();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pc-otelcol-'));
  const port = await freePort();
  const out = path.join(dir, 'spans.jsonl');
  const config = path.join(dir, 'config.yaml');
  await writeFile(
    config,
    [
      'receivers:',
      '  otlp:',
      '    protocols:',
      '      http:',
      `        endpoint: 127.0.0.1:${port}`,
      'exporters:',
      '  file:',
      `    path: ${out}`,
      '    flush_interval: 100ms',
      'service:',
      '  telemetry:',
      '    logs:',
      '      level: warn',
      '    metrics:',
      '      level: none',
      '  pipelines:',
      '    traces:',
      '      receivers: [otlp]',
      '      exporters: [file]',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(bin, ['--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const close = async () => {
    await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      () =>
        new Promise<boolean>((resolve) => {
          const s = net.connect(port, '127.0.0.1', () => {
            s.destroy();
            resolve(true);
          });
          s.on('error', () => resolve(false));
        }),
      30_000,
      () => {
        if (child.exitCode !== null) throw new Error(`collector exited with ${child.exitCode}:\n${output}`);
      },
    );
  } catch (err) {
    await close();
    throw new Error(`collector not ready: ${(err as Error).message}\n${output}`);
  }
  const spans = async (): Promise<SpanRecord[]> => {
    let text = '';
    try {
      text = await readFile(out, 'utf8');
    } catch {
      return [];
    }
    const found: SpanRecord[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const req = JSON.parse(line) as {
        resourceSpans?: Array<{ resource?: { attributes?: KeyValue[] }; scopeSpans?: Array<{ spans?: Array<Record<string, unknown>> }> }>;
      };
      for (const rs of req.resourceSpans ?? []) {
        const resource = attrs(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            found.push({
              traceId: String(s['traceId'] ?? ''),
              spanId: String(s['spanId'] ?? ''),
              parentSpanId: String(s['parentSpanId'] ?? ''),
              name: String(s['name'] ?? ''),
              kind: Number(s['kind'] ?? 0),
              attributes: attrs(s['attributes'] as KeyValue[] | undefined),
              status: (s['status'] as { code?: number } | undefined) ?? {},
              resource,
            });
          }
        }
      }
    }
    return found;
  };
  return {
    endpoint: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    async waitForSpans(pick, timeoutMs = 15_000) {
      let last: SpanRecord[] = [];
      await waitFor(async () => pick((last = await spans())), timeoutMs, undefined, 100).catch((err: Error) => {
        throw new Error(`${err.message}; spans so far: ${JSON.stringify(last, null, 1)}\ncollector output:\n${output}`);
      });
      return last;
    },
    close,
  };
}
