import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from './free-port.js';
import { repoRoot, stopProcess, waitFor } from './gateway-process.js';

export interface HelloUpstream {
  port: number;
  /** Request lines the upstream logged (one JSON object per request: method, url, headers). */
  requests(): Array<{ method: string; url: string; headers: Record<string, string> }>;
  stop(): Promise<void>;
}

/** Runs the walkthrough's real upstream, examples/hello-upstream.mjs, on a free port. */
export async function startHelloUpstream(): Promise<HelloUpstream> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [path.join(repoRoot, 'examples/hello-upstream.mjs'), String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/`)).ok, 20_000);
  const skip = out.split('\n').filter(Boolean).length; // the readiness probe above
  return {
    port,
    requests: () =>
      out
        .split('\n')
        .filter(Boolean)
        .slice(skip)
        .map((line) => JSON.parse(line)),
    stop: async () => {
      await stopProcess(child);
    },
  };
}
