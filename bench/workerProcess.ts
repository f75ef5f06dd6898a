/** The benchmark's worker, a process of its own so its CPU and memory can be read: juece's activities, the bench bundle. */
import { loadConfig } from '../infra/config';
import { createWorker } from '../workers/worker';

async function main() {
  const cfg = loadConfig();
  const jw = await createWorker({
    temporalAddress: cfg.temporalAddress,
    namespace: cfg.namespace,
    taskQueue: cfg.taskQueue,
    natsUrl: cfg.natsUrl,
    workflowBundle: { codePath: process.env.BENCH_WORKFLOW_BUNDLE! },
  });
  console.log('worker ready');
  await jw.worker.run();
  await jw.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
