/**
 * Who exactly is asked (domain/assignments.ts) on the real time-skipping server: experts chosen from the city's
 * pool (pools/shifan-gov.json), each checked for a direct interest before being asked (art. 20), replaced with a
 * reason; the legality reviewer named by the legal-affairs office, its own staff or its legal adviser (art. 27);
 * only the person assigned may submit; a decision pinned to a rule set from before assignments is unchanged.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecisionRefused, type DecisionHandle } from '../client';
import { sampleActors, sampleInput, sampleProposal } from '../client/sample';
import { NATIONAL_RULES } from '../domain/rules';
import type { Actor } from '../domain/schemas';
import { startHarness, timeSkippingEnv, uniqueId, type Harness } from './helpers';

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

const a = sampleActors;
/** Pool members as they sign in (pools/shifan-gov.json). */
const busGroupEngineer: Actor = { id: 'e-0611', name: '周工程师', role: 'expert', organisation: '示范市公共交通集团有限公司' };
const metroAdvisor: Actor = { id: 'e-0733', name: '吴教授', role: 'expert', organisation: '示范财经大学' };
/** The justice bureau's legal adviser (法律顾问), from a law firm, acting as a legality reviewer. */
const adviser: Actor = { id: 'l-adv-07', name: '冯律师', role: 'legalityReviewer', organisation: '示范正义律师事务所' };

const types = async (d: DecisionHandle) => (await d.status()).history.map((e) => e.type);

async function start(prefix: string, overrides: Parameters<typeof sampleProposal>[1] = {}): Promise<DecisionHandle> {
  return h.client.startDecision(sampleProposal(uniqueId(prefix), { interestedParties: ['示范市公共交通集团有限公司', '示范市轨道交通集团有限公司'], ...overrides }));
}

