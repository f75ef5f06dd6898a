/**
 * The local stack on embedded defaults: the Temporal dev server (SQLite file in the data folder, Web UI) and
 * nats-server with JetStream (store in the data folder), provisioned first if needed. Servers already listening
 * on the configured addresses are reused, so a second `npm start` joins the first one's servers.
 */
import { Connection } from '@temporalio/client';
import path from 'node:path';
import { hostOf, portOf, type JueceConfig } from './config';
import { ensureNatsServer, ensureTemporalCli, natsServerVersion } from './provision';
import { registerSearchAttributes } from './searchAttributes';
import { startDevServer, startNats, type RunningServer } from './servers';

export interface LocalStack {
  temporal: RunningServer;
  nats: RunningServer;
  uiUrl: string;
  stop(): Promise<void>;
}

export async function startLocalStack(cfg: JueceConfig, say: (line: string) => void): Promise<LocalStack> {
  const cli = await ensureTemporalCli(cfg); // undefined: the SDK downloads the dev server instead
  const natsBinary = await ensureNatsServer(cfg);
  const temporal = await startDevServer({
    cli,
    host: hostOf(cfg.temporalAddress),
    port: portOf(cfg.temporalAddress),
    uiPort: cfg.uiPort,
    namespace: cfg.namespace,
    dbFile: path.join(cfg.dataDir, 'temporal.db'),
    reuseExisting: true,
  });
  say(`Temporal dev server ${temporal.reused ? 'already running' : 'started'} at ${temporal.address} (data: ${cfg.dataDir})`);
  // A data folder from an earlier version of juece may lack newer search attributes: add whatever is missing.
  const connection = await Connection.connect({ address: temporal.address });
  try {
    await registerSearchAttributes(connection, cfg.namespace);
  } finally {
    await connection.close();
  }
  let nats: RunningServer;
  try {
    nats = await startNats({
      binary: natsBinary,
      // The embedded default is one node; with a cluster's list, the first server is the one started or reused.
      host: hostOf(cfg.natsServers[0]!),
      port: portOf(cfg.natsServers[0]!),
      storeDir: path.join(cfg.dataDir, 'nats'),
      reuseExisting: true,
    });
  } catch (err) {
    await temporal.stop();
    throw err;
  }
  say(
    nats.reused
      ? `NATS with JetStream already running at ${nats.address}`
      : `NATS with JetStream started at ${nats.address} (nats-server ${natsServerVersion(natsBinary)}, every write synced before it is acknowledged)`,
  );
  const uiUrl = `http://${hostOf(cfg.temporalAddress)}:${cfg.uiPort}`;
  return {
    temporal,
    nats,
    uiUrl,
    async stop() {
      await nats.stop();
      await temporal.stop();
    },
  };
}

/** Resolves on Ctrl-C or SIGTERM. */
export function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}
