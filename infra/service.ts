/**
 * A long-running juece process (API, projector, command responder): starts it, stops it cleanly on SIGINT or
 * SIGTERM, and on a start-up failure logs one readable error line and exits 1.
 */
import { logFatal } from './log';

export function runService(name: string, start: () => Promise<() => Promise<void>>): void {
  const processName = name.replace(/^juece /, '');
  start().then(
    (stop) => {
      const shutdown = async () => {
        try {
          await stop();
          process.exit(0);
        } catch (err) {
          logFatal(processName, `${name}: stopping failed: ${err instanceof Error ? err.message : err}`);
          process.exit(1);
        }
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    },
    (err) => {
      logFatal(processName, `${name}: ${err instanceof Error ? err.message : err}`);
      process.exit(1);
    },
  );
}
