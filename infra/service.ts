/**
 * A long-running juece process (API, projector, command responder): starts it, stops it cleanly on SIGINT or
 * SIGTERM, and on a start-up failure prints one readable line and exits 1.
 */
export function runService(name: string, start: () => Promise<() => Promise<void>>): void {
  start().then(
    (stop) => {
      const shutdown = async () => {
        try {
          await stop();
          process.exit(0);
        } catch (err) {
          console.error(`${name}: stopping failed: ${err instanceof Error ? err.message : err}`);
          process.exit(1);
        }
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    },
    (err) => {
      console.error(`${name}: ${err instanceof Error ? err.message : err}`);
      process.exit(1);
    },
  );
}
