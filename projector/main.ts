/**
 * The projector process: `npm run projector`. Keeps the procedure record (PostgreSQL, or PGlite on embedded
 * defaults) up to date from the JetStream events, and repairs it from the workflows (Temporal) when the stream has
 * lost an event; logs progress every 10 seconds while it has work, and every gap, repair and loss as it happens.
 * With JUECE_PROJECTOR_PARTITIONS=N, it keeps the decisions of partition JUECE_PROJECTOR_PARTITION: run N of them,
 * one per partition, on one PostgreSQL. With JUECE_PROJECTOR_METRICS_PORT, serves /metrics, /livez and /readyz (NATS, PostgreSQL).
 */
import { Client, Connection } from '@temporalio/client';
import { loadConfig, recordDbTarget } from '../infra/config';
import { processLog } from '../infra/log';
import { processRegistry } from '../infra/metrics';
import { natsCheck, postgresCheck, startOpsServer, type OpsServer } from '../infra/ops';
import { runService } from '../infra/service';
import { openDb } from '../store/db';
import { partitionDurable } from './partition';
import { registerProjectorMetrics } from './metrics';
import { startProjector } from './projector';
import { temporalEventSource } from './source';
import { connectNats } from '../infra/nats';

runService('juece projector', async () => {
  const cfg = loadConfig();
  const log = processLog('projector', cfg);
  const target = recordDbTarget(cfg);
  const part = cfg.projectorPartition;
  if (part.count > 1 && !('url' in target)) {
    throw new Error(`JUECE_PROJECTOR_PARTITIONS=${part.count} needs a PostgreSQL record (JUECE_DATABASE_URL): the embedded PGlite folder opens in one process only`);
  }
  const db = await openDb(target);
  // Connected on first use: the record keeps up from the stream while Temporal is away; repairs wait for it.
  const connection = Connection.lazy({ address: cfg.temporalAddress });
  const nc = await connectNats(cfg.natsServers, 'juece-projector');
  const projector = await startProjector({
    nc,
    db,
    durable: cfg.projectorName,
    partition: part,
    source: temporalEventSource(new Client({ connection, namespace: cfg.namespace }), { taskQueue: cfg.taskQueue }),
    replicas: cfg.streamReplicas,
    log: (line, fields, level = 'info') => log[level](line, fields),
  });
  let ops: OpsServer | undefined;
  if (cfg.metricsPorts.projector) {
    const registry = processRegistry();
    registerProjectorMetrics(registry, { projector, nc, db, durable: partitionDurable(cfg.projectorName, part) });
    // Temporal is not asked: the record keeps up without it (only repairs wait for it).
    ops = await startOpsServer({ host: cfg.metricsHost, port: cfg.metricsPorts.projector, setting: 'JUECE_PROJECTOR_METRICS_PORT', registry, checks: [natsCheck(nc), postgresCheck(db)] });
  }
  const of = part.count > 1 ? ` (partition ${part.index} of ${part.count}: consumer ${partitionDurable(cfg.projectorName, part)})` : '';
  log.info(`juece projector${of}: events from ${cfg.natsUrl} into ${'url' in target ? 'PostgreSQL' : `PGlite at ${target.dir}`}, checked against Temporal at ${cfg.temporalAddress}`, {
    consumer: partitionDurable(cfg.projectorName, part),
    ...(ops ? { ops: ops.url } : {}),
  });
  let reported = '';
  const progress = setInterval(() => {
    const s = projector.stats;
    const line = `juece projector: ${s.applied} events recorded, ${s.duplicates} duplicates skipped, ${s.failures} retried; ${s.held} held behind a gap, ${s.gapsOpen} gap(s) open, ${s.repaired} repaired from the workflows, ${s.unrepairable} unrepairable, ${s.streamLosses} stream loss(es)${part.count > 1 ? `; ${s.otherPartitions} of other partitions passed on` : ''}`;
    if (line === reported) return;
    reported = line;
    log.info(line, { recorded: s.applied, duplicates: s.duplicates, retried: s.failures, held: s.held, gapsOpen: s.gapsOpen, repaired: s.repaired, unrepairable: s.unrepairable, streamLosses: s.streamLosses });
  }, 10_000);
  return async () => {
    clearInterval(progress);
    await ops?.stop();
    await projector.stop();
    // Bounded: a server that hangs does not keep the process (what was in flight is redelivered to the next one).
    await Promise.race([Promise.all([nc.close(), db.close(), connection.close()]), new Promise((r) => setTimeout(r, 1000))]);
  };
});