async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('assignments', () => {
  it('asks experts of the pool, refuses those with a direct interest or outside it, and takes opinions only from those asked', async () => {
    const d = await start('experts');
    // Nobody asked yet: no opinion is taken.
    await expect(d.submitExpertOpinion(sampleInput.expertOpinion())).rejects.toThrow('No expert has been asked yet: the undertaking unit asks experts of the pool first');
    // Not in the pool; withdrawn from it; works for a party; declared an interest in a party (art. 20).
    await expect(d.assignExperts({ ...sampleInput.assignExperts(), experts: ['e-9999'] })).rejects.toThrow('Not in 示范市人民政府重大行政决策咨询论证专家库: e-9999');
    await expect(d.assignExperts({ ...sampleInput.assignExperts(), experts: ['e-0810'] })).rejects.toThrow('郑律师 (e-0810) no longer in the pool');
    await expect(d.assignExperts(sampleInput.assignExperts(a.expert, busGroupEngineer))).rejects.toThrow(
      'May not be asked: 周工程师 (e-0611) works for 示范市公共交通集团有限公司, a party to the matter (art. 20: 不得选择与决策事项有直接利害关系的专家).',
    );
    await expect(d.assignExperts(sampleInput.assignExperts(metroAdvisor))).rejects.toThrow('吴教授 (e-0733) declared an interest in 示范市轨道交通集团有限公司');
    // Only the undertaking unit chooses its experts.
    await expect(d.assignExperts({ ...sampleInput.assignExperts(), actor: a.expert })).rejects.toThrow('assignExperts is for undertakingUnit, not expert');
    expect(await types(d)).not.toContain('expertsAssigned'); // refusals change nothing

    const ack = await d.assignExperts(sampleInput.assignExperts(a.expert));
    expect(ack.summary).toBe(
      'asked 李教授 (e-0427, 示范大学交通学院) from 示范市人民政府重大行政决策咨询论证专家库 (revised 2026-01-15), declared interests checked against 示范市交通运输局, 示范市公共交通集团有限公司, 示范市轨道交通集团有限公司',
    );
    const asked = (await d.status()).history.find((e) => e.type === 'expertsAssigned')!;
    expect(asked).toMatchObject({ actor: { id: a.undertakingUnit.id }, basis: expect.stringContaining('arts. 19-21'), details: { pool: { revisedOn: '2026-01-15' } } });
    await expect(d.assignExperts(sampleInput.assignExperts(a.expert))).rejects.toThrow('Already asked: e-0427.');
    // 孙研究员 is in the pool but not asked: his opinion is refused, naming who is.
    await expect(d.submitExpertOpinion(sampleInput.expertOpinion(1, a.secondExpert))).rejects.toThrow(
      '孙研究员 is not asked for an opinion on this decision; the experts asked are 李教授',
    );

    // 李教授 is absent: replaced by 孙研究员 with the reason; then only 孙研究员 may give the opinion.
    await expect(d.reassignExpert({ requestId: uniqueId('req'), actor: a.undertakingUnit, from: 'e-0427', to: 'e-0611', reason: '出差' })).rejects.toThrow('周工程师 (e-0611) works for');
    const moved = await d.reassignExpert({ requestId: uniqueId('req'), actor: a.undertakingUnit, from: 'e-0427', to: 'e-0512', reason: '李教授出国访学，无法按期提出论证意见' });
    expect(moved.summary).toContain('李教授 (e-0427) replaced by 孙研究员 (e-0512, 示范市城市规划设计研究院): 李教授出国访学，无法按期提出论证意见');
    await expect(d.submitExpertOpinion(sampleInput.expertOpinion())).rejects.toThrow('李教授 is not asked for an opinion on this decision; the experts asked are 孙研究员');
    await d.submitExpertOpinion(sampleInput.expertOpinion(1, a.secondExpert));
    await expect(d.reassignExpert({ requestId: uniqueId('req'), actor: a.undertakingUnit, from: 'e-0512', to: 'e-0427', reason: 'x' })).rejects.toThrow(
      '孙研究员 has given an opinion already',
    );
    await d.withdraw({ requestId: uniqueId('req'), actor: a.head, reason: '测试结束' });
  });

  it('lets the legal-affairs office name its reviewer, staff or legal adviser, and takes the opinion only from the one named', async () => {
    const d = await start('reviewer', { flags: { disclosable: false, technical: false, riskTriggers: [] } });
    await until('the legality review to open', async () => (await d.status()).openSteps.includes('legalityReview'));
    await d.requestLegalityReview(sampleInput.requestLegalityReview(1));
    await expect(d.completeLegalityReview(sampleInput.legalityReview('lawful', 1))).rejects.toThrow('No reviewer is named for this draft yet: the legal-affairs office names one first');
    // Staff of another office are not its staff; the undertaking unit may not review its own draft; nor assign.
    await expect(d.assignLegalityReviewer(sampleInput.assignLegalityReviewer(adviser))).rejects.toThrow('冯律师 of 示范正义律师事务所 is not staff of 示范市司法局');
    await expect(d.assignLegalityReviewer(sampleInput.assignLegalityReviewer({ ...a.undertakingUnit, role: 'legalityReviewer' }, 'legalAdviser'))).rejects.toThrow(
      '王敏 works for 示范市交通运输局, which undertakes the draft, and may not review it',
    );
    await expect(d.assignLegalityReviewer({ ...sampleInput.assignLegalityReviewer(), actor: a.undertakingUnit })).rejects.toThrow('assignLegalityReviewer is for legalityReviewer, not undertakingUnit');

    const named = await d.assignLegalityReviewer(sampleInput.assignLegalityReviewer(adviser, 'legalAdviser'));
    expect(named.summary).toBe('冯律师 (l-adv-07, 示范正义律师事务所, 法律顾问) named to review the draft');
    await expect(d.assignLegalityReviewer(sampleInput.assignLegalityReviewer())).rejects.toThrow('冯律师 is named already; a change of reviewer is a reassignment with its reason.');
    // 陈律 of the office itself is not the one named.
    await expect(d.completeLegalityReview(sampleInput.legalityReview('lawful', 1))).rejects.toThrow('陈律 is not the reviewer named for this draft: 冯律师 (法律顾问) is');

    // The adviser falls ill: the office gives it back to 陈律, with the reason; 陈律 then reviews.
    await expect(d.reassignLegalityReviewer({ ...sampleInput.assignLegalityReviewer(adviser, 'legalAdviser'), reason: 'x' })).rejects.toThrow('冯律师 is the reviewer named already.');
    const back = await d.reassignLegalityReviewer({ ...sampleInput.assignLegalityReviewer(), reason: '冯律师因病无法按期审查' });
    expect(back.summary).toBe('冯律师 (l-adv-07) replaced by 陈律 (l-0001, 示范市司法局, 合法性审查机构): 冯律师因病无法按期审查');
    await expect(d.completeLegalityReview({ ...sampleInput.legalityReview('lawful', 1), actor: adviser })).rejects.toThrow('冯律师 is not the reviewer named for this draft: 陈律');
    const reviewed = await d.completeLegalityReview(sampleInput.legalityReview('lawful', 1));
    expect(reviewed.step).toBe('legalityReview');
    const history = (await d.status()).history.filter((e) => e.type.startsWith('legalityReviewer'));
    expect(history.map((e) => [e.type, e.actor?.id, e.details?.reviewer])).toEqual([
      ['legalityReviewerAssigned', a.legalityReviewer.id, { id: 'l-adv-07', name: '冯律师', organisation: '示范正义律师事务所', capacity: 'legalAdviser' }],
      ['legalityReviewerReassigned', a.legalityReviewer.id, { id: 'l-0001', name: '陈律', organisation: '示范市司法局', capacity: 'legalAffairsOffice' }],
    ]);
    await d.withdraw({ requestId: uniqueId('req'), actor: a.head, reason: '测试结束' });
  });

  it('refuses to ask experts where the authority keeps no pool', async () => {
    const d = await start('nopool', { authority: { code: uniqueId('gov'), name: '示范县人民政府' } });
    await expect(d.assignExperts(sampleInput.assignExperts())).rejects.toThrow(DecisionRefused);
    await expect(d.assignExperts(sampleInput.assignExperts())).rejects.toThrow(/keeps no expert pool: experts are chosen from the pool \(art\. 21/);
    await d.withdraw({ requestId: uniqueId('req'), actor: a.head, reason: '测试结束' });
  });

  it('leaves a decision pinned to a rule set from before assignments as it was: any expert or reviewer of the role acts', async () => {
    // As a decision started under national rules v1 carries them (no assignmentRequired in its input).
    const { assignmentRequired: _none, ...v1 } = { ...NATIONAL_RULES, version: 1 };
    const proposal = sampleProposal(uniqueId('v1'), { flags: { disclosable: false, technical: true, riskTriggers: [] } });
    const handle = await h.client.client.workflow.start('majorDecision', { taskQueue: h.taskQueue, workflowId: `decision-${proposal.decisionId}`, args: [{ proposal, rules: v1 }] });
    const d = h.client.decision(proposal.decisionId);
    await until('expert review to open', async () => (await d.status()).openSteps.includes('expertReview'));
    await d.submitExpertOpinion(sampleInput.expertOpinion());
    await d.completeExpertReview(sampleInput.completeExpertReview());
    await until('the legality review to open', async () => (await d.status()).openSteps.includes('legalityReview'));
    await d.requestLegalityReview(sampleInput.requestLegalityReview(1));
    await d.completeLegalityReview(sampleInput.legalityReview('lawful', 1));
    expect(await types(d)).not.toContain('expertsAssigned');
    await d.withdraw({ requestId: uniqueId('req'), actor: a.head, reason: '测试结束' });
    expect((await handle.result()).status).toBe('withdrawn');
  });

  it('records 签收 of the draft under review, by the reviewer named, once; an opinion never waits for it', async () => {
    const d = await start('signfor', { flags: { disclosable: false, technical: false, riskTriggers: [] } });
    await until('the legality review to open', async () => (await d.status()).openSteps.includes('legalityReview'));
    const sign = (actor: Actor) => d.signForLegalityReview({ requestId: uniqueId('req'), actor, draftVersion: 1 });
    await expect(sign(a.legalityReviewer)).rejects.toThrow('Draft version 1 has not been sent for legality review (art. 26).');
    await d.requestLegalityReview(sampleInput.requestLegalityReview(1));
    await d.assignLegalityReviewer(sampleInput.assignLegalityReviewer());
    await expect(sign(adviser)).rejects.toThrow('陈律 is the reviewer named for this draft, not 冯律师.');
    expect((await sign(a.legalityReviewer)).summary).toBe('draft version 1 signed for (签收) by 陈律');
    await expect(sign(a.legalityReviewer)).rejects.toThrow('陈律 signed for this draft already (签收).');
    expect((await d.status()).assignments).toMatchObject({ signedFor: '陈律', reviewRequestedFor: 1 });
    await d.completeLegalityReview(sampleInput.legalityReview('lawful', 1));
    expect((await types(d)).filter((t) => t === 'legalityReviewSignedFor')).toHaveLength(1);

    // Another draft's review, no 签收 at all: the opinion is taken all the same.
    const e = await start('nosign', { flags: { disclosable: false, technical: false, riskTriggers: [] } });
    await until('the legality review to open', async () => (await e.status()).openSteps.includes('legalityReview'));
    await e.requestLegalityReview(sampleInput.requestLegalityReview(1));
    await e.assignLegalityReviewer(sampleInput.assignLegalityReviewer());
    expect((await e.completeLegalityReview(sampleInput.legalityReview('lawful', 1))).step).toBe('legalityReview');
    for (const x of [d, e]) await x.withdraw({ requestId: uniqueId('req'), actor: a.head, reason: '测试结束' });
  });
});
