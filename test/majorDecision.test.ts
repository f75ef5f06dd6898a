/**
 * The decision procedure on the real time-skipping test server (Java, from Maven Central), with the worker's
 * activities publishing to the real NATS started by globalSetup.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecisionRefused, InvalidInput, type DecisionHandle } from '../client';
import { commentPeriodClosed, driveSampleDecision, sampleInput, sampleProposal } from '../client/sample';
import { shanghaiDate } from '../domain/procedure';
import * as msg from '../workflows/messages';
import { loadCalendars } from '../infra/calendarData';
import { saveHistory, startHarness, timeSkippingEnv, uniqueId, type Harness } from './helpers';

let env: TestWorkflowEnvironment;
let h: Harness;

beforeAll(async () => {
  env = await timeSkippingEnv();
  h = await startHarness(env);
});

afterAll(async () => {
  await h?.stop();
  await env?.teardown();
});

const DAY = 86_400_000;
const cn = loadCalendars().national;

async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 50));
}
const today = async () => shanghaiDate(await env.currentTimeMs());


async function start(prefix: string): Promise<DecisionHandle> {
  return h.client.startDecision(sampleProposal(uniqueId(prefix)));
}

/** Opens the consultation today and lets the 30-day comment period run out in test time. */
async function throughCommentPeriod(d: DecisionHandle): Promise<void> {
  await d.openConsultation(sampleInput.openConsultation(await today()));
  await env.sleep('31 days');
  await commentPeriodClosed(d);
}

