/**
 * The API process: `juece api`. Needs the Temporal server, NATS and the procedure record (which the projector
 * keeps); configured by environment variables (README).
 */
import { JueceClient } from '../client';
import { loadConfig, recordDbTarget } from '../infra/config';
import { runService } from '../infra/service';
import { openDb } from '../store/db';
import { startApi } from './server';
import { connectNats } from '../infra/nats';
import { processLog } from '../infra/log';

runService('juece api', async () => {
  const cfg = loadConfig();
  const log = processLog('api', cfg);
  const db = await openDb(recordDbTarget(cfg));
  const client = await JueceClient.connect({ address: cfg.temporalAddress, namespace: cfg.namespace, taskQueue: cfg.taskQueue });
  const nats = await connectNats(cfg.natsServers, 'juece-api');
  const api = await startApi(cfg, { client, db, nats, log });
  log.info(`juece api on ${api.url} (OpenAPI at ${api.url}/openapi.json; /livez, /readyz, /metrics)`, { url: api.url });
  if (api.devTokens) log.warn('Tokens: development secret in the data folder; `juece token` prints one for each role.');
  return async () => {
    await api.stop();
    await nats.drain().catch(() => {});
    await client.close();
    await db.close();
  };
});
