/**
 * The command process: `juece commands`. Answers juece.commands.* over NATS (start a decision, submit a step's
 * result, submit public comments) and keeps the comment store; configured by the same variables as the rest.
 */
import { JueceClient } from '../client';
import { loadConfig, recordDbTarget } from '../infra/config';
import { runService } from '../infra/service';
import { openDb } from '../store/db';
import { CommentIntake } from './commentIntake';
import { startCommandResponder } from './nats';
import { connectNats } from '../infra/nats';

runService('juece commands', async () => {
  const cfg = loadConfig();
  const db = await openDb(recordDbTarget(cfg));
  const client = await JueceClient.connect({ address: cfg.temporalAddress, namespace: cfg.namespace, taskQueue: cfg.taskQueue });
  const nc = await connectNats(cfg.natsServers, 'juece-commands');
  const log = (line: string) => console.log(line);
  const intake = new CommentIntake({ db });
  const responder = startCommandResponder({ nc, client, intake, db, log });
  console.log(`juece commands: answering juece.commands.* on ${cfg.natsUrl}`);
  return async () => {
    await responder.stop();
    await nc.drain().catch(() => {});
    await client.close();
    await db.close();
  };
});
