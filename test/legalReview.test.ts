/**
 * Legal review of major enforcement decisions (重大执法决定法制审核, 国办发〔2018〕118号; seed 003 二(四)) on the real
 * time-skipping server: the passed path into the 7 working-day publication under the same workflow and record, a
 * decision refused (not reviewed, not passed) and the refusal recorded, a supplement round, the review time limit
 * overdue and escalated, and the wrong role or body refused. Events go to the real NATS from globalSetup.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LegalReviewHandle } from '../client';
import { readDecisionEvents } from '../client/events';
import { sampleEnforcementActor, sampleLegalReviewCase, sampleLegalReviewer, sampleNotice, sampleReviewMaterials } from '../client/sample';
import { shanghaiDate } from '../domain/procedure';
import type { EventType } from '../domain/schemas';
import { loadCalendars } from '../infra/calendarData';
import { continuedAsNew, saveHistory, startHarness, timeSkippingEnv, uniqueId, type Harness } from './helpers';

let env: TestWorkflowEnvironment;
let h: Harness;
let nc: NatsConnection;
const cn = loadCalendars().national;

beforeAll(async () => {
  env = await timeSkippingEnv();
  h = await startHarness(env);
  nc = await connect({ servers: inject('timeSkippingNatsUrl') });
});

afterAll(async () => {
  await h?.stop();
  await nc?.close();
  await env?.teardown();
});

const now = () => env.currentTimeMs();
const req = () => uniqueId('req-review');
const office = sampleEnforcementActor;
const reviewer = sampleLegalReviewer;
const types = async (r: LegalReviewHandle) => (await r.status()).history.map((x) => x.type);

async function until(r: LegalReviewHandle, type: EventType, count = 1): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await types(r)).filter((t) => t === type).length >= count) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`no ${type} event`);
}

async function skipTo(iso: string): Promise<void> {
  const ms = Date.parse(iso) - (await now()) + 60_000;
  if (ms > 0) await env.sleep(ms);
}

const opinion = (round: number, result: 'passed' | 'notPassed' | 'supplement', reasons: string[] = []) => ({
  requestId: req(),
  actor: reviewer,
  round,
  result,
  reasons,
  reference: `示市监法审〔2026〕${round}号`,
});

/** Ends a case still in review the way an office would. */
async function withdraw(r: LegalReviewHandle): Promise<void> {
  await r.withdrawLegalReview({ requestId: req(), actor: office, reason: '测试结束' });
  const final = await r.handle.result();
  expect(final.state).toBe('withdrawn');
}