describe('majorDecision', () => {
  it('carries a decision through every step to publication, waiting out the 30-day comment period in test time', async () => {
    const d = await start('full');
    let wallMs = 0;
    const openedOn = await today();
    await driveSampleDecision(d, {
      openedOn,
      afterConsultationOpened: async () => {
        const t0 = performance.now();
        await env.sleep('31 days');
        wallMs = performance.now() - t0;
      },
    });
    const final = await d.result();
    await saveHistory(d.handle, 'full-decision');

    expect(final.status).toBe('published');
    expect(final.currentStep).toBeUndefined();
    const completed = final.history.filter((e) => e.type === 'stepCompleted').map((e) => e.step);
    expect(completed).toEqual(['publicParticipation', 'expertReview', 'riskAssessment', 'legalityReview', 'collectiveDecision', 'publication']);
    expect(final.history.at(-1)).toMatchObject({ type: 'archived', basis: 'art. 33' });
    expect(final.history.map((e) => e.seq)).toEqual(final.history.map((_, i) => i + 1));

    // The comment period really lasted 30 days in workflow time, and the wait took no real month.
    const opened = final.history.find((e) => e.type === 'consultationOpened')!;
    const closed = final.history.find((e) => e.type === 'commentPeriodClosed')!;
    expect(Date.parse(closed.at) - Date.parse(opened.at)).toBeGreaterThanOrEqual(30 * DAY);
    // The period ends at 24:00 Asia/Shanghai on its 30th day after the opening day (the opening day is not counted),
    // or on the next working day when that day is a day off.
    const closesAt = Date.parse(final.commentPeriodClosesAt!);
    expect(shanghaiDate(closesAt - 1)).toBe(cn.addDays(openedOn, 30).date);
    expect(final.history.find((e) => e.type === 'deadlineSet')?.deadline).toMatchObject({ rule: 'commentPeriod', date: cn.addDays(openedOn, 30).date });
    expect(Date.parse(closed.at)).toBeGreaterThanOrEqual(closesAt);
    expect(Date.parse(closed.at)).toBeLessThan(closesAt + 60_000);
    console.log(`31 days of workflow time skipped in ${wallMs.toFixed(0)} ms of wall time`);
    expect(wallMs).toBeLessThan(10_000);
  });

  it('refuses an Update with bad input with a readable reason, and the decision carries on', async () => {
    const d = await start('badinput');
    const bad = { ...sampleInput.openConsultation('2026-02-30'), periodDays: 10 };

    // Sent straight to the workflow (as any client could), the validator refuses it.
    const raw = d.handle.executeUpdate(msg.openConsultation, { args: [bad], updateId: bad.requestId });
    await expect(raw).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    const reason = await raw.catch((e: WorkflowUpdateFailedError) => e.cause?.message);
    expect(reason).toContain('openedOn: is not a real calendar date');
    expect(reason).toContain('periodDays: a comment period shorter than 30 days needs an urgency reason (art. 15)');

    // Through the client façade, the same input never leaves the process.
    await expect(d.openConsultation(bad)).rejects.toBeInstanceOf(InvalidInput);

    const status = await d.status();
    expect(status.status).toBe('inProgress');
    expect(status.currentStep).toBe('publicParticipation');
    expect(status.history.some((e) => e.type === 'consultationOpened')).toBe(false);

    // The decision carries on with good input.
    const ack = await d.openConsultation(sampleInput.openConsultation(await today()));
    expect(ack.summary).toContain('for 30 days');
    expect((await d.status()).history.filter((e) => e.type === 'consultationOpened')).toHaveLength(1);
  });

  it('accepts a shortened comment period only with a stated urgency reason', async () => {
    const d = await start('urgent');
    const urgent = { ...sampleInput.openConsultation(await today()), periodDays: 10, urgencyReason: '汛期临近，需尽快实施' };
    const ack = await d.openConsultation(urgent);
    expect(ack.summary).toContain('shortened for urgency: 汛期临近，需尽快实施');
    await eventually(async () => (await d.status()).history.some((e) => e.type === 'deadlineSet'));
    const status = await d.status();
    expect(shanghaiDate(Date.parse(status.commentPeriodClosesAt!) - 1)).toBe(cn.addDays(urgent.openedOn, 10).date);
  });

  it('refuses a step out of turn, and a report while the comment period is still open', async () => {
    const d = await start('order');
    await expect(d.completeLegalityReview(sampleInput.legalityReview())).rejects.toThrow(
      'legalityReview (合法性审查) is not open: the decision is at publicParticipation (公众参与).',
    );
    await d.openConsultation(sampleInput.openConsultation(await today()));
    await expect(d.completePublicParticipation(sampleInput.publicParticipationReport())).rejects.toThrow(/the comment period is open until/);
    const status = await d.status();
    expect(status.history.some((e) => e.step === 'legalityReview')).toBe(false);
    expect(status.history.some((e) => e.type === 'stepCompleted')).toBe(false);
  });

  it('answers a repeated request once and records it once', async () => {
    const d = await start('dup');
    const input = sampleInput.openConsultation(await today());
    const first = await d.openConsultation(input);
    const second = await d.openConsultation(input);
    expect(second).toEqual(first);
    expect((await d.status()).history.filter((e) => e.type === 'consultationOpened')).toHaveLength(1);
  });

  it('keeps the decision from the meeting while the risk is uncontrollable or the draft not found lawful', async () => {
    const d = await start('gates');
    await throughCommentPeriod(d);
    await d.completePublicParticipation(sampleInput.publicParticipationReport());
    await d.completeExpertReview(sampleInput.expertReview());

    const returned = await d.completeRiskAssessment(sampleInput.riskAssessment('uncontrollable'));
    expect(returned.summary).toContain('risk uncontrollable');
    expect((await d.status()).currentStep).toBe('riskAssessment');
    await expect(d.completeLegalityReview(sampleInput.legalityReview())).rejects.toBeInstanceOf(DecisionRefused);
    await d.completeRiskAssessment(sampleInput.riskAssessment('controllable'));

    await d.completeLegalityReview(sampleInput.legalityReview('unlawful'));
    await expect(d.recordCollectiveDecision(sampleInput.collectiveDecision())).rejects.toThrow(/collectiveDecision .* is not open/);
    await d.completeLegalityReview(sampleInput.legalityReview('lawfulIfAmended'));
    expect((await d.status()).currentStep).toBe('legalityReview');
    await d.completeLegalityReview(sampleInput.legalityReview('lawful'));
    expect((await d.status()).currentStep).toBe('collectiveDecision');

    await d.recordCollectiveDecision(sampleInput.collectiveDecision('reject'));
    const final = await d.result();
    await saveHistory(d.handle, 'gates-rejected');
    expect(final.status).toBe('rejected');
    expect(final.history.filter((e) => e.type === 'stepReturned').map((e) => e.basis)).toEqual(['art. 24', 'art. 25', 'art. 25']);
    expect(final.history.some((e) => e.step === 'publication')).toBe(false);
  });
});
