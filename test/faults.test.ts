/**
 * Faults injected into a running decision, on real servers: the worker process killed in the middle of a step, the
 * Temporal dev server stopped and restarted on its SQLite file with decisions open, PostgreSQL gone for a while
 * under the projector. (NATS stopped mid-decision: outage.test.ts; the projector killed mid-stream: record.test.ts.)
 * Each ends with every decision complete and every event in NATS and the record exactly once, in order.
 */
import { Client, Connection } from '@temporalio/client';
import { connect, type NatsConnection } from 'nats';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { JueceClient, type DecisionHandle } from '../client';
import { readDecisionEvents } from '../client/events';
import { retroactiveConsultation, sampleActors, sampleEnforcementActor, sampleEnforcementCase, sampleNotice, sampleProposal, sampleSteps } from '../client/sample';
import { shanghaiDate } from '../domain/procedure';
import type { ProcedureEvent } from '../domain/events';
import type { DecisionStatus } from '../domain/schemas';
import { freePort, startDevServer, startPostgres } from '../infra/servers';
import { startProjector } from '../projector/projector';
import { openDb } from '../store/db';
import { recordOf, verifyRecord } from '../store/record';
import { createWorker } from '../workers/worker';
import { eventCount, expectWholeHistory, startDevHarness, uniqueId, type DevHarness } from './helpers';

let nc: NatsConnection;
beforeAll(async () => {
  nc = await connect({ servers: inject('natsUrl') });
});
afterAll(async () => nc?.close());

const root = path.resolve(__dirname, '..');
const stop = (d: DecisionHandle) => d.stopExecution({ requestId: uniqueId('req'), actor: sampleActors.head, reason: '测试结束', procedureReference: '测试' });

/** Every event the decision recorded is in NATS once, in order; returns them. */
async function expectEventsOnce(final: DecisionStatus): Promise<ProcedureEvent[]> {
  let events = await readDecisionEvents(nc, final.authority.code, final.decisionId);
  for (let i = 0; i < 100 && events.length < eventCount(final); i++) {
    await new Promise((r) => setTimeout(r, 100));
    events = await readDecisionEvents(nc, final.authority.code, final.decisionId);
  }
  expectWholeHistory(events, final);
  return events;
}

