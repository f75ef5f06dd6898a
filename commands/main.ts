/**
 * The command process: `juece commands`. Answers juece.commands.* over NATS (start a decision, submit a step's
 * result, submit public comments) and keeps the comment store; configured by the same variables as the rest. With
 * JUECE_COMMANDS_METRICS_PORT, serves /metrics, /livez and /readyz (Temporal, NATS, PostgreSQL).
 */
import { JueceClient } from '../client';
import { loadConfig, recordDbTarget } from '../infra/config';
import { processLog } from '../infra/log';
import { commandMetrics, commentMetrics, processRegistry } from '../infra/metrics';
import { natsCheck, postgresCheck, startOpsServer, temporalCheck, type OpsServer } from '../infra/ops';
import { runService } from '../infra/service';
import { openDb } from '../store/db';
import { CommentIntake } from './commentIntake';
import { startCommandResponder } from './nats';
import { connectNats } from '../infra/nats';

runService('juece commands', async () => {
  const cfg = loadConfig();
  const log = processLog('commands', cfg);
  const db = await openDb(recordDbTarget(cfg));
  const client = await JueceClient.connect({ address: cfg.temporalAddress, namespace: cfg.namespace, taskQueue: cfg.taskQueue });
  const nc = await connectNats(cfg.natsServers, 'juece-commands');
  const registry = processRegistry();
  const intake = new CommentIntake({ db, metrics: commentMetrics(registry) });
  const responder = startCommandResponder({ nc, client, intake, db, log: (line, fields, level = 'info') => log[level](line, fields), answered: commandMetrics(registry) });
  let ops: OpsServer | undefined;
  if (cfg.metricsPorts.commands) {
    ops = await startOpsServer({
      host: cfg.metricsHost,
      port: cfg.metricsPorts.commands,
      setting: 'JUECE_COMMANDS_METRICS_PORT',
      registry,
      checks: [temporalCheck(client.client.connection), natsCheck(nc), postgresCheck(db)],
    });
  }
  log.info(`juece commands: answering juece.commands.* on ${cfg.natsUrl}`, ops ? { ops: ops.url } : {});
  return async () => {
    await ops?.stop();
    await responder.stop();
    await nc.drain().catch(() => {});
    await client.close();
    await db.close();
  };
});
