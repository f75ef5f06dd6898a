/**
 * `npm run provision` (also the first half of `npm test`): builds or fetches the Temporal CLI, the time-skipping
 * test server and nats-server into the per-machine cache, once. Prints what it uses.
 */
import { loadConfig } from '../infra/config';
import { provisionAll } from '../infra/provision';

provisionAll(loadConfig())
  .then((p) => {
    console.log(`[provision] Temporal CLI: ${p.temporalCli ?? "(the SDK's download)"}`);
    console.log(`[provision] time-skipping test server: ${p.testServer ?? "(the SDK's download)"}`);
    console.log(`[provision] nats-server: ${p.natsServer}`);
  })
  .catch((err) => {
    console.error(`[provision] ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  });