function workerProcess(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    cwd: root,
    env: { ...process.env, ...env, JUECE_WORKFLOW_BUNDLE: inject('workflowBundlePath'), JUECE_NOTICE_OUTBOX: 'off' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (b: Buffer) => {
      out += b;
      if (out.includes('juece worker polling')) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (b: Buffer) => (out += b));
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready:\n${out}`)));
  });
}

describe('fault injection', () => {
  it('finishes a decision whose worker is killed in the middle of a step', async () => {
    const taskQueue = uniqueId('kill');
    const env = { TEMPORAL_ADDRESS: inject('temporalAddress'), NATS_URL: inject('natsUrl'), TEMPORAL_TASK_QUEUE: taskQueue };
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    const client = new JueceClient(new Client({ connection, namespace: 'default' }), taskQueue);
    let worker = await workerProcess(env);
    try {
      const d = await client.startDecision(sampleProposal(uniqueId('killed')));
      const steps = sampleSteps(d, retroactiveConsultation());
      for (const step of steps.slice(0, 5)) await step();
      // The legality review request is under way when the worker dies; a new worker finishes it.
      const inFlight = steps[5]!();
      await new Promise((r) => setTimeout(r, 50));
      worker.kill('SIGKILL');
      await new Promise((r) => worker.once('exit', r));
      worker = await workerProcess(env);
      expect((await inFlight).step).toBe('legalityReview');
      for (const step of steps.slice(6)) await step();
      await stop(d);
      const final = await d.result();
      expect(final.status).toBe('stopped');
      const events = await expectEventsOnce(final);
      expect(events.filter((e) => e.type === 'stepCompleted')).toHaveLength(7);
    } finally {
      worker.kill('SIGTERM');
      await connection.close();
    }
  });

  it('keeps open decisions, their deadlines and timers across a restart of the dev server on its SQLite file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'juece-restart-'));
    const [port, uiPort] = [await freePort(), await freePort()];
    const serverOptions = { cli: inject('temporalCliPath'), port, uiPort, namespace: 'default', dbFile: path.join(dir, 'temporal.db') };
    let server = await startDevServer(serverOptions);
    const taskQueue = uniqueId('restart');
    const jw = await createWorker({ temporalAddress: server.address, namespace: 'default', taskQueue, natsUrl: inject('natsUrl'), workflowBundle: { codePath: inject('workflowBundlePath') } });
    const running = jw.worker.run();
    const connection = await Connection.connect({ address: server.address });
    const client = new JueceClient(new Client({ connection, namespace: 'default' }), taskQueue);
    try {
      const d = await client.startDecision(sampleProposal(uniqueId('survivor')));
      const steps = sampleSteps(d, retroactiveConsultation());
      for (const step of steps.slice(0, 4)) await step();
      const e = await client.recordEnforcementDecision(sampleEnforcementCase(uniqueId('timers'), { kind: 'penalty', decidedOn: shanghaiDate(Date.now()) }));
      for (let i = 0; i < 100 && !(await e.status()).deadline; i++) await new Promise((r) => setTimeout(r, 100));
      const deadlineBefore = (await e.status()).deadline;
      const timersBefore = (await e.handle.fetchHistory()).events!.filter((ev) => ev.timerStartedEventAttributes).length;
      expect(timersBefore).toBeGreaterThan(0);

      await server.stop();
      await new Promise((r) => setTimeout(r, 1000));
      server = await startDevServer(serverOptions);

      // The procedure goes on where it was; the enforcement case still holds its deadline with its timers.
      for (const step of steps.slice(4)) await step();
      await stop(d);
      const final = await d.result();
      expect(final.status).toBe('stopped');
      await expectEventsOnce(final);
      expect((await e.status()).deadline).toEqual(deadlineBefore);
      const history = (await e.handle.fetchHistory()).events!;
      expect(history.filter((ev) => ev.timerStartedEventAttributes)).toHaveLength(timersBefore);
      await e.publishNotice(sampleNotice());
      for (let i = 0; i < 100 && !(await e.status()).history.some((h) => h.type === 'deadlineMet'); i++) await new Promise((r) => setTimeout(r, 100));
      await e.takeDownNotice({ requestId: uniqueId('req'), actor: sampleEnforcementActor, reason: 'revoked', reference: '测试结束' });
      const closed = await e.result();
      expect(closed.history.filter((h) => h.type === 'deadlineSet')).toHaveLength(1);
      expect(closed.history.some((h) => h.type === 'deadlineMet')).toBe(true);
    } finally {
      jw.worker.shutdown();
      await running;
      await jw.close();
      await connection.close();
      await server.stop();
    }
  });

  it('catches the record up after PostgreSQL was gone for a while', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'juece-pg-'));
    chmodSync(dir, 0o755);
    const pgOptions = { binDir: inject('postgresBinDir'), port: await freePort(), dataDir: path.join(dir, 'pg') };
    let pg = await startPostgres(pgOptions);
    const db = await openDb({ url: pg.address });
    const projector = await startProjector({ nc, db, durable: uniqueId('proj-pg') });
    const dev: DevHarness = await startDevHarness({ prefix: 'pgdown' });
    try {
      const proposal = sampleProposal(uniqueId('pgdown'));
      const d = await dev.client.startDecision(proposal);
      const steps = sampleSteps(d, retroactiveConsultation());
      for (const step of steps.slice(0, 3)) await step();
      await pg.stop();
      // The procedure does not need the record: it goes on, and the events wait in JetStream.
      for (const step of steps.slice(3)) await step();
      await stop(d);
      const final = await d.result();
      await new Promise((r) => setTimeout(r, 2000));
      pg = await startPostgres(pgOptions);
      for (let i = 0; i < 300 && (await recordOf(db, 'majorDecision', proposal.decisionId).catch(() => [])).length < eventCount(final); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const record = await recordOf(db, 'majorDecision', proposal.decisionId);
      expectWholeHistory(record.map((r) => r.event), final);
      expect((await verifyRecord(db, 'majorDecision', proposal.decisionId)).ok).toBe(true);
      expect(record.at(-1)!.event.standing?.status).toBe('stopped');
      expect(projector.stats.failures).toBeGreaterThan(0); // it did meet the outage, and retried
    } finally {
      await dev.stop();
      await projector.stop();
      await db.close();
      await pg.stop();
    }
  });
});
