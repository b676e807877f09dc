import { createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface WatchOptions {
  /** Quiet period after the last filesystem event before the file is read (default 100 ms). */
  debounceMs?: number;
  /** Content-hash poll interval, the fallback when fs.watch misses events (default 1000 ms). */
  pollMs?: number;
  /** Use fs.watch on the directory (default true); false = polling only. */
  fsWatch?: boolean;
  /** Watcher errors (the poll carries on). Never carries file content. */
  onError?: (err: Error) => void;
  /**
   * The file has been missing, empty or unreadable (e.g. replaced by a directory) for `graceMs`:
   * called once per such episode with the reason (never file content); a later usable read ends it.
   */
  onUnusable?: (reason: string) => void;
  /** How long the file may stay unusable before onUnusable (default 1000 ms: a slow writer's gap). */
  graceMs?: number;
}

export interface FileWatch {
  close(): void;
}

/**
 * Calls onChange(text) whenever the content of `path` changes, however it was replaced:
 * in-place write, atomic rename, or the Kubernetes ConfigMap `..data` symlink flip. We watch the
 * DIRECTORY (renames and symlink swaps replace the inode a file watch would hold), debounce, and
 * compare a content hash so only real changes fire. A missing or blank file is treated as a write
 * in progress and skipped (re-read once after the debounce), and reported through onUnusable when
 * it stays so (deleted, truncated to nothing, replaced by a directory); the poll catches whatever
 * fs.watch misses. The content at start is the baseline: it does not fire.
 */
export function watchDeclarativeFile(path: string, onChange: (text: string) => void, opts: WatchOptions = {}): FileWatch {
  const debounceMs = opts.debounceMs ?? 100;
  const pollMs = opts.pollMs ?? 1000;
  const onError = opts.onError ?? (() => {});
  const onUnusable = opts.onUnusable ?? (() => {});
  const graceMs = opts.graceMs ?? 1000;
  let lastHash: string | undefined;
  let closed = false;
  let debounce: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  let reading = false;
  let readAgain = false;
  // An unusable file (missing, blank, unreadable) is first taken for a write in progress; it is
  // reported once it has stayed so for graceMs, and once per episode.
  let unusableSince: number | undefined;
  let unusableReported = false;
  let graceTimer: NodeJS.Timeout | undefined;

  const hash = (text: string) => createHash('sha256').update(text).digest('hex');
  // The poll compares stat() first and reads only when it changed: re-reading and hashing a large
  // file every second costs CPU and garbage on the serving process (16 MB at 100k consumers).
  let lastStat: string | undefined;
  const statSignature = async (): Promise<string | undefined> => {
    try {
      const st = await stat(path);
      return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    } catch {
      return undefined;
    }
  };

  /** The text, or why there is none to use. */
  const read = async (): Promise<{ text: string } | { unusable: string }> => {
    try {
      const text = await readFile(path, 'utf8');
      return text.trim() === '' ? { unusable: `${path} is empty` } : { text };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : code === 'EISDIR' ? 'a directory' : (code ?? 'error');
      return { unusable: `cannot read ${path}: ${why}` };
    }
  };

  const unusable = (reason: string): void => {
    const now = Date.now();
    unusableSince ??= now;
    if (unusableReported) return;
    const left = unusableSince + graceMs - now;
    if (left <= 0) {
      unusableReported = true;
      onUnusable(reason);
    } else if (graceTimer === undefined) {
      graceTimer = setTimeout(() => {
        graceTimer = undefined;
        void check(false);
      }, left);
      graceTimer.unref();
    }
  };

  const usable = (): void => {
    unusableSince = undefined;
    unusableReported = false;
    if (graceTimer) clearTimeout(graceTimer);
    graceTimer = undefined;
  };

  const check = async (retryBlank: boolean): Promise<void> => {
    if (closed) return;
    if (reading) {
      readAgain = true;
      return;
    }
    reading = true;
    try {
      const got = await read();
      if (closed) return;
      if ('unusable' in got) {
        if (retryBlank) schedule(false);
        unusable(got.unusable);
        return;
      }
      usable();
      const text = got.text;
      const h = hash(text);
      if (h === lastHash) return;
      lastHash = h;
      onChange(text);
    } finally {
      reading = false;
      if (readAgain && !closed) {
        readAgain = false;
        schedule(true);
      }
    }
  };

  function schedule(retryBlank: boolean): void {
    if (closed) return;
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = undefined;
      void check(retryBlank);
    }, debounceMs);
  }

  const startWatcher = (): void => {
    if (opts.fsWatch === false || watcher || closed) return;
    try {
      watcher = watch(dirname(path), { persistent: false }, () => schedule(true));
      watcher.on('error', (err) => {
        onError(new Error(`directory watch failed (${(err as NodeJS.ErrnoException).code ?? 'error'}); polling continues`));
        watcher?.close();
        watcher = undefined;
      });
    } catch (err) {
      onError(new Error(`cannot watch ${dirname(path)} (${(err as NodeJS.ErrnoException).code ?? 'error'}); polling only`));
    }
  };

  try {
    const initial = readFileSync(path, 'utf8');
    if (initial.trim() !== '') lastHash = hash(initial);
  } catch {
    // not there yet: its first appearance fires
  }
  void statSignature().then((sig) => (lastStat ??= sig));
  startWatcher();
  const poll = setInterval(() => {
    startWatcher(); // re-establish after a watcher error (e.g. the directory was recreated)
    void statSignature().then((sig) => {
      if (sig !== undefined && sig === lastStat) return;
      lastStat = sig;
      void check(false);
    });
  }, pollMs);
  poll.unref();

  return {
    close(): void {
      closed = true;
      clearInterval(poll);
      if (debounce) clearTimeout(debounce);
      if (graceTimer) clearTimeout(graceTimer);
      watcher?.close();
      watcher = undefined;
    },
  };
}
