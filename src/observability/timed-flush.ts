/**
 * Bounds how long a line may sit in a buffered log destination. The access log buffers (a few
 * KB per write(2)) so that under load it costs one syscall per dozens of lines; at low traffic
 * that buffer would hold lines indefinitely. A timer armed by the first line after a quiet
 * period writes the buffer out `delayMs` later. It is re-armed while lines keep coming (a flush
 * that raced an in-flight write may leave a few behind) and stops once a period passes without
 * any, so an idle gateway has no timer. Unref'd: it never keeps a process alive.
 */
export interface TimedFlush {
  /** Call after each buffered line. */
  noteLine(): void;
  /** Stop the timer (after a final synchronous flush). */
  cancel(): void;
}

export function timedFlush(flush: () => void, delayMs: number): TimedFlush {
  let timer: NodeJS.Timeout | undefined;
  let lines = 0;
  const fire = () => {
    timer = undefined;
    const more = lines > 1;
    lines = 0;
    flush();
    if (more) arm();
  };
  const arm = () => {
    timer = setTimeout(fire, delayMs);
    timer.unref();
  };
  return {
    noteLine() {
      lines++;
      if (timer === undefined) arm();
    },
    cancel() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      lines = 0;
    },
  };
}
