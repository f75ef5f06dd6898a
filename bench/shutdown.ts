/**
 * How a benchmark ends: what it started is closed in the reverse order, each step bounded, whatever still holds the
 * event loop is named, and the process exits (a benchmark that printed its figures must not hang).
 */
/** The whole shutdown, at most. */
const SHUTDOWN_LIMIT_MS = 90_000;

/** `promise`'s outcome, or `late` after `ms` (the timer cleared either way). */
export async function within<T>(promise: Promise<T>, ms: number, late: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<T>((resolve) => (timer = setTimeout(() => resolve(late), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Counts of the handles and requests holding the event loop, by kind. */
function openResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}
/** What this process holds before it opens anything (its own stdio). */
const resourcesAtStart = openResources();

/** What was started, closed in the reverse order, each step bounded; then the exit. */
export class Shutdown {
  private readonly steps: { what: string; close: () => Promise<unknown> }[] = [];
  private running: Promise<never> | undefined;

  /** True once the shutdown has begun (a child exiting then is expected). */
  get stopping(): boolean {
    return this.running !== undefined;
  }

  add(what: string, close: () => Promise<unknown>): void {
    this.steps.push({ what, close });
  }

  /** Closes everything, reports what is still open, and exits with `code`; at most once. */
  run(code: number): Promise<never> {
    this.running ??= this.close(code);
    return this.running;
  }

  private async close(code: number): Promise<never> {
    // After a failure, calls still in flight may throw from their timers once their connection is closed: reported, and
    // the shutdown goes on (an uncaught exception would end the process before its worker and servers are stopped).
    process.on('uncaughtException', (err) => console.error(`bench: while stopping: ${err instanceof Error ? err.message : err}`));
    // The last resort: whatever hangs below, the process ends.
    const limit = setTimeout(() => {
      console.error(`bench: the shutdown did not finish within ${SHUTDOWN_LIMIT_MS / 1000} s; exiting anyway`);
      process.exit(code || 1);
    }, SHUTDOWN_LIMIT_MS);
    limit.unref();
    for (const { what, close } of this.steps.reverse()) {
      const closing = close().then(
        () => 'closed',
        (err: unknown) => `failed: ${err instanceof Error ? err.message : err}`,
      );
      const outcome = await within(closing, 35_000, 'still closing after 35 s');
      if (outcome !== 'closed') console.error(`bench: ${what}: ${outcome}`);
    }
    clearTimeout(limit);
    // Whatever still holds the event loop beyond what the process held at its start (a child's handle closes a moment
    // after it exits, a library's short timer runs out) is named; then the process exits.
    const left = () => [...openResources()].map(([r, n]) => [r, n - (resourcesAtStart.get(r) ?? 0)] as const).filter(([, n]) => n > 0);
    for (let waited = 0; left().length && waited < 3_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    if (left().length) console.error(`bench: still open after the shutdown: ${left().map(([r, n]) => `${n} × ${r}`).join(', ')}`);
    process.exit(code);
  }
}

/** Runs a benchmark's `main`, then stops everything it started and exits (1 after an error, 130 after a signal). */
export function runBench(main: (shutdown: Shutdown) => Promise<void>): void {
  const shutdown = new Shutdown();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`bench: ${signal}; stopping everything`);
      void shutdown.run(130);
    });
  }
  main(shutdown).then(
    () => shutdown.run(0),
    (err) => {
      console.error(`bench: ${err instanceof Error ? err.stack : err}`);
      return shutdown.run(1);
    },
  );
}
