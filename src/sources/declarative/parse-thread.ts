import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { parseDeclarative, type DeclarativeResult } from './parse.js';

/**
 * Parses reloaded kong.yml text on a low-priority worker thread. Parsing is most of a reload's CPU
 * (a few ms per swap of a small file, seconds at 100,000 consumers) and, on the event loop, every
 * in-flight request waits for it; on a thread at nice 19 it takes the CPU the proxy leaves idle.
 * Any failure (no worker in this environment, a result that cannot be cloned) falls back to
 * parsing on the caller's thread: same function, same result.
 */
export interface ParseThread {
  parse(text: string, label: string): Promise<DeclarativeResult>;
  close(): void;
}

const MARK = 'portcullis-declarative-parse';

interface Reply {
  id: number;
  result?: DeclarativeResult;
  failed?: true;
}

export function startParseThread(): ParseThread {
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<number, { text: string; label: string; resolve: (r: DeclarativeResult) => void }>();
  const local = (text: string, label: string) => parseDeclarative(text, label);
  const abandon = () => {
    // Settle everything still waiting on the thread's side, in order, on this thread.
    const left = [...pending.values()];
    pending.clear();
    worker?.terminate().catch(() => {});
    worker = undefined;
    for (const p of left) p.resolve(local(p.text, p.label));
  };
  let started = false;
  // Started on the first reload, not at startup: a gateway that never reloads pays no thread.
  const start = () => {
    started = true;
    try {
      const w = new Worker(new URL(import.meta.url), { workerData: { [MARK]: true } });
      w.unref();
      w.on('message', (m: Reply) => {
        const p = pending.get(m.id);
        if (!p) return;
        pending.delete(m.id);
        p.resolve(m.result ?? local(p.text, p.label));
      });
      w.on('error', abandon);
      w.on('exit', abandon);
      worker = w;
    } catch {
      worker = undefined;
    }
  };
  return {
    parse(text, label) {
      if (!started) start();
      if (!worker) return Promise.resolve(local(text, label));
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, { text, label, resolve });
        worker!.postMessage({ id, text, label });
      });
    },
    close() {
      started = true;
      const w = worker;
      worker = undefined;
      pending.clear();
      void w?.terminate().catch(() => {});
    },
  };
}

/** Linux: lower this thread (not the process) to nice 19 via its task id. */
function lowerThreadPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, 19);
  } catch {
    // not Linux, or not permitted: parse at normal priority
  }
}

if (!isMainThread && parentPort && (workerData as Record<string, unknown> | null)?.[MARK] === true) {
  const port = parentPort;
  lowerThreadPriority();
  port.on('message', (m: { id: number; text: string; label: string }) => {
    let reply: Reply;
    try {
      reply = { id: m.id, result: parseDeclarative(m.text, m.label) };
      port.postMessage(reply);
    } catch {
      port.postMessage({ id: m.id, failed: true } satisfies Reply);
    }
  });
}
