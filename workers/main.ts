/**
 * The juece worker process: `npm run worker`. Configured by environment variables (see README). Logs JSON lines, the
 * Temporal SDK's own included; with JUECE_WORKER_METRICS_PORT, serves /metrics (the SDK's temporal_* metrics and
 * the process's own), /livez and /readyz (Temporal, NATS, the worker polling).
 */
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { loadConfig } from '../infra/config';
import { logFatal, processLog, temporalLevel, temporalLogger } from '../infra/log';
import { processRegistry } from '../infra/metrics';
import { natsCheck, startOpsServer, temporalCheck, type OpsServer } from '../infra/ops';
import { freePort } from '../infra/servers';
import { createWorker } from './worker';

async function main() {
  const cfg = loadConfig();
  const log = processLog('worker', cfg);
  const opsPort = cfg.metricsPorts.worker;
  // The SDK's Prometheus exporter listens on a loopback port of its own; /metrics appends what it serves.
  const sdkMetrics = opsPort ? `127.0.0.1:${await freePort()}` : undefined;
  Runtime.install({
    logger: temporalLogger(log),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: temporalLevel(cfg.logLevel === 'trace' || cfg.logLevel === 'debug' ? cfg.logLevel : 'warn'), other: 'ERROR' }), forward: {} },
      ...(sdkMetrics ? { metrics: { prometheus: { bindAddress: sdkMetrics } } } : {}),
    },
  });
  const { worker, nats, connection, close } = await createWorker({
    temporalAddress: cfg.temporalAddress,
    namespace: cfg.namespace,
    taskQueue: cfg.taskQueue,
    natsUrl: cfg.natsServers,
    streamReplicas: cfg.streamReplicas,
    calendarDir: cfg.calendarDir,
    poolDir: cfg.poolDir,
    maxCachedWorkflows: cfg.maxCachedWorkflows,
    noticeOutbox: cfg.noticeOutbox,
    ...(cfg.workflowBundle ? { workflowBundle: { codePath: cfg.workflowBundle } } : {}),
  });
  let ops: OpsServer | undefined;
  if (opsPort) {
    ops = await startOpsServer({
      host: cfg.metricsHost,
      port: opsPort,
      setting: 'JUECE_WORKER_METRICS_PORT',
      registry: processRegistry(),
      extraMetrics: async () => (await fetch(`http://${sdkMetrics}/metrics`)).text(),
      checks: [
        temporalCheck(connection),
        natsCheck(nats),
        {
          name: 'worker',
          probe: async () => {
            const state = worker.getState();
            if (state !== 'RUNNING') throw new Error(`the worker is ${state}`);
          },
        },
      ],
    });
  }
  log.info(`juece worker polling task queue "${cfg.taskQueue}" on ${cfg.temporalAddress} (namespace ${cfg.namespace})`, {
    taskQueue: cfg.taskQueue,
    namespace: cfg.namespace,
    ...(ops ? { ops: ops.url } : {}),
  });
  try {
    await worker.run(); // returns after SIGINT/SIGTERM, once in-flight work is done
  } finally {
    await ops?.stop();
    await close();
  }
}

main().catch((err) => {
  logFatal('worker', `juece worker: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
