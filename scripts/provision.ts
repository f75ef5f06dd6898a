/**
 * `npm run provision` (also the first half of `npm test`): builds or fetches the Temporal CLI, the time-skipping
 * test server, nats-server and (for the tests' procedure record) PostgreSQL, once per machine. Prints what it uses.
 */
import { loadConfig } from '../infra/config';
import { ensurePostgres, provisionAll } from '../infra/provision';

async function main() {
  const cfg = loadConfig();
  const p = await provisionAll(cfg);
  console.log(`[provision] Temporal CLI: ${p.temporalCli ?? "(the SDK's download)"}`);
  console.log(`[provision] time-skipping test server: ${p.testServer ?? "(the SDK's download)"}`);
  console.log(`[provision] nats-server: ${p.natsServer}`);
  console.log(`[provision] PostgreSQL: ${await ensurePostgres(cfg)}`);
}

main().catch((err) => {
  console.error(`[provision] ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
