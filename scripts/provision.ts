/**
 * `npm run provision` (also the first half of `npm test`): builds the Temporal CLI and nats-server (the pinned
 * NATS_SERVER_VERSION) with `go install` from the Go module proxy, fetches the time-skipping test server from Maven
 * Central, installs (for the tests' procedure record) PostgreSQL and (for the API's fuzz test) schemathesis in a Python
 * venv, once per machine. Prints what it uses.
 */
import { loadConfig } from '../infra/config';
import { ensureApiFuzzer, ensurePostgres, natsServerVersion, provisionAll } from '../infra/provision';

async function main() {
  const cfg = loadConfig();
  const p = await provisionAll(cfg);
  console.log(`[provision] Temporal CLI: ${p.temporalCli ?? "(the SDK's download)"}`);
  console.log(`[provision] time-skipping test server: ${p.testServer ?? "(the SDK's download)"}`);
  console.log(`[provision] nats-server ${natsServerVersion(p.natsServer)}: ${p.natsServer}`);
  console.log(`[provision] PostgreSQL: ${await ensurePostgres(cfg)}`);
  console.log(`[provision] API fuzzer (schemathesis): ${(await ensureApiFuzzer(cfg)).schemathesis}`);
}

main().catch((err) => {
  console.error(`[provision] ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
