import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot, stopProcess } from './gateway-process.js';

/** A Python WSGI upstream (test/support/wsgi-echo.py) in its own process. */
export interface WsgiUpstream {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startWsgiUpstream(): Promise<WsgiUpstream> {
  const child = spawn('python3', [path.join(repoRoot, 'test/support/wsgi-echo.py')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wsgi upstream did not start:\n${output}`)), 15_000);
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      const m = /listening (\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`wsgi upstream exited with ${code}:\n${output}`));
    });
  }).catch(async (err: unknown) => {
    await stopProcess(child, 'SIGKILL');
    throw err;
  });
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await stopProcess(child);
    },
  };
}
