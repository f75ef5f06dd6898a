/**
 * Starts the real servers once per test run: the Temporal dev server (Temporal CLI), nats-server with
 * JetStream and PostgreSQL, each on a free loopback port with its data in a temporary folder; provisions the time-skipping
 * test server; bundles the workflow code once for every test file.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../infra/config';
import { ensureApiFuzzer, ensureChromium, ensurePostgres, provisionAll, type ApiFuzzer } from '../infra/provision';
import { freePort, startDevServer, startNats, startPostgres, type RunningServer } from '../infra/servers';
import { workflowBundleOptions } from '../workers/worker';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    natsUrl: string;
    /**
     * The NATS the time-skipping tests' activities publish to: the same release without per-write sync. The Java test
     * server moves virtual time past activities still running; a publish waiting on a busy disk's fsync is then timed
     * out under the worker, and the server can refuse the workflow's tasks for good (the sdk-java #3088 family),
     * holding time skipping for every later test. Durability is tested on servers of its own (streamFaults, natsServer).
     */
    timeSkippingNatsUrl: string;
    testServerPath: string | undefined;
    workflowBundlePath: string;
    natsServerPath: string;
    temporalCliPath: string | undefined;
    /** A PostgreSQL server for the tests; each test file creates its own database on it (see createTestDatabase). */
    postgresUrl: string;
    postgresBinDir: string;
    /** Debian's chromium (provisioned, with the CJK fonts) for the workspace's browser tests. */
    chromiumPath: string;
    /** schemathesis and openapi-spec-validator, in their venv (test/openapi.test.ts). */
    apiFuzzer: ApiFuzzer;
  }
}

export default async function setup(project: TestProject) {
  const cfg = loadConfig();
  const { temporalCli, testServer, natsServer } = await provisionAll(cfg);
  const postgresBin = await ensurePostgres(cfg);
  const chromium = await ensureChromium(cfg);
  const apiFuzzer = await ensureApiFuzzer(cfg);
  const dir = mkdtempSync(path.join(tmpdir(), 'juece-test-'));
  chmodSync(dir, 0o755); // PostgreSQL runs as its own user and keeps its cluster in here
  const servers: RunningServer[] = [];
  const stopAll = async () => {
    for (const s of servers.reverse()) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [temporalPort, uiPort, natsPort, pgPort, fastNatsPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    const [temporal, nats, fastNats, postgres, bundle] = await Promise.all([
      startDevServer({ cli: temporalCli, port: temporalPort, uiPort, namespace: 'default', dbFile: path.join(dir, 'temporal.db') }),
      startNats({ binary: natsServer, port: natsPort, storeDir: path.join(dir, 'nats') }),
      startNats({ binary: natsServer, port: fastNatsPort, storeDir: path.join(dir, 'nats-time-skipping'), sync: 'default' }),
      startPostgres({ binDir: postgresBin, port: pgPort, dataDir: path.join(dir, 'postgres') }),
      bundleWorkflowCode({ ...workflowBundleOptions(), logger: quietLogger }),
    ]);
    servers.push(temporal, nats, fastNats, postgres);
    const workflowBundlePath = path.join(dir, 'workflow-bundle.js');
    writeFileSync(workflowBundlePath, bundle.code);
    project.provide('temporalAddress', temporal.address);
    project.provide('natsUrl', nats.address);
    project.provide('timeSkippingNatsUrl', fastNats.address);
    project.provide('testServerPath', testServer);
    project.provide('workflowBundlePath', workflowBundlePath);
    project.provide('natsServerPath', natsServer);
    project.provide('temporalCliPath', temporalCli);
    project.provide('postgresUrl', postgres.address);
    project.provide('postgresBinDir', postgresBin);
    project.provide('chromiumPath', chromium);
    project.provide('apiFuzzer', apiFuzzer);
  } catch (err) {
    await stopAll();
    throw err;
  }
  return stopAll;
}

const quietLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn(message: string) {
    console.warn(message);
  },
  error(message: string) {
    console.error(message);
  },
};
