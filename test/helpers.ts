/**
 * Shared test plumbing: the time-skipping environment on the provisioned Java test server, a worker on the
 * workflow bundle built once in globalSetup, and unique ids so tests never see each other's decisions.
 */
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import pg from 'pg';
import { startProjector, type Projector } from '../projector/projector';
import { openDb, type Db } from '../store/db';
import { expect, inject } from 'vitest';
import { EVENT_SCHEMA_V1, type ProcedureEvent } from '../domain/events';
import type { DecisionStatus } from '../domain/schemas';
import { signToken } from '../api/auth';
import { startApi, type RunningApi } from '../api/server';
import { JueceClient, type DecisionHandle } from '../client';
import type { Actor } from '../domain/schemas';
import { loadConfig } from '../infra/config';
import { freePort } from '../infra/servers';
import { retroactiveConsultation, driveSampleDecision, sampleActors, sampleProposal } from '../client/sample';
import { registerSearchAttributes } from '../infra/searchAttributes';
import { createWorker, type JueceWorker } from '../workers/worker';

export const uniqueId = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** Procedure events a decision recorded in all, across its runs (its status carries only the latest). */
export const eventCount = (s: Pick<DecisionStatus, 'events' | 'history'>) => s.events ?? s.history.length;

/** `events` (from NATS or the record) are every event the decision recorded, once and in order, ending with the status's latest. */
export function expectWholeHistory(events: Pick<ProcedureEvent, 'seq' | 'type'>[], s: Pick<DecisionStatus, 'events' | 'history'>): void {
  expect(events.map((e) => e.seq)).toEqual(Array.from({ length: eventCount(s) }, (_, i) => i + 1));
  const latest = events.slice(events.length - s.history.length);
  expect(latest.map((e) => [e.seq, e.type])).toEqual(s.history.map((h) => [h.seq, h.type]));
}

/** The Java time-skipping test server from Maven Central (or the SDK's download where it could not be provisioned). */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = inject('testServerPath');
  const env = await TestWorkflowEnvironment.createTimeSkipping(path ? { server: { executable: { type: 'existing-path', path } } } : {});
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

export interface Harness {
  client: JueceClient;
  worker: JueceWorker;
  taskQueue: string;
  stop(): Promise<void>;
}

/** A running juece worker (real NATS for its activities: `timeSkippingNatsUrl`, see globalSetup) and a client on the given environment. */
export async function startHarness(
  env: TestWorkflowEnvironment,
  o: { taskQueue?: string; calendarDir?: string; stickyCache?: boolean; noticeOutbox?: string } = {},
): Promise<Harness> {
  const taskQueue = o.taskQueue ?? uniqueId('tq');
  const worker = await createWorker({
    temporalAddress: '',
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    natsUrl: inject('timeSkippingNatsUrl'),
    workflowBundle: { codePath: inject('workflowBundlePath') },
    calendarDir: o.calendarDir,
    noticeOutbox: o.noticeOutbox,
    maxCachedWorkflows: o.stickyCache === false ? 0 : undefined,
  });
  const running = worker.worker.run();
  // A plain client, not the environment's time-skipping one: that one lets the server skip time while it waits for a
  // result, and the Java test server does not hold time for running activities, so it jumps to their ten-year
  // expiry. Tests move time only with env.sleep.
  const client = new JueceClient(new Client({ connection: env.connection, namespace: env.namespace ?? 'default' }), taskQueue);
  return {
    client,
    worker,
    taskQueue,
    async stop() {
      worker.worker.shutdown();
      await running;
      await worker.close();
    },
  };
}

/**
 * With JUECE_SAVE_HISTORIES=<tag>, keeps the workflow's history as test/histories/<name>.<tag>.json for the replay
 * test. Use a new tag when workflow code changes shape, and keep the old files: they are what running workflows look like.
 */
/**
 * Waits until the workflow has continued as new (its latest run is not its first), asking only `describe`. On the Java
 * time-skipping server (1.32.1, and 1.38.0 alike) nothing else may reach a run while its closing task is out:
 * - an Update makes that task fail and be retried (UNHANDLED_COMMAND, then a retry whose Update response follows the
 *   continue-as-new and is refused as an invalid command sequence), which holds time skipping for up to minutes;
 * - a Query leaves the run closed without its closing events: its history ends at that task's start, so the
 *   workflow's result never comes (a client follows the runs from the first), every later query waits a minute and
 *   more, and the server stops skipping time. Three clients querying in a loop broke 3 continue-as-new of 3 (89 to
 *   480 s each); without queries 10 of 10 took under 150 ms.
 * So tests on that server that cross a boundary wait here, and only then ask the new run. (The real server takes
 * both: lifetime.test.ts sends Updates across runs on the dev server.)
 */
