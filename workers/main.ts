/**
 * The juece worker process: `npm run worker`. Configured by environment variables (see README).
 */
import { loadConfig } from '../infra/config';
import { createWorker } from './worker';

async function main() {
  const cfg = loadConfig();
  const { worker, close } = await createWorker({
    temporalAddress: cfg.temporalAddress,
    namespace: cfg.namespace,
    taskQueue: cfg.taskQueue,
    natsUrl: cfg.natsServers,
    streamReplicas: cfg.streamReplicas,
    calendarDir: cfg.calendarDir,
    poolDir: cfg.poolDir,
    noticeOutbox: cfg.noticeOutbox,
    ...(cfg.workflowBundle ? { workflowBundle: { codePath: cfg.workflowBundle } } : {}),
  });
  console.log(`juece worker polling task queue "${cfg.taskQueue}" on ${cfg.temporalAddress} (namespace ${cfg.namespace})`);
  await worker.run(); // returns after SIGINT/SIGTERM, once in-flight work is done
  await close();
}

main().catch((err) => {
  console.error(`juece worker: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
