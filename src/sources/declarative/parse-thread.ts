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
 *
 * The thread starts on the first reload, and until it has loaded its modules and says so, reloads
 * parse on the caller's thread: a thread that is still loading at nice 19 on a busy machine took
 * 1.3–2.2 s to answer a first reload of a tiny file, against the "within a second" promise.
 * For the same reason a parse the thread has not answered by its deadline (250 ms plus 1 ms per
 * 2 KB: several times what parsing that much takes on one core here) is parsed here: nice 19 only takes idle CPU, so a proxy at
 * full load, or a saturated node, would otherwise delay a reload without bound.
 */
export interface ParseThread {
  parse(text: string, label: string): Promise<DeclarativeResult>;
  /** Whether parses now go to the thread (started and loaded). */
  readonly threaded: boolean;
  close(): void;
}

const MARK = 'portcullis-declarative-parse';

interface Reply {
  /** Sent once, when the thread has loaded and is listening. */
  ready?: true;
  id: number;
  result?: DeclarativeResult;
  failed?: true;
}

interface Pending {
  text: string;
  label: string;
  resolve: (r: DeclarativeResult) => void;
  timer: NodeJS.Timeout;
}

/** How long the thread may take before this thread parses instead (see above). */
export function parseDeadlineMs(text: string): number {
  return 250 + Math.ceil(text.length / 2048);
}

export function startParseThread(): ParseThread {
  let worker: Worker | undefined;
  let ready = false;
  let nextId = 0;
  const pending = new Map<number, Pending>();
  const local = (text: string, label: string) => parseDeclarative(text, label);
  /** Past its deadline: settle it here, and everything requested before it first (results stay in request order). */
  const overdue = (id: number) => {
    for (const [k, p] of pending) {
      if (k > id) break;
      pending.delete(k);
      clearTimeout(p.timer);
      p.resolve(local(p.text, p.label));
    }
  };
  const abandon = () => {
    // Settle everything still waiting on the thread's side, in order, on this thread.
    const left = [...pending.values()];
    pending.clear();
    worker?.terminate().catch(() => {});
    worker = undefined;
    ready = false;
    for (const p of left) {
      clearTimeout(p.timer);
      p.resolve(local(p.text, p.label));
    }
  };
  let started = false;
  // Started on the first reload, not at startup: a gateway that never reloads pays no thread.
  const start = () => {
    started = true;
    try {
      const w = new Worker(new URL(import.meta.url), { workerData: { [MARK]: true } });
      w.unref();
      w.on('message', (m: Reply) => {
        if (m.ready) return void (ready = worker === w);
        const p = pending.get(m.id);
        if (!p) return;
        pending.delete(m.id);
        clearTimeout(p.timer);
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
      if (!worker || !ready) return Promise.resolve(local(text, label));
      const id = nextId++;
      return new Promise((resolve) => {
        const timer = setTimeout(() => overdue(id), parseDeadlineMs(text));
        timer.unref();
        pending.set(id, { text, label, resolve, timer });
        worker!.postMessage({ id, text, label });
      });
    },
    get threaded() {
      return ready && worker !== undefined;
    },
    close() {
      started = true;
      ready = false;
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
  port.postMessage({ ready: true, id: -1 } satisfies Reply);
}