export async function continuedAsNew(handle: WorkflowHandle, timeoutMs = 20_000): Promise<void> {
  const first = (handle as { firstExecutionRunId?: string }).firstExecutionRunId ?? (await handle.describe()).runId;
  for (const until = Date.now() + timeoutMs; Date.now() < until; ) {
    if ((await handle.describe()).runId !== first) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${handle.workflowId} did not continue as new within ${timeoutMs / 1000} s`);
}

export async function saveHistory(handle: WorkflowHandle, name: string): Promise<void> {
  const tag = process.env.JUECE_SAVE_HISTORIES;
  if (!tag) return;
  // Every run of a workflow that continued as new: `<name>.<tag>.json`, then `<name>-run2.<tag>.json`, ...
  const first = (handle as { firstExecutionRunId?: string }).firstExecutionRunId ?? (await handle.describe()).runId;
  let n = 1;
  for (let runId: string | undefined = first; runId; n++) {
    const history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>> = await handle.client.getHandle(handle.workflowId, runId).fetchHistory();
    writeFileSync(path.join(__dirname, 'histories', `${name}${n > 1 ? `-run${n}` : ''}.${tag}.json`), historyToJSON(history));
    runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
}

/**
 * A pool folder holding the sample city's expert pool (pools/shifan-gov.json) for each of these authorities: tests
 * that give each run authorities of their own ask the same experts.
 */
export function samplePools(...authorities: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'juece-pools-'));
  const pool = JSON.parse(readFileSync(path.join(__dirname, '..', 'pools', 'shifan-gov.json'), 'utf8'));
  for (const authority of authorities) writeFileSync(path.join(dir, `${authority}.json`), JSON.stringify({ ...pool, authority }));
  return dir;
}

/** A fresh, empty database on the tests' PostgreSQL server, named after `prefix`; returns its URL. */
export async function createTestDatabase(prefix: string): Promise<string> {
  const server = inject('postgresUrl');
  const name = uniqueId(prefix).replace(/-/g, '_');
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return server.replace(/\/[^/]*$/, `/${name}`);
}

export interface DevHarness {
  client: JueceClient;
  connection: Connection;
  /** A connection to the NATS the worker publishes to. */
  nc: NatsConnection;
  stop(): Promise<void>;
}

/** A juece worker on its own task queue, a client and a NATS connection, on the real servers from globalSetup. */
export async function startDevHarness(o: { prefix: string; natsUrl?: string | string[]; calendarDir?: string; poolDir?: string }): Promise<DevHarness> {
  const taskQueue = uniqueId(o.prefix);
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  const client = new JueceClient(new Client({ connection, namespace: 'default' }), taskQueue);
  const jw = await createWorker({
    temporalAddress: inject('temporalAddress'),
    namespace: 'default',
    taskQueue,
    natsUrl: o.natsUrl ?? inject('natsUrl'),
    workflowBundle: { codePath: inject('workflowBundlePath') },
    calendarDir: o.calendarDir,
    poolDir: o.poolDir,
  });
  const running = jw.worker.run();
  const nc = await connect({ servers: o.natsUrl ?? inject('natsUrl') });
  return {
    client,
    connection,
    nc,
    async stop() {
      jw.worker.shutdown();
      await running;
      await jw.close();
      await connection.close();
      await nc.close();
    },
  };
}

export interface RecordHarness extends DevHarness {
  /** A fresh database on the tests' PostgreSQL, kept by `projector` from the events. */
  db: Db;
  projector: Projector;
}

/**
 * The dev harness with a procedure record of its own: a new database and a projector with its own consumer, which
 * reads the shared stream from the harness's start (from its beginning it would first project every earlier test's
 * events: tens of thousands late in the suite, which made late tests wait past their limits).
 */
export async function startRecordHarness(prefix: string, o: { poolDir?: string } = {}): Promise<RecordHarness> {
  const startAt = new Date();
  const dev = await startDevHarness({ prefix, ...o });
  const db = await openDb({ url: await createTestDatabase(prefix) });
  const projector = await startProjector({ nc: dev.nc, db, durable: uniqueId(`proj-${prefix}`), startAt });
  return {
    ...dev,
    db,
    projector,
    async stop() {
      await projector.stop();
      await db.close();
      await dev.stop();
    },
  };
}

/** Polls `probe` until it gives a value (every 200 ms); throws, naming `what`, after `timeoutMs`. */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A full sample decision, from start to the stop of its execution: its handle, id, authority and events in all. */
export async function fullDecision(client: JueceClient, prefix: string): Promise<{ d: DecisionHandle; decisionId: string; authority: string; events: number }> {
  const proposal = sampleProposal(uniqueId(prefix));
  const d = await client.startDecision(proposal);
  await driveSampleDecision(d, { consultation: retroactiveConsultation() });
  await d.stopExecution({ requestId: uniqueId('req'), actor: sampleActors.head, reason: '测试结束', procedureReference: '测试' });
  const final = await d.result();
  return { d, decisionId: proposal.decisionId, authority: proposal.authority.code, events: eventCount(final) };
}

/** The HTTP API's secret in the tests (the API refuses one shorter than 32 characters). */
export const TEST_JWT_SECRET = 'test-secret-of-at-least-thirty-two-characters';

export interface ApiHarness extends RecordHarness {
  api: RunningApi;
  /** A bearer token for each sample actor, and `otherOffice` (an office that undertakes none of the samples). */
  tokens: Record<string, string>;
  /** A request to the API as `who` (a key of `tokens`; none: unauthenticated); the body as JSON, or a string as is. */
  call(method: string, path: string, who?: string, body?: unknown): Promise<{ status: number; json: any; text: string }>;
  /** `juece <args>` as `who`, over this API (and the tests' NATS); its exit code and output. */
  cli(who: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** The record harness with the HTTP API on a free port, and a token for each sample actor. */
export async function startApiHarness(prefix: string): Promise<ApiHarness> {
  const dev = await startRecordHarness(prefix);
  const cfg = loadConfig({ ...process.env, JUECE_JWT_SECRET: TEST_JWT_SECRET, JUECE_API_PORT: String(await freePort()), JUECE_DEV_SIGNIN: 'true' });
  const api = await startApi(cfg, { client: dev.client, db: dev.db, nats: dev.nc });
  const tokens: Record<string, string> = {};
  for (const [name, actor] of Object.entries(sampleActors)) tokens[name] = await signToken(TEST_JWT_SECRET, { actor, authority: 'shifan-gov' });
  const otherOffice: Actor = { id: 'u-edu-01', name: '周老师', role: 'undertakingUnit', organisation: '示范市教育局' };
  tokens.otherOffice = await signToken(TEST_JWT_SECRET, { actor: otherOffice, authority: 'shifan-gov' });
  return {
    ...dev,
    api,
    tokens,
    async call(method, path, who, body) {
      const res = await fetch(`${api.url}${path}`, {
        method,
        headers: { ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, json, text };
    },
    async cli(who, ...args) {
      try {
        const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/juece.js', ...args], {
          cwd: path.resolve(__dirname, '..'),
          env: { ...process.env, JUECE_API_URL: api.url, JUECE_TOKEN: tokens[who], NATS_URL: inject('natsUrl') },
        });
        return { code: 0, stdout, stderr };
      } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    },
    async stop() {
      await api.stop();
      await dev.stop();
    },
  };
}

/** A procedure event as a workflow would publish it, for tests that feed the stream directly (no workflow behind it). */
export function syntheticEvent(decisionId: string, seq: number, authority: string): ProcedureEvent {
  return {
    schema: EVENT_SCHEMA_V1,
    kind: 'majorDecision',
    decisionId,
    authority,
    seq,
    type: seq === 1 ? 'decisionStarted' : 'stepOpened',
    at: new Date().toISOString(),
    step: seq === 1 ? undefined : 'publicParticipation',
    summary: `${decisionId} #${seq}`,
    details: seq === 1 ? { title: decisionId } : undefined,
    workflowId: `decision-${decisionId}`,
    runId: 'r1',
  };
}
