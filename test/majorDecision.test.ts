/**
 * The statutory procedure on the real time-skipping test server (Java, from Maven Central), with the worker's
 * activities publishing to the real NATS started by globalSetup: for each gate, the forbidden path refused and
 * the allowed one passing, and a full decision read back as a supervisor would.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { connect } from 'nats';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readSubject } from '../client/events';
import { outboxPath } from '../activities/notices';
import { NOTICES_STREAM } from '../domain/notices';
import { CommentPeriodOpen, DecisionRefused, InvalidInput, type DecisionHandle } from '../client';
import { commentPeriodClosed, sampleActors as a, sampleEnforcementActor, sampleEnforcementCase, sampleInput, sampleProposal } from '../client/sample';
import { shanghaiDate } from '../domain/procedure';
import type { EventType } from '../domain/schemas';
import { NATIONAL_RULES } from '../domain/rules';
import { loadCalendars } from '../infra/calendarData';
import * as msg from '../workflows/messages';
import { continuedAsNew, saveHistory, startHarness, timeSkippingEnv, uniqueId, type Harness } from './helpers';

let env: TestWorkflowEnvironment;
let h: Harness;

beforeAll(async () => {
  env = await timeSkippingEnv();
  h = await startHarness(env, { noticeOutbox: outbox });
});

afterAll(async () => {
  await h?.stop();
  await env?.teardown();
});

const DAY = 86_400_000;
const outbox = mkdtempSync(path.join(tmpdir(), 'juece-outbox-'));
const cn = loadCalendars().national;
const today = async () => shanghaiDate(await env.currentTimeMs());
const daysFrom = (date: string, n: number) => shanghaiDate(Date.parse(`${date}T12:00:00+08:00`) + n * DAY);
const types = async (d: DecisionHandle): Promise<EventType[]> => (await d.status()).history.map((e) => e.type);
const start = (prefix: string, overrides = {}) => h.client.startDecision(sampleProposal(uniqueId(prefix), overrides));

/** Waits until `check` holds; fails the test if it still does not after 10 s. */
async function eventually(check: () => Promise<boolean>, what = 'the condition'): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after 10 s waiting for ${what}`);
}

/** Public participation, expert review and risk assessment done, the comment period waited out in test time. */
async function throughPreliminarySteps(d: DecisionHandle): Promise<void> {
  await d.openConsultation(sampleInput.openConsultation(await today()));
  await d.assignExperts(sampleInput.assignExperts());
  await d.submitExpertOpinion(sampleInput.expertOpinion());
  await d.completeExpertReview(sampleInput.completeExpertReview());
  await d.completeRiskAssessment(sampleInput.riskAssessment());
  await env.sleep('40 days');
  await commentPeriodClosed(d);
  await d.completePublicParticipation(sampleInput.publicParticipationReport());
}

describe('majorDecision: the statutory procedure', () => {
  it('carries a full decision (hearing, two draft versions, amended legality review) to execution, with a record a supervisor can read', async () => {
    const d = await start('full');
    const opened = await today();
    await d.openConsultation(sampleInput.openConsultation(opened));
    // The three preliminary steps are open side by side.
    expect((await d.status()).openSteps).toEqual(['publicParticipation', 'expertReview', 'riskAssessment']);
    const hearingDate = daysFrom(opened, 20);
    await d.scheduleHearing({
      requestId: uniqueId('req'),
      actor: a.undertakingUnit,
      announcedOn: opened,
      hearingDate,
      place: '示范市政府第一会议室',
      participantSelection: '公开报名，按利益相关方类别随机抽取',
      participants: ['市民代表甲', '公交企业代表', '人大代表'],
      materialsDeliveredOn: daysFrom(opened, 10),
    });
    await d.assignExperts(sampleInput.assignExperts(a.expert));
    await d.submitExpertOpinion(sampleInput.expertOpinion(1, a.expert));
    await d.assignExperts(sampleInput.assignExperts(a.secondExpert));
    await d.submitExpertOpinion(sampleInput.expertOpinion(1, a.secondExpert));
    await d.completeExpertReview(sampleInput.completeExpertReview());
    await d.completeRiskAssessment(sampleInput.riskAssessment());
    // Too early: the report on the comments is refused as CommentPeriodOpen, the one refusal a client waits out.
    const early = d.completePublicParticipation(sampleInput.publicParticipationReport());
    await expect(early).rejects.toBeInstanceOf(CommentPeriodOpen);
    await expect(early).rejects.toThrow(/^The comment period is open until /);
    const t0 = performance.now();
    await env.sleep('40 days');
    const wallMs = performance.now() - t0;
    await commentPeriodClosed(d);
    await expect(d.completePublicParticipation(sampleInput.publicParticipationReport())).rejects.toThrow(`The hearing of ${hearingDate} has not been recorded as held.`);
    await d.recordHearing({ requestId: uniqueId('req'), actor: a.undertakingUnit, heldOn: hearingDate, recordSignedByParticipants: true, summary: '听证会意见分歧集中在老年人优惠。' });
    await d.completePublicParticipation(sampleInput.publicParticipationReport());

    // Legality review: lawful only if amended; the same draft may not go back; the amended one is found lawful.
    await eventually(async () => (await d.status()).openSteps.includes('legalityReview'));
    await d.requestLegalityReview(sampleInput.requestLegalityReview(1));
    await d.assignLegalityReviewer(sampleInput.assignLegalityReviewer());
    await d.completeLegalityReview(sampleInput.legalityReview('lawfulIfAmended', 1));
    await expect(d.requestLegalityReview(sampleInput.requestLegalityReview(1))).rejects.toThrow('Draft version 1 must be amended before it goes back to review (art. 25).');
    await d.submitDraftVersion(sampleInput.draftVersion(2, '按合法性审查意见修改第五条'));
    await expect(d.requestLegalityReview(sampleInput.requestLegalityReview(1))).rejects.toThrow('Draft version 1 is not the current draft: the current draft is version 2.');
    await d.requestLegalityReview(sampleInput.requestLegalityReview(2));
    await d.completeLegalityReview(sampleInput.legalityReview('lawful', 2));

    await d.recordCollectiveDecision(sampleInput.collectiveDecision('adopt', 2));
    await d.recordPartyCommitteeReport(sampleInput.partyCommitteeReport());
    const publishedOn = await today();
    await d.recordPublication({ ...sampleInput.publication(), publishedOn });
    // Entering execution the decision continues as new; nothing is asked of it until the new run is there (see continuedAsNew).
    await continuedAsNew(d.handle);
    expect((await d.status()).status).toBe('inExecution');
    await d.reportExecution({ requestId: uniqueId('req'), actor: a.undertakingUnit, period: '2027年第一季度', summary: '新票价平稳实施。' });
    await expect(
      d.recordEvaluation({ requestId: uniqueId('req'), actor: a.riskAssessor, trigger: 'authorityChoice', findings: '—' }),
    ).rejects.toThrow('示范市社会稳定风险评估中心 did the assessment before the decision and may not evaluate it afterwards (art. 36).');
    await d.recordEvaluation({ requestId: uniqueId('req'), actor: a.secondExpert, trigger: 'manyComments', findings: '目标基本实现。' });
    await d.suspendExecution({ requestId: uniqueId('req'), actor: a.head, reason: '突发客流异常' });
    await d.resumeExecution({ requestId: uniqueId('req'), actor: a.head, reason: '客流恢复正常' });
    await d.stopExecution({ requestId: uniqueId('req'), actor: a.head, reason: '新方案取代', procedureReference: '示政发〔2027〕3号' });
    const final = await d.result();
    await saveHistory(d.handle, 'full-decision');

    expect(final.status).toBe('stopped');
    expect(final.draft.version).toBe(2);
    const completed = final.history.filter((e) => e.type === 'stepCompleted').map((e) => e.step);
    expect(completed).toEqual(['expertReview', 'riskAssessment', 'publicParticipation', 'legalityReview', 'collectiveDecision', 'partyCommitteeReport', 'publication']);

    // The supervisor's read: every entry with time, step, draft version and the rule applied; dissent verbatim.
    const record = await d.record();
    expect(record.ruleSet).toMatchObject({ id: 'national', version: 2 });
    expect(record.draftVersions.map((v) => v.version)).toEqual([1, 2]);
    expect(record.entries.map((e) => e.seq)).toEqual(record.entries.map((_, i) => i + 1));
    const meeting = record.entries.find((e) => e.step === 'collectiveDecision' && e.type === 'stepCompleted')!;
    expect(meeting).toMatchObject({ draftVersion: 2, basis: 'arts. 29-30', actor: { role: 'meetingSecretary' } });
    expect(meeting.details?.dissent).toEqual([{ participant: '王副市长', statement: '建议老年人免费乘车政策同步实施，不宜分步。' }]);
    const returned = record.entries.find((e) => e.type === 'stepReturned')!;
    expect(returned).toMatchObject({ step: 'legalityReview', draftVersion: 1, basis: 'art. 25' });
    expect(record.entries.filter((e) => e.type === 'archived')).toHaveLength(1);

    // Public notices: the consultation (its period as the calendar ends it), the hearing, and the decision.
    const notices = record.entries.filter((e) => e.type === 'noticePublished');
    expect(notices.map((e) => e.summary.match(/《(.*)》/)?.[1])).toEqual(
      expect.arrayContaining([
        `关于《${final.title}（征求意见稿）》公开征求意见的公告`,
        `关于《${final.title}》举行听证会的公告`,
        `关于公布《${final.title}》的公告`,
      ]),
    );
    // The decision's publication is held to the proactive disclosure period from the meeting (20 working days,
    // 政府信息公开条例 art. 26): the sample meeting was weeks before, so it is overdue, escalated, and missed.
    const disclosure = record.entries.filter((e) => e.step === 'publication' && e.deadline?.rule === 'proactiveDisclosure');
    const due = cn.addWorkingDays(sampleInput.collectiveDecision('adopt', 2).heldOn, 20).date;
    expect(disclosure.map((e) => e.type)).toEqual(['deadlineSet', 'deadlineOverdue', 'deadlineEscalated', 'deadlineMissed']);
    expect(disclosure[0]!.deadline).toMatchObject({ date: due, basis: '政府信息公开条例 第二十六条' });
    expect(disclosure[2]!.summary).toBe(`主动公开 overdue: escalated to the supervisor of ${final.authority.name}`);
    const late = -cn.workingDaysBetween(publishedOn, due);
    expect(late).toBeGreaterThan(0);
    expect(disclosure[3]!.deadline!.workingDaysEarly).toBe(-late);
    expect(disclosure[3]!.summary).toBe(`主动公开: done on ${publishedOn}, ${late} working day(s) late`);
    const consultationText = readFileSync(outboxPath(outbox, { authority: final.authority.code, subjectId: final.decisionId, kind: 'consultation', action: 'publish' }), 'utf8');
    expect(consultationText).toContain(`征求意见期间：${opened} 至 ${cn.addDays(opened, 30).date}（30日）`);
    expect(consultationText).toContain('依据：《重大行政决策程序暂行条例》第十五条');
    expect(consultationText).toContain(final.authority.name);
    const nc = await connect({ servers: inject('timeSkippingNatsUrl') });
    const delivered = (await readSubject(nc, NOTICES_STREAM, `juece.notices.${final.authority.code}.${final.decisionId}.>`)) as { kind: string; document: { text: string } }[];
    await nc.close();
    expect(delivered.map((n) => n.kind).sort()).toEqual(['consultation', 'decision', 'hearing']);
    expect(delivered.find((n) => n.kind === 'hearing')!.document.text).toContain(`本机关定于 ${hearingDate} 在示范市政府第一会议室`);

    // The comment period ran out on the calendar, in test time.
    const closesAt = Date.parse(final.commentPeriodClosesAt!);
    expect(shanghaiDate(closesAt - 1)).toBe(cn.addDays(opened, 30).date);
    console.log(`40 days of workflow time skipped in ${wallMs.toFixed(0)} ms of wall time`);
    expect(wallMs).toBeLessThan(10_000);
  });

  it('refuses a comment period shorter than 30 days without an urgency reason, and accepts it with one', async () => {
    const d = await start('period');
    const short = { ...sampleInput.openConsultation(await today()), periodDays: 10 };
    const raw = d.handle.executeUpdate(msg.actions.openConsultation, { args: [short], updateId: short.requestId });
    await expect(raw).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    expect(await raw.catch((e: WorkflowUpdateFailedError) => e.cause?.message)).toContain('periodDays: a comment period shorter than 30 days needs an urgency reason (art. 15)');
    await expect(d.openConsultation(short)).rejects.toBeInstanceOf(InvalidInput);
    expect(await types(d)).not.toContain('consultationOpened');

    const ack = await d.openConsultation({ ...short, requestId: uniqueId('req'), urgencyReason: '汛期临近，需尽快实施' });
    expect(ack.summary).toContain('shortened for urgency: 汛期临近，需尽快实施');
  });

  it('refuses a backdated consultation with the reason, recording nothing, but takes the record of one held elsewhere (补录) and one opened today', async () => {
    const d = await start('backdated');
    const now = await today();
    const past = daysFrom(now, -45);
    const before = (await d.status()).events;
    const reason = (day: string) =>
      `The consultation cannot open on ${day}, before today (${now}): the comment period runs from its public notice (art. 15). ` +
      'A consultation already held elsewhere is recorded as such (补录), with retroactive: { noticeReference, noticeDate }.';
    // Straight to the workflow: its validator refuses it (type Refused), and the Update never enters the history.
    const backdated = sampleInput.openConsultation(past);
    const raw = await d.handle.executeUpdate(msg.actions.openConsultation, { args: [backdated], updateId: backdated.requestId }).then(
      () => undefined,
      (err: WorkflowUpdateFailedError) => err.cause as { type?: string; message?: string } | undefined,
    );
    expect(raw).toMatchObject({ type: 'Refused', message: reason(past) });
    const yesterday = daysFrom(now, -1);
    await expect(d.openConsultation(sampleInput.openConsultation(yesterday))).rejects.toThrow(new DecisionRefused(reason(yesterday)));
    // A 补录 whose notice came after the opening day is not a record of anything.
    const retroactive = { noticeReference: '示交公告〔2026〕3号', noticeDate: past, heldAt: '示范市人民政府门户网站' };
    await expect(d.openConsultation(sampleInput.openConsultation({ openedOn: past, retroactive: { ...retroactive, noticeDate: daysFrom(past, 1) } }))).rejects.toThrow(
      new DecisionRefused(`A consultation cannot open before its public notice: the notice 示交公告〔2026〕3号 is of ${daysFrom(past, 1)}, after ${past} (art. 15).`),
    );
    expect((await d.status()).events).toBe(before);
    expect(await types(d)).not.toContain('consultationOpened');
    const history = (await d.handle.fetchHistory()).events!;
    expect(history.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toHaveLength(0);

    // The record of a consultation held elsewhere, with its notice: accepted, and marked as such in its event.
    const ack = await d.openConsultation(sampleInput.openConsultation({ openedOn: past, retroactive }));
    const marked = `consultation opened on ${past} for 30 days (补录: retroactive record of the consultation published as 示交公告〔2026〕3号 on ${past} at 示范市人民政府门户网站, recorded on ${now})`;
    expect(ack.summary).toBe(marked);
    const opened = (await d.status()).history.find((e) => e.type === 'consultationOpened');
    expect(opened).toMatchObject({ summary: marked, basis: 'art. 15', details: { retroactive: { ...retroactive, recordedOn: now }, recordType: '补录' } });
    // Its period ran from the original notice, so it is over already; the notice published says it is a 补录.
    await commentPeriodClosed(d);
    await eventually(async () => (await types(d)).includes('noticePublished'), 'the notice');
    const notice = readFileSync(outboxPath(outbox, { authority: 'shifan-gov', subjectId: (await d.status()).decisionId, kind: 'consultation', action: 'publish' }), 'utf8');
    expect(notice).toContain('公开征求意见情况的补录公告');
    expect(notice).toContain(`已于 ${past} 以示交公告〔2026〕3号在示范市人民政府门户网站向社会公开征求意见，现予补录。`);

    // Opened today, with its notice: accepted as ever, nothing retroactive about it.
    const t = await start('today');
    const todays = await t.openConsultation(sampleInput.openConsultation(now));
    expect(todays.summary).toBe(`consultation opened on ${now} for 30 days`);
    expect((await t.status()).history.find((e) => e.type === 'consultationOpened')?.details).toBeUndefined();
  });

  it('refuses an expert with a direct interest, and an opinion not signed by its author', async () => {
    const d = await start('expert');
    await d.assignExperts(sampleInput.assignExperts());
    await expect(d.submitExpertOpinion({ ...sampleInput.expertOpinion(), directInterest: true })).rejects.toThrow(
      '李教授 has a direct interest in the matter and may not take part in the expert review (art. 20).',
    );
    await expect(d.submitExpertOpinion({ ...sampleInput.expertOpinion(), signature: '代签' })).rejects.toThrow('The opinion must be signed by its author 李教授');
    await expect(d.completeExpertReview(sampleInput.completeExpertReview())).rejects.toThrow('No expert opinion has been given yet (art. 21).');
    await d.submitExpertOpinion(sampleInput.expertOpinion());
    expect((await types(d)).filter((t) => t === 'expertOpinionSubmitted')).toHaveLength(1);
  });

  it('holds the decision while the risk is uncontrollable, until an adjusted draft is reassessed', async () => {
    const d = await start('risk');
    await d.completeRiskAssessment(sampleInput.riskAssessment('uncontrollable', 1));
    await expect(d.completeRiskAssessment(sampleInput.riskAssessment('controllable', 1))).rejects.toThrow(
      'The risk of draft version 1 was judged uncontrollable: adjust the draft before reassessing (art. 24).',
    );
    await d.openConsultation(sampleInput.openConsultation(await today()));
    await d.assignExperts(sampleInput.assignExperts());
    await d.submitExpertOpinion(sampleInput.expertOpinion());
    await d.completeExpertReview(sampleInput.completeExpertReview());
    await env.sleep('40 days');
    await commentPeriodClosed(d);
    await d.completePublicParticipation(sampleInput.publicParticipationReport());
    // Everything else done, but no legality review (and so no meeting) while the risk is uncontrollable.
    expect((await d.status()).openSteps).toEqual(['riskAssessment']);
    await expect(d.requestLegalityReview(sampleInput.requestLegalityReview(1))).rejects.toThrow(/legalityReview \(合法性审查\) is not open: the decision is at riskAssessment/);

    await d.submitDraftVersion(sampleInput.draftVersion(2, '分两阶段调价以降低风险'));
    await d.completeRiskAssessment(sampleInput.riskAssessment('controllable', 2));
    await eventually(async () => (await d.status()).openSteps.includes('legalityReview'));
    expect((await d.status()).openSteps).toEqual(['legalityReview']);
  });

  it('keeps an unreviewed or unlawful draft from the meeting', async () => {
    const d = await start('unlawful');
    await throughPreliminarySteps(d);
    await eventually(async () => (await d.status()).openSteps.includes('legalityReview'));
    await expect(d.recordCollectiveDecision(sampleInput.collectiveDecision('adopt', 1))).rejects.toThrow(/collectiveDecision \(集体讨论决定\) is not open: the decision is at legalityReview/);
    await expect(d.completeLegalityReview(sampleInput.legalityReview('lawful', 1))).rejects.toThrow('Draft version 1 has not been sent for legality review (art. 26).');
    await d.requestLegalityReview(sampleInput.requestLegalityReview(1));
    // The reviewer is given its working days on the calendar.
    await eventually(async () => (await d.status()).history.some((e) => e.type === 'deadlineSet' && e.step === 'legalityReview'));
    const given = (await d.status()).history.find((e) => e.type === 'deadlineSet' && e.step === 'legalityReview')!.deadline!;
    expect(given).toMatchObject({ rule: 'legalityReviewTime', date: cn.addWorkingDays(given.from, 7).date });
    await d.assignLegalityReviewer(sampleInput.assignLegalityReviewer());
    await d.completeLegalityReview(sampleInput.legalityReview('unlawful', 1));
    await expect(d.recordCollectiveDecision(sampleInput.collectiveDecision('adopt', 1))).rejects.toBeInstanceOf(DecisionRefused);
    const status = await d.status();
    expect(status.openSteps).toEqual(['legalityReview']);
    expect(status.history.filter((e) => e.type === 'stepReturned').at(-1)).toMatchObject({ step: 'legalityReview', basis: 'art. 25' });
  });

  it('refuses the wrong role, staff of another unit, and a supervisor, with nothing changed', async () => {
    const d = await start('roles');
    const before = (await d.status()).history.length;
    await expect(d.completeRiskAssessment({ ...sampleInput.riskAssessment(), actor: a.expert })).rejects.toThrow(
      'completeRiskAssessment is for riskAssessor or undertakingUnit, not expert (arts. 22-24).',
    );
    await expect(d.openConsultation({ ...sampleInput.openConsultation(await today()), actor: a.supervisor })).rejects.toThrow(
      'openConsultation is for undertakingUnit, not supervisor (art. 15).',
    );
    await expect(
      d.openConsultation({ ...sampleInput.openConsultation(await today()), actor: { ...a.undertakingUnit, organisation: '示范市财政局' } }),
    ).rejects.toThrow('王敏 (示范市财政局) is not staff of the undertaking unit 示范市交通运输局 (art. 10).');
    expect((await d.status()).history).toHaveLength(before);
  });

  it('answers a repeated request once and records it once', async () => {
    const d = await start('dup');
    const input = sampleInput.openConsultation(await today());
    const first = await d.openConsultation(input);
    const second = await d.openConsultation(input);
    expect(second).toEqual(first);
    expect((await types(d)).filter((t) => t === 'consultationOpened')).toHaveLength(1);
  });

  it('skips the steps that do not apply, each with its statutory reason; a local rule set can require more', async () => {
    const flags = { disclosable: false, technical: false, riskTriggers: [] };
    const national = await start('skip', { flags });
    const steps = (await national.status()).steps;
    expect(steps.publicParticipation).toMatchObject({ state: 'skipped', basis: 'art. 14' });
    expect(steps.expertReview).toMatchObject({ state: 'skipped', note: 'not a professional or technical matter, so no expert review', basis: 'art. 19' });
    expect(steps.riskAssessment).toMatchObject({ state: 'skipped', basis: 'art. 22' });
    // With nothing to wait for, the decision goes straight to legality review.
    await eventually(async () => (await national.status()).openSteps.includes('legalityReview'));

    const yubei = await start('yubei', { flags, ruleSet: 'chongqing-yubei' });
    const s = await yubei.status();
    expect(s.ruleSet).toEqual({ id: 'chongqing-yubei', version: 2 });
    expect(s.steps.riskAssessment?.state).toBe('open');
    expect(s.openSteps).toEqual(['riskAssessment']);
  });

  it('refuses a proposal of a kind the regulations exclude, with the reason', async () => {
    await expect(start('excluded', { category: 'emergencyResponse' })).rejects.toThrow('category: emergency response to sudden incidents is excluded (art. 3)');
    await expect(start('rules', { ruleSet: 'nowhere' })).rejects.toThrow('Unknown rule set "nowhere"');
  });

  it('refuses a start through the raw Temporal API with a malformed carried state, with the reason', async () => {
    const proposal = sampleProposal(uniqueId('carried'));
    const handle = await h.client.client.workflow.start('majorDecision', {
      taskQueue: h.taskQueue,
      workflowId: `decision-${proposal.decisionId}`,
      args: [{ proposal, rules: NATIONAL_RULES, carried: { state: { status: 'somewhere' }, runs: 1 } }],
    });
    const failure = await handle.result().then(
      () => undefined,
      (err: { cause?: { message?: string; type?: string } }) => err.cause,
    );
    expect(failure?.type).toBe('InvalidCarriedState');
    expect(failure?.message).toContain('Invalid carried state: state.status:');
    expect(failure?.message).toContain('record:');
  });

  it('can be withdrawn before the decision, and is archived', async () => {
    const d = await start('withdraw');
    await d.openConsultation(sampleInput.openConsultation(await today()));
    // Withdraw once the consultation's notice is out: cancelling an activity that has just completed makes the Java
    // test server refuse the workflow task for good (ACTIVITY_UNKNOWN, sdk-java #3088), where a real server goes on.
    await eventually(async () => (await types(d)).includes('noticePublished'));
    await d.withdraw({ requestId: uniqueId('req'), actor: a.head, reason: '上级政策调整' });
    const final = await d.result();
    expect(final.status).toBe('withdrawn');
    expect(final.history.slice(-2).map((e) => e.type)).toEqual(['decisionWithdrawn', 'archived']);
    await saveHistory(d.handle, 'withdrawn');
  });

  it('defers, then asks for a revision that goes back to legality review, then rejects', async () => {
    const d = await start('revise');
    await throughPreliminarySteps(d);
    await eventually(async () => (await d.status()).openSteps.includes('legalityReview'));
    await d.requestLegalityReview(sampleInput.requestLegalityReview(1));
    await d.assignLegalityReviewer(sampleInput.assignLegalityReviewer());
    await d.completeLegalityReview(sampleInput.legalityReview('lawful', 1));
    await d.recordCollectiveDecision(sampleInput.collectiveDecision('defer', 1));
    expect((await d.status()).status).toBe('deferred');
    await d.recordCollectiveDecision(sampleInput.collectiveDecision('reviseAndResubmit', 1));
    await d.submitDraftVersion(sampleInput.draftVersion(2, '按常务会议意见修改'));
    await eventually(async () => (await d.status()).openSteps.includes('legalityReview'));
    await expect(d.recordCollectiveDecision(sampleInput.collectiveDecision('adopt', 2))).rejects.toBeInstanceOf(DecisionRefused);
    await d.requestLegalityReview(sampleInput.requestLegalityReview(2));
    await d.completeLegalityReview(sampleInput.legalityReview('lawful', 2));
    // Deferred again: the earlier request for a revision is spent, so no new draft comes in unasked.
    await d.recordCollectiveDecision(sampleInput.collectiveDecision('defer', 2));
    await expect(d.submitDraftVersion(sampleInput.draftVersion(3, '未经会议要求的修改'))).rejects.toThrow(
      'The draft before the meeting was found lawful; a new version needs the meeting to ask for a revision first.',
    );
    await d.recordCollectiveDecision({ ...sampleInput.collectiveDecision('reject', 2), differsFromMajority: true, reasonForDiffering: '财政承受能力不足' });
    const final = await d.result();
    expect(final.status).toBe('rejected');
    expect(final.history.some((e) => e.step === 'publication')).toBe(false);
    await saveHistory(d.handle, 'revised-rejected');
  });

  it('holds the legality review time: reminders before it, then overdue and escalated to the supervisor, then missed', async () => {
    // Nothing before the review applies, so it opens at once.
    const d = await start('review-time', { flags: { disclosable: false, technical: false, riskTriggers: [] } });
    await eventually(async () => (await d.status()).openSteps.includes('legalityReview'), 'the legality review to open');
    const requestedOn = await today();
    await d.requestLegalityReview(sampleInput.requestLegalityReview(1));
    await eventually(async () => (await types(d)).includes('deadlineSet'), 'the review deadline');
    const due = cn.addWorkingDays(requestedOn, 7).date;
    expect(cn.workingDaysBetween(requestedOn, due)).toBe(7); // at least 7 working days (art. 27)
    const set = (await d.status()).history.find((e) => e.type === 'deadlineSet')!;
    expect(set).toMatchObject({ step: 'legalityReview', deadline: { rule: 'legalityReviewTime', date: due, basis: '重大行政决策程序暂行条例 第二十七条' } });
    expect((await d.status()).openSteps).toEqual(['legalityReview']);

    await env.sleep('20 days');
    await eventually(async () => (await types(d)).includes('deadlineEscalated'), 'the escalation');
    const held = (await d.status()).history.filter((e) => e.step === 'legalityReview' && e.type.startsWith('deadline'));
    expect(held.map((e) => e.type)).toEqual(['deadlineSet', 'deadlineReminder', 'deadlineReminder', 'deadlineOverdue', 'deadlineEscalated']);
    expect(held[1]!.summary).toBe(`合法性审查时间: 3 working day(s) left, due ${due}`);
    expect(held[2]!.summary).toBe(`合法性审查时间: 1 working day(s) left, due ${due}`);
    expect(held[4]!.summary).toBe('合法性审查时间 overdue: escalated to the supervisor of 示范市人民政府');

    // The opinion still counts, late: recorded as missed by so many working days.
    const answeredOn = await today();
    await d.assignLegalityReviewer(sampleInput.assignLegalityReviewer());
    await d.completeLegalityReview(sampleInput.legalityReview('lawful', 1));
    await eventually(async () => (await types(d)).includes('deadlineMissed'), 'the deadline to settle');
    const missed = (await d.status()).history.find((e) => e.type === 'deadlineMissed')!;
    expect(missed.deadline!.workingDaysEarly).toBe(cn.workingDaysBetween(answeredOn, due));
    expect(missed.deadline!.workingDaysEarly).toBeLessThan(0);
    expect((await d.status()).openSteps).toEqual(['collectiveDecision']);
    await d.withdraw({ requestId: uniqueId('req'), actor: a.head, reason: '测试结束' });
    await d.result();
  });

  it('gives a draft sent again after its materials were returned a review time of its own', async () => {
    const d = await start('returned', { flags: { disclosable: false, technical: false, riskTriggers: [] } });
    await eventually(async () => (await d.status()).openSteps.includes('legalityReview'), 'the legality review to open');
    await d.requestLegalityReview(sampleInput.requestLegalityReview(1));
    await d.assignLegalityReviewer(sampleInput.assignLegalityReviewer());
    await d.completeLegalityReview(sampleInput.legalityReview('returnedForMaterials', 1));
    await env.sleep('2 days');
    await d.requestLegalityReview(sampleInput.requestLegalityReview(1)); // the same draft, with the materials completed
    await env.sleep('1 day');
    const review = async () => (await d.status()).history.filter((e) => e.step === 'legalityReview');
    await eventually(async () => (await review()).filter((e) => e.type === 'deadlineSet').length === 2, 'the second review time');
    // The second review time is not settled by the first opinion: it is still held until the reviewer answers again.
    expect((await review()).filter((e) => e.type === 'deadlineMet')).toHaveLength(1);
    expect((await d.status()).openSteps).toEqual(['legalityReview']);
    await d.completeLegalityReview(sampleInput.legalityReview('lawful', 1));
    await eventually(async () => (await review()).filter((e) => e.type === 'deadlineMet').length === 2, 'the second review time met');
    const types = (await review()).map((e) => e.type).filter((t) => t !== 'stepOpened' && t !== 'legalityReviewerAssigned');
    const again = types.lastIndexOf('legalityReviewRequested');
    expect(types.slice(0, again).sort()).toEqual(['deadlineMet', 'deadlineSet', 'legalityReviewRequested', 'stepReturned']);
    expect(types.slice(again)).toEqual(['legalityReviewRequested', 'deadlineSet', 'stepCompleted', 'deadlineMet']);
    await d.withdraw({ requestId: uniqueId('req'), actor: a.head, reason: '测试结束' });
    await d.result();
  });

  it('answers an action with the steps it opened, and upserts only what finds the workflow, each when it changes', async () => {
    const d = await start('settled', { flags: { disclosable: false, technical: false, riskTriggers: [] } });
    // No public participation, expert review or risk assessment: legality review opens with the start.
    await eventually(async () => (await d.status()).openSteps.includes('legalityReview'), 'the legality review to open');
    await d.requestLegalityReview(sampleInput.requestLegalityReview(1));
    await d.assignLegalityReviewer(sampleInput.assignLegalityReviewer());
    const reviewed = await d.completeLegalityReview(sampleInput.legalityReview('lawful', 1));
    // The answer comes once the meeting is open: the office needs no status query to go on.
    expect(reviewed.standing).toMatchObject({ status: 'inProgress', openSteps: ['collectiveDecision'], currentStep: 'collectiveDecision' });
    expect(d.lastStanding?.openSteps).toEqual(['collectiveDecision']);
    await d.withdraw({ requestId: uniqueId('req'), actor: a.head, reason: '测试结束' });
    await d.result();

    // Between two completed workflow tasks, none of juece's attributes is upserted twice, nor to the value it had;
    // where the decision stands (steps, deadline) is in the record, not in Temporal's visibility (release 9).
    const events = (await d.handle.fetchHistory()).events ?? [];
    let task: Record<string, string> = {};
    const last: Record<string, string> = {};
    const upserted = new Set<string>();
    const versions: string[] = [];
    const statusUpserts: string[] = [];
    for (const e of events) {
      if (e.workflowTaskCompletedEventAttributes) task = {};
      const fields = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {};
      for (const [key, payload] of Object.entries(fields)) {
        if (key === 'TemporalChangeVersion') {
          versions.push(Buffer.from(payload.data ?? []).toString()); // the SDK's own, with each patch
          continue;
        }
        upserted.add(key);
        const value = Buffer.from(payload.data ?? []).toString();
        if (key === 'JueceStatus') statusUpserts.push(value);
        expect(task[key], `${key} upserted twice in one task`).toBeUndefined();
        expect(last[key], `${key} upserted again with the same value`).not.toBe(value);
        task[key] = last[key] = value;
      }
    }
    // Started in progress with its authority (given with the start), then withdrawn: one upsert of its status (and
    // JueceDeadlineProvisional if its review time rests on a year whose holidays are not yet published).
    expect([...upserted].filter((k) => k !== 'JueceDeadlineProvisional')).toEqual(['JueceStatus']);
    expect(statusUpserts).toEqual(['"withdrawn"']);
    // One patch for the whole release: one marker, one TemporalChangeVersion upsert, not one for each patch.
    expect(versions).toEqual(['["release-11"]']);
    expect(events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')).toHaveLength(1);
  });

  it('never starts a decision id twice (running or closed), nor an enforcement case with a decision\'s id', async () => {
    const id = uniqueId('once');
    const d = await h.client.startDecision(sampleProposal(id));
    const again = 'is already used by a major decision; a decision or case id is never reused.';
    await expect(h.client.startDecision(sampleProposal(id))).rejects.toThrow(`The id ${id} ${again}`);
    await expect(h.client.recordEnforcementDecision(sampleEnforcementCase(id))).rejects.toThrow(`The id ${id} is already used by a major decision`);
    await d.withdraw({ requestId: uniqueId('req'), actor: a.head, reason: '撤回' });
    await d.result();
    await expect(h.client.startDecision(sampleProposal(id))).rejects.toThrow(`The id ${id} ${again}`);
    expect((await d.status()).status).toBe('withdrawn'); // the closed decision is untouched

    const caseId = uniqueId('case');
    await h.client.recordEnforcementDecision(sampleEnforcementCase(caseId));
    await expect(h.client.startDecision(sampleProposal(caseId))).rejects.toThrow(`The id ${caseId} is already used by an enforcement case`);
    await expect(h.client.decision(caseId).status()).rejects.toThrow(); // no decision was started
    await h.client.enforcement(caseId).takeDownNotice({ requestId: uniqueId('req'), actor: sampleEnforcementActor, reason: 'revoked', reference: '测试' });
  });
});
