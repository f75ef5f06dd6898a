/**
 * A juece worker as a process of its own, for the fault tests to kill: the configuration from the environment
 * (as `juece worker`), the workflow code from the bundle globalSetup built (JUECE_TEST_WORKFLOW_BUNDLE).
 */
import { loadConfig } from '../infra/config';
import { createWorker } from '../workers/worker';

async function main() {
  const cfg = loadConfig();
  const jw = await createWorker({
    temporalAddress: cfg.temporalAddress,
    namespace: cfg.namespace,
    taskQueue: cfg.taskQueue,
    natsUrl: cfg.natsUrl,
    workflowBundle: { codePath: process.env.JUECE_TEST_WORKFLOW_BUNDLE! },
  });
  console.log('worker ready');
  await jw.worker.run();
  await jw.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
