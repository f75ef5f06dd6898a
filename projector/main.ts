/**
 * The projector process: `npm run projector`. Keeps the procedure record (PostgreSQL, or PGlite on embedded
 * defaults) up to date from the JetStream events; prints progress every 10 seconds while it has work.
 */
import { connect } from 'nats';
import { loadConfig, recordDbTarget } from '../infra/config';
import { runService } from '../infra/service';
import { openDb } from '../store/db';
import { startProjector } from './projector';

runService('juece projector', async () => {
  const cfg = loadConfig();
  const target = recordDbTarget(cfg);
  const db = await openDb(target);
  const nc = await connect({ servers: cfg.natsUrl, name: 'juece-projector', maxReconnectAttempts: -1 });
  const projector = await startProjector({ nc, db, durable: cfg.projectorName, log: (line) => console.log(line) });
  console.log(`juece projector: events from ${cfg.natsUrl} into ${'url' in target ? 'PostgreSQL' : `PGlite at ${target.dir}`}`);
  let reported = 0;
  const progress = setInterval(() => {
    const s = projector.stats;
    if (s.applied === reported) return;
    reported = s.applied;
    console.log(`juece projector: ${s.applied} events recorded, ${s.duplicates} duplicates skipped, ${s.failures} retried`);
  }, 10_000);
  return async () => {
    clearInterval(progress);
    await projector.stop();
    await nc.drain().catch(() => {});
    await db.close();
  };
});