describe('enforcementLegalReview', () => {
  it('refuses a decision not reviewed or not passed, with the reason, records the refusal, and changes nothing else', async () => {
    const r = await h.client.startLegalReview(sampleLegalReviewCase(uniqueId('lr-fail')));
    await until(r, 'deadlineSet');
    const decide = () => r.decideEnforcement({ requestId: req(), actor: office, documentNumber: '示市监罚〔2026〕13号', decidedOn: shanghaiDate(Date.now()) });
    await expect(decide()).rejects.toThrow(/may not be made: round 1 has not been reviewed yet \(未经法制审核\)/);

    await r.completeLegalReview(opinion(1, 'notPassed', ['裁量基准适用错误：当事人主动召回不属于从轻情形']));
    await expect(decide()).rejects.toThrow(/did not pass the review \(审核未通过\): 裁量基准适用错误/);
    const s = await r.status();
    expect(s.state).toBe('notPassed');
    const refusals = s.history.filter((x) => x.type === 'enforcementDecisionRefused');
    expect(refusals).toHaveLength(2);
    // The last event may be the review's deadlineMet, recorded after the opinion by its activity.
    expect(refusals.at(-1)!.basis).toContain('不得作出决定');
    expect(s.rounds).toHaveLength(1);
    // The opinion is not given twice on the same round.
    await expect(r.completeLegalReview(opinion(1, 'passed'))).rejects.toThrow('already has its opinion (notPassed)');
    await withdraw(r);
  });

  it('records a supplement round: the office submits again, the time limit counts again, and round 2 passes', async () => {
    const r = await h.client.startLegalReview(sampleLegalReviewCase(uniqueId('lr-supp')));
    await until(r, 'deadlineSet');
    await expect(r.completeLegalReview({ ...opinion(1, 'supplement'), reasons: [] })).rejects.toThrow('reasons: state the reasons');
    await r.completeLegalReview(opinion(1, 'supplement', ['缺少听证笔录']));
    expect((await r.status()).state).toBe('supplementRequested');

    await env.sleep(2 * 86_400_000);
    await r.resubmitForLegalReview({
      requestId: req(),
      actor: office,
      materials: { ...sampleReviewMaterials(), evidence: [...sampleReviewMaterials().evidence, { name: '听证笔录', reference: '示市监听〔2026〕3号' }] },
      response: '补充听证笔录',
    });
    await until(r, 'deadlineSet', 2);
    await expect(r.completeLegalReview(opinion(1, 'passed'))).rejects.toThrow('Round 2 is under review, not round 1.');
    await r.completeLegalReview(opinion(2, 'passed'));
    const s = await r.status();
    expect(s.state).toBe('passed');
    expect(s.rounds.map((x) => x.result)).toEqual(['supplement', 'passed']);
    expect(s.rounds[1]!.deadline!.date).toBe(cn.addWorkingDays(s.rounds[1]!.submittedOn, 7).date);
    expect(s.rounds[1]!.submittedOn > s.rounds[0]!.submittedOn).toBe(true);
    const submissions = s.history.filter((x) => x.type === 'legalReviewSubmitted');
    expect(submissions.map((x) => x.details?.round)).toEqual([1, 2]);
    expect(submissions[1]!.details?.response).toBe('补充听证笔录');
    await withdraw(r);
  });

  it('reminds the legal body, then marks the review overdue and escalates it to the head of the authority', async () => {
    const r = await h.client.startLegalReview(sampleLegalReviewCase(uniqueId('lr-late')));
    await until(r, 'deadlineSet');
    const due = (await r.status()).rounds[0]!.deadline!;
    await skipTo(new Date(Date.parse(due.dueAt) + 86_400_000).toISOString());
    await until(r, 'deadlineEscalated');
    const seen = await types(r);
    expect(seen.filter((t) => t === 'deadlineReminder')).toHaveLength(2);
    expect(seen.indexOf('deadlineOverdue')).toBeLessThan(seen.indexOf('deadlineEscalated'));
    expect((await r.status()).history.find((x) => x.type === 'deadlineEscalated')!.summary).toContain('the head of 示范市市场监督管理局');

    await r.completeLegalReview(opinion(1, 'passed'));
    await until(r, 'deadlineMissed');
    expect((await r.status()).history.find((x) => x.type === 'deadlineMissed')!.deadline!.workingDaysEarly).toBeLessThan(0);
    await withdraw(r);
  });

  it('refuses the wrong role, a reviewer outside the legal body, and the submitter reviewing, recording nothing', async () => {
    const r = await h.client.startLegalReview(sampleLegalReviewCase(uniqueId('lr-role')));
    await until(r, 'deadlineSet');
    const before = (await r.status()).history.length;
    await expect(r.completeLegalReview({ ...opinion(1, 'passed'), actor: office })).rejects.toThrow('completeLegalReview is for enforcementLegalReviewer, not undertakingUnit');
    await expect(r.completeLegalReview({ ...opinion(1, 'passed'), actor: { ...reviewer, organisation: '示范市司法局' } })).rejects.toThrow(
      'completeLegalReview is for 示范市市场监督管理局法规科, not 示范市司法局.',
    );
    await expect(r.completeLegalReview({ ...opinion(1, 'passed'), actor: { ...reviewer, id: office.id } })).rejects.toThrow('submitted this case and may not review it');
    await expect(r.decideEnforcement({ requestId: req(), actor: reviewer, documentNumber: 'x', decidedOn: shanghaiDate(Date.now()) })).rejects.toThrow(
      'decideEnforcement is for undertakingUnit, not enforcementLegalReviewer',
    );
    await expect(h.client.startLegalReview(sampleLegalReviewCase(r.workflowId.replace(/^enforcement-/, '')))).rejects.toThrow('already used');
    expect((await r.status()).history).toHaveLength(before);
    await withdraw(r);
  });
  // Last on purpose: the Java time-skipping server may stop skipping time once a workflow has continued as new
  // (sdk-java #1539: a 3-day env.sleep after one took 0.2 s once and 174 s the next), and this case continues as new
  // into its publication.
  it('a passed proposal is decided and goes on, in the same workflow and record, to its 7 working-day publication', async () => {
    const r = await h.client.startLegalReview(sampleLegalReviewCase(uniqueId('lr-pass')));
    await until(r, 'deadlineSet');
    const submitted = await r.status();
    expect(submitted.state).toBe('awaitingReview');
    const due = submitted.rounds[0]!.deadline!;
    expect(due).toMatchObject({ rule: 'enforcementLegalReview', date: cn.addWorkingDays(submitted.rounds[0]!.submittedOn, 7).date });
    expect(due.basis).toContain('国办发〔2018〕118号');

    await r.completeLegalReview(opinion(1, 'passed'));
    await until(r, 'deadlineMet');
    const today = shanghaiDate(await now());
    const ack = await r.decideEnforcement({ requestId: req(), actor: office, documentNumber: '示市监罚〔2026〕12号', decidedOn: today });
    expect(ack.summary).toContain('round 1 passed');

    // The review continues as new into its publication; nothing is asked of it until the new run is there.
    await continuedAsNew(r.handle);
    const e = r.publication();
    let status;
    for (let i = 0; i < 200; i++) {
      status = await e.status().catch(() => undefined);
      if (status?.history.some((x) => x.type === 'deadlineSet' && x.deadline?.rule === 'licensingPenaltyPublication')) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(status!.state).toBe('awaitingPublication');
    expect(status!.deadline).toMatchObject({ rule: 'licensingPenaltyPublication', date: cn.addWorkingDays(today, 7).date });
    expect((await r.caseStatus()).stage).toBe('publication');
    await e.publishNotice(sampleNotice());
    await e.takeDownNotice({ requestId: req(), actor: office, reason: 'revoked', reference: '测试结束' });
    const final = await e.result();
    expect(final.state).toBe('takenDown');
    await saveHistory(r.handle, 'legal-review-passed');

    // One record: the review's events, then the decision's, numbered on without a gap, in NATS as in the workflow.
    const events = await readDecisionEvents(nc, 'shifan-amr', final.caseId);
    expect(events.map((x) => x.seq)).toEqual(events.map((_, i) => i + 1));
    const seen = events.map((x) => x.type);
    expect(seen.slice(0, 2)).toEqual(['legalReviewSubmitted', 'deadlineSet']);
    expect(seen.indexOf('legalReviewOpinion')).toBeLessThan(seen.indexOf('enforcementDecisionRecorded'));
    expect(events.find((x) => x.type === 'enforcementDecisionRecorded')!.seq).toBe(ack.seq);
    expect(events.every((x) => x.kind === 'enforcement' && x.workflowId === r.workflowId)).toBe(true);
  });
});
