/**
 * A decision's whole life, its procedure record kept by the real projector on PostgreSQL. On the time-skipping
 * server: a popular consultation (5,000 comment batches into the comment store, none of them in the workflow's
 * history), its 30 days passed, every step to execution, where the workflow continues as new. On the dev server
 * (a real Temporal server, which hands Updates that arrive while a run continues as new to the next run): years of
 * execution, 200 reports, suspensions and resumptions, and the stop. No run's history may grow without bound, and
 * the record holds every event once, in order, its sequence numbers running on across the runs.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { DecisionHandle } from '../client';
import type { JueceClient } from '../client';
import { commentPeriodClosed, retroactiveConsultation, sampleActors as a, sampleEnforcementActor, sampleEnforcementCase, sampleInput, sampleProposal } from '../client/sample';
import type { RecordKind } from '../domain/events';
import { shanghaiDate } from '../domain/procedure';
import { startProjector, type Projector } from '../projector/projector';
import { commentCounts, ingestComments } from '../store/comments';
import { openDb, type Db } from '../store/db';
import { getDecision, listDecisions, recordOf, verifyRecord } from '../store/record';
import { ACTIONS_PER_RUN } from '../workflows/majorDecision';
import { continuedAsNew, createTestDatabase, startHarness, startRecordHarness, timeSkippingEnv, uniqueId, type Harness, type RecordHarness } from './helpers';

let env: TestWorkflowEnvironment;
let h: Harness;
let nc: NatsConnection;
let db: Db;
let projector: Projector;
let dev: RecordHarness;

beforeAll(async () => {
  env = await timeSkippingEnv();
  h = await startHarness(env);
  nc = await connect({ servers: inject('timeSkippingNatsUrl') });
  db = await openDb({ url: await createTestDatabase('lifetime') });
  projector = await startProjector({ nc, db, durable: uniqueId('proj-lifetime') });
  dev = await startRecordHarness('lifetime-dev');
});

afterAll(async () => {
  await projector?.stop();
  await db?.close();
  await nc?.close();
  await h?.stop();
  await env?.teardown();
  await dev?.stop();
});

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every run of the workflow, first to last, with its history's length. */
async function runsOf(client: JueceClient, d: DecisionHandle, firstRunId: string): Promise<{ runId: string; events: number }[]> {
  const runs: { runId: string; events: number }[] = [];
  for (let runId: string | undefined = firstRunId; runId; ) {
    const history: Awaited<ReturnType<DecisionHandle['handle']['fetchHistory']>> = await client.client.workflow.getHandle(d.workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    runs.push({ runId, events: events.length });
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

/** The record holds every event once, in order, 1..N across the runs, its chain verified. */
async function expectWholeRecord(recordDb: Db, id: string, events: number, runs: { runId: string }[]) {
  const entries = await recordOf(recordDb, 'majorDecision', id);
  expect(entries.length).toBe(events);
  expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
  expect(new Set(entries.map((e) => e.event.runId))).toEqual(new Set(runs.map((r) => r.runId)));
  expect(await verifyRecord(recordDb, 'majorDecision', id)).toMatchObject({ ok: true, entries: events });
  return entries;
}

/** Legality review, the meeting, the party committee, publication: the steps after public participation. */
async function toExecution(d: DecisionHandle, today: string) {
  await until(async () => (await d.status()).openSteps.includes('legalityReview'), 'the legality review');
  await d.requestLegalityReview(sampleInput.requestLegalityReview(1));
  await d.assignLegalityReviewer(sampleInput.assignLegalityReviewer());
  await d.completeLegalityReview(sampleInput.legalityReview('lawful', 1));
  await d.recordCollectiveDecision({ ...sampleInput.collectiveDecision('adopt', 1), heldOn: today });
  await d.recordPartyCommitteeReport(sampleInput.partyCommitteeReport());
  await d.recordPublication({ ...sampleInput.publication(), publishedOn: today });
  // Entering execution, the decision continues as new; nothing is asked of it until the new run is there.
  await continuedAsNew(d.handle);
  expect((await d.status()).status).toBe('inExecution');
}

describe('a decision over its whole life', () => {
  it('takes a consultation of 5,000 comment batches without a trace in its history, then every step into execution', { timeout: 300_000 }, async () => {
    const today = async () => shanghaiDate(await env.currentTimeMs());
    const id = uniqueId('consult');
    const d = await h.client.startDecision(sampleProposal(id));
    const firstRunId = (await d.handle.describe()).runId;
    await d.openConsultation(sampleInput.openConsultation(await today()));
    // The comment store opens the intake once the record has the comment period from the calendar.
    await until(async () => (await db.query('SELECT 1 FROM consultations WHERE decision_id = $1 AND closes_at IS NOT NULL', [id])).length > 0, 'the consultation in the store');
    await until(async () => (await d.status()).history.some((e) => e.type === 'noticePublished'), 'the consultation notice');
    const historyLength = async () => (await d.handle.fetchHistory()).events!.length;
    let historyBefore = await historyLength();
    for (let still = 0; still < 3; ) {
      // The workflow has settled once its history stays the same for a while.
      await new Promise((r) => setTimeout(r, 300));
      const now = await historyLength();
      still = now === historyBefore ? still + 1 : 0;
      historyBefore = now;
    }

    // A popular consultation: the counts stay in the comment store and cost the workflow nothing.
    for (let i = 0; i < 5000; i++) {
      await ingestComments(db, id, [
        { submitter: `citizen-${i}`, text: `意见 ${i % 40}：票价调整应照顾低收入群体`, channel: 'web' },
        { submitter: `citizen-${i}`, text: `意见 ${i % 40}：票价调整应照顾低收入群体`, channel: 'web' }, // the same twice: counted once
      ]);
    }
    expect(await historyLength()).toBe(historyBefore);
    expect(await commentCounts(db, id)).toMatchObject({ received: 5000, groups: 40 });

    await d.assignExperts(sampleInput.assignExperts());
    await d.submitExpertOpinion(sampleInput.expertOpinion());
    await d.completeExpertReview(sampleInput.completeExpertReview());
    await d.completeRiskAssessment(sampleInput.riskAssessment());
    await env.sleep('40 days');
    await commentPeriodClosed(d);
    await d.completePublicParticipation({ ...sampleInput.publicParticipationReport(), commentsReceived: 5000 });
    await toExecution(d, await today());
    await d.reportExecution({ requestId: uniqueId('req'), actor: a.undertakingUnit, period: '第1期', summary: '执行平稳。' });
    await d.stopExecution({ requestId: uniqueId('req'), actor: a.head, reason: '新方案取代', procedureReference: '示政发〔2030〕1号' });
    const final = await d.result();
    const runs = await runsOf(h.client, d, firstRunId);
    expect(runs.length).toBe(2);
    for (const run of runs) expect(run.events).toBeLessThan(1000);
    await projector.idle(60_000);
    await expectWholeRecord(db, id, final.events!, runs);
  });

  it('lives through 200 execution reports, suspensions and resumptions and the stop, in bounded runs, its record whole', { timeout: 600_000 }, async () => {
    const id = uniqueId('life');
    const d = await dev.client.startDecision(sampleProposal(id));
    const firstRunId = (await d.handle.describe()).runId;
    // On a real server the comment period cannot be skipped: this consultation was held 45 days ago.
    await d.openConsultation(sampleInput.openConsultation(retroactiveConsultation()));
    await d.assignExperts(sampleInput.assignExperts());
    await d.submitExpertOpinion(sampleInput.expertOpinion());
    await d.completeExpertReview(sampleInput.completeExpertReview());
    await d.completeRiskAssessment(sampleInput.riskAssessment());
    await commentPeriodClosed(d);
    await d.completePublicParticipation(sampleInput.publicParticipationReport());
    const today = shanghaiDate(Date.now());
    await toExecution(d, today);

    // Years of execution: 200 reports, 200 suspensions and resumptions, then the stop.
    const report = (i: number) => ({ requestId: uniqueId('req'), actor: a.undertakingUnit, period: `第${i}期`, summary: '执行平稳。' });
    for (let i = 1; i < 200; i++) await d.reportExecution(report(i));
    const lastReport = report(200);
    const lastAck = await d.reportExecution(lastReport);
    for (let i = 1; i <= 200; i++) {
      await d.suspendExecution({ requestId: uniqueId('req'), actor: a.head, reason: `第${i}次突发情况` });
      await d.resumeExecution({ requestId: uniqueId('req'), actor: a.head, reason: '情况消除' });
    }
    // A request repeated in a later run (a client retrying) gets its first answer, and nothing is recorded twice.
    expect(await d.reportExecution(lastReport)).toEqual(lastAck);
    await d.stopExecution({ requestId: uniqueId('req'), actor: a.head, reason: '新方案取代', procedureReference: '示政发〔2030〕1号' });
    const final = await d.result();
    expect(final.status).toBe('stopped');
    expect(final.history.length).toBeLessThanOrEqual(50); // the status is bounded; the whole record is in the store

    // Bounded runs: into execution, then every ACTIONS_PER_RUN actions (or when the server suggests it).
    const runs = await runsOf(dev.client, d, firstRunId);
    expect(runs.length, JSON.stringify(runs)).toBeGreaterThanOrEqual(3);
    const actionsIn = (run: { runId: string }, entries: { event: { runId: string; actor?: unknown } }[]) => entries.filter((e) => e.event.runId === run.runId && e.event.actor).length;
    for (const run of runs) expect(run.events).toBeLessThan(10_000);
    expect(ACTIONS_PER_RUN).toBeLessThan(2000);

    await dev.projector.idle(60_000);
    const entries = await expectWholeRecord(dev.db, id, final.events!, runs);
    console.log(`lifetime runs: ${runs.map((r) => `${r.events} events, ${actionsIn(r, entries)} actions`).join('; ')}`);
    const count = (type: string) => entries.filter((e) => e.event.type === type).length;
    expect([count('executionReported'), count('executionSuspended'), count('executionResumed'), count('executionStopped')]).toEqual([200, 200, 200, 1]);
    expect(await getDecision(dev.db, 'majorDecision', id)).toMatchObject({ status: 'stopped', openSteps: [], events: final.events });
  });

  it('lists each decision and case with the status its workflow gave it: withdrawn, rejected, deferred, suspended, stopped, published', async () => {
    // Nothing before the legality review applies to these: each reaches the meeting at once.
    const quick = async (prefix: string) => {
      const d = await dev.client.startDecision(sampleProposal(uniqueId(prefix), { flags: { disclosable: false, technical: false, riskTriggers: [] } }));
      await until(async () => (await d.status()).openSteps.includes('legalityReview'), 'the legality review');
      await d.requestLegalityReview(sampleInput.requestLegalityReview(1));
      await d.assignLegalityReviewer(sampleInput.assignLegalityReviewer());
      await d.completeLegalityReview(sampleInput.legalityReview('lawful', 1));
      return d;
    };
    const today = shanghaiDate(Date.now());
    const meeting = (d: DecisionHandle, head: 'adopt' | 'reject' | 'defer') => d.recordCollectiveDecision({ ...sampleInput.collectiveDecision(head, 1), heldOn: today });
    const inExecution = async (prefix: string) => {
      const d = await quick(prefix);
      await meeting(d, 'adopt');
      await d.recordPartyCommitteeReport(sampleInput.partyCommitteeReport());
      await d.recordPublication({ ...sampleInput.publication(), publishedOn: today });
      await until(async () => (await d.status()).status === 'inExecution', 'execution');
      return d;
    };
    const withdrawn = await dev.client.startDecision(sampleProposal(uniqueId('wd')));
    await until(async () => (await withdrawn.status()).openSteps.length === 3, 'the first steps');
    await withdrawn.withdraw({ requestId: uniqueId('req'), actor: a.head, reason: '上级政策调整' });
    const rejected = await quick('rej');
    await meeting(rejected, 'reject');
    const deferred = await quick('def');
    await meeting(deferred, 'defer');
    const suspended = await inExecution('sus');
    await suspended.suspendExecution({ requestId: uniqueId('req'), actor: a.head, reason: '突发情况' });
    const stopped = await inExecution('stop');
    await stopped.stopExecution({ requestId: uniqueId('req'), actor: a.head, reason: '新方案取代', procedureReference: '示政发〔2030〕2号' });
    const caseId = uniqueId('case');
    const published = await dev.client.recordEnforcementDecision(sampleEnforcementCase(caseId));
    await published.publishNotice({ requestId: uniqueId('req'), actor: sampleEnforcementActor, body: '当事人：某公司（已去标识化）。' });
    const revokedId = uniqueId('revoked');
    const revoked = await dev.client.recordEnforcementDecision(sampleEnforcementCase(revokedId));
    await until(async () => (await revoked.status()).deadline !== undefined, 'the publication deadline');
    await revoked.takeDownNotice({ requestId: uniqueId('req'), actor: sampleEnforcementActor, reason: 'revoked', reference: '撤销决定书' });

    const expected: [string, string, string][] = [
      ['majorDecision', withdrawn.workflowId.replace(/^decision-/, ''), 'withdrawn'],
      ['majorDecision', rejected.workflowId.replace(/^decision-/, ''), 'rejected'],
      ['majorDecision', deferred.workflowId.replace(/^decision-/, ''), 'deferred'],
      ['majorDecision', suspended.workflowId.replace(/^decision-/, ''), 'suspended'],
      ['majorDecision', stopped.workflowId.replace(/^decision-/, ''), 'stopped'],
      ['enforcement', caseId, 'published'],
    ];
    for (const [kind, id, status] of expected) {
      await until(async () => (await listDecisions(dev.db, { status, kind: kind as RecordKind })).some((x) => x.decisionId === id), `${id} listed as ${status}`);
      expect(await getDecision(dev.db, kind as RecordKind, id)).toMatchObject({ status });
    }
    expect((await listDecisions(dev.db, { status: 'inExecution' })).map((x) => x.decisionId)).not.toContain(expected[0]![1]);
    // Revoked before publication: withdrawn, and its deadline no longer stands (nor counts as overdue).
    await until(async () => (await getDecision(dev.db, 'enforcement', revokedId))?.status === 'withdrawn', 'the revoked case recorded');
    expect(await getDecision(dev.db, 'enforcement', revokedId)).toMatchObject({ status: 'withdrawn', nextDeadline: null, overdue: false });
    for (const d of [deferred, suspended]) await d.handle.terminate('test done');
    await published.handle.terminate('test done');
  });
});
