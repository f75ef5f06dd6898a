/**
 * End to end on the real Temporal dev server (Temporal CLI, SQLite) and the real nats-server with JetStream,
 * both started by globalSetup: a decision's events arrive in NATS once each and in order, and decisions can be
 * found by authority and status through the custom search attributes.
 */
import type { NatsConnection } from 'nats';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WorkflowNotFoundError } from '@temporalio/client';
import { DecisionRefused, InvalidInput, JueceClient } from '../client';
import { readDecisionEvents } from '../client/events';
import { retroactiveConsultation, driveSampleDecision, sampleActors, sampleEnforcementCase, sampleInput, sampleProposal } from '../client/sample';
import { JueceOpenSteps, JueceStep } from '../domain/searchAttributes';
import { loadCalendars } from '../infra/calendarData';
import { createWorker } from '../workers/worker';
import { eventCount, expectWholeHistory, startDevHarness, uniqueId, type DevHarness } from './helpers';

const run = promisify(execFile);
let client: JueceClient;
let dev: DevHarness;
let nc: NatsConnection;

beforeAll(async () => {
  dev = await startDevHarness({ prefix: 'it' });
  ({ client, nc } = dev);
});

afterAll(async () => {
  await dev?.stop();
});

/** Polls until `fn` returns a value, for what the servers make visible eventually. */
async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('on the dev server with NATS JetStream', () => {
  it('publishes every event of a full decision to JetStream exactly once, in order', async () => {
    const proposal = sampleProposal(uniqueId('e2e'));
    const d = await client.startDecision(proposal);
    await driveSampleDecision(d, { consultation: retroactiveConsultation() });
    await d.stopExecution({ requestId: uniqueId('req'), actor: sampleActors.head, reason: '测试结束', procedureReference: '测试' });
    const final = await d.result();
    expect(final.status).toBe('stopped');

    const events = await eventually(async () => {
      const got = await readDecisionEvents(nc, proposal.authority.code, proposal.decisionId);
      return got.length >= eventCount(final) ? got : undefined;
    });
    expectWholeHistory(events, final);
    expect(events.some((e) => e.type === 'stepCompleted' && e.step === 'publication')).toBe(true);
    expect(events.every((e) => e.decisionId === proposal.decisionId && e.workflowId === d.workflowId)).toBe(true);
    expect(events.find((e) => e.type === 'stepCompleted' && e.step === 'legalityReview')?.actor?.role).toBe('legalityReviewer');
  });

  it('finds a decision by its authority and status through the search attributes, by its step through its events', async () => {
    const proposal = sampleProposal(uniqueId('sa'));
    const d = await client.startDecision(proposal);
    await d.openConsultation(sampleInput.openConsultation(retroactiveConsultation()));
    await eventually(async () => ((await d.status()).history.some((e) => e.type === 'commentPeriodClosed') ? true : undefined));
    await d.assignExperts(sampleInput.assignExperts());
    await d.submitExpertOpinion(sampleInput.expertOpinion());
    await d.completeExpertReview(sampleInput.completeExpertReview());
    await d.completeRiskAssessment(sampleInput.riskAssessment());
    await d.completePublicParticipation(sampleInput.publicParticipationReport());

    const query = `JueceStatus = "inProgress" AND JueceAuthority = "${proposal.authority.code}" AND WorkflowId = "${d.workflowId}"`;
    const found = await eventually(async () => {
      for await (const wf of client.client.workflow.list({ query })) return wf;
      return undefined;
    });
    expect(found.workflowId).toBe(d.workflowId);
    expect(found.status.name).toBe('RUNNING');
    // Where it stands is not kept in Temporal's visibility (release 9): the events carry it to the procedure record.
    expect(found.typedSearchAttributes.get(JueceStep)).toBeUndefined();
    expect(found.typedSearchAttributes.get(JueceOpenSteps)).toBeUndefined();
    const events = await eventually(async () => {
      const got = await readDecisionEvents(nc, proposal.authority.code, proposal.decisionId);
      return got.some((e) => e.type === 'stepOpened' && e.step === 'legalityReview') ? got : undefined;
    });
    expect(events.at(-1)?.standing).toMatchObject({ status: 'inProgress', openSteps: ['legalityReview'], currentStep: 'legalityReview' });
    await d.handle.terminate('test done');
  });

  it('tells a case with a provisional deadline about a new year\'s schedule through `juece calendar announce`', async () => {
    const calendarDir = mkdtempSync(path.join(tmpdir(), 'juece-it-cal-'));
    cpSync(path.resolve(__dirname, '../calendars'), calendarDir, { recursive: true });
    mkdirSync(path.join(calendarDir, 'national'), { recursive: true }); // it may be absent
    const taskQueue = uniqueId('it-cal');
    const calWorker = await createWorker({
      temporalAddress: inject('temporalAddress'),
      namespace: 'default',
      taskQueue,
      natsUrl: inject('natsUrl'),
      workflowBundle: { codePath: inject('workflowBundlePath') },
      calendarDir,
    });
    const calRunning = calWorker.worker.run();
    try {
      const calClient = new JueceClient(client.client, taskQueue);
      const year = loadCalendars(calendarDir).lastPublishedYear;
      const e = await calClient.recordEnforcementDecision(sampleEnforcementCase(uniqueId('ann'), { decidedOn: `${year}-12-28` }));
      await eventually(async () => {
        for await (const wf of client.client.workflow.list({ query: `JueceDeadlineProvisional = true AND WorkflowId = "${e.workflowId}"` })) return wf;
        return undefined;
      });
      writeFileSync(
        path.join(calendarDir, 'national', `${year + 1}.json`),
        JSON.stringify({ jurisdiction: 'CN', year: year + 1, reference: 'test', holidays: { [`${year + 1}-01-01`]: '元旦', [`${year + 1}-01-04`]: '元旦' } }),
      );
      const { stdout } = await run(process.execPath, [path.resolve(__dirname, '../bin/juece.js'), 'calendar', 'announce'], {
        env: { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), JUECE_CALENDAR_DIR: calendarDir },
      });
      expect(stdout).toContain(`told ${e.workflowId}`);
      const recomputed = await eventually(async () => (await e.status()).history.find((h) => h.type === 'deadlineRecomputed'));
      expect(recomputed.deadline).toMatchObject({ provisional: false, date: loadCalendars(calendarDir).national.addWorkingDays(`${year}-12-28`, 7).date });
      await e.handle.terminate('test done');
    } finally {
      calWorker.worker.shutdown();
      await calRunning;
      await calWorker.close();
      rmSync(calendarDir, { recursive: true, force: true });
    }
  });

  it('starts a decision with its consultation opened in the same call (update-with-start), and never starts its id twice', async () => {
    const proposal = sampleProposal(uniqueId('with'));
    const opening = sampleInput.openConsultation(retroactiveConsultation());
    const { decision, ack } = await client.startDecisionWith(proposal, 'openConsultation', opening);
    expect(ack.step).toBe('publicParticipation');
    expect(decision.lastStanding?.status).toBe('inProgress'); // the answer says where it stands, as any action's
    const status = await decision.status();
    expect(status.history.map((e) => e.type)).toContain('consultationOpened');
    expect(status.history.filter((e) => e.type === 'consultationOpened')).toHaveLength(1);
    // The start and the first Update in one workflow task: the Update accepted by the run's first task.
    const events = (await decision.handle.fetchHistory()).events ?? [];
    const accepted = events.findIndex((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    expect(events.slice(0, accepted).filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(1);
    expect(events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toHaveLength(1);
    await expect(client.startDecisionWith(proposal, 'openConsultation', { ...opening, requestId: uniqueId('req') })).rejects.toThrow(
      `The id ${proposal.decisionId} is already used by a major decision; a decision or case id is never reused.`,
    );

    // A first action the workflow refuses: refused with its reason, the decision started all the same.
    const other = sampleProposal(uniqueId('with-refused'));
    await expect(client.startDecisionWith(other, 'recordCollectiveDecision', sampleInput.collectiveDecision())).rejects.toThrow(DecisionRefused);
    expect((await client.decision(other.decisionId).status()).status).toBe('inProgress');
    await decision.handle.terminate('test done');
    await client.decision(other.decisionId).handle.terminate('test done');
  });

  it('refuses bad input to startDecisionWith before anything starts', async () => {
    const proposal = sampleProposal(uniqueId('with-bad'));
    await expect(client.startDecisionWith(proposal, 'openConsultation', { ...sampleInput.openConsultation(retroactiveConsultation()), periodDays: -3 })).rejects.toThrow(
      /^Invalid openConsultation: periodDays/,
    );
    await expect(client.startDecisionWith(proposal, 'noSuchAction' as never, {} as never)).rejects.toThrow(InvalidInput);
    await expect(client.decision(proposal.decisionId).handle.describe()).rejects.toThrow(WorkflowNotFoundError);
  });

  it('refuses to start the same decision twice', async () => {
    const proposal = sampleProposal(uniqueId('twice'));
    const d = await client.startDecision(proposal);
    await expect(client.startDecision(proposal)).rejects.toThrow(`The id ${proposal.decisionId} is already used by a major decision; a decision or case id is never reused.`);
    await d.handle.terminate('test done');
  });
});
