/**
 * Each person's assignments over the HTTP API and the CLI, on the real dev server, NATS and PostgreSQL: the expert
 * asked sees the decision until their opinion is in, an expert not asked never sees it, the reviewer named sees
 * the draft while it is under review; the record keeps who asked whom.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retroactiveConsultation, sampleInput, sampleProposal } from '../client/sample';
import { recordOf } from '../store/record';
import { startApiHarness, uniqueId, until, type ApiHarness } from './helpers';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness('assign');
});

afterAll(async () => {
  await h?.stop();
});

const withoutActor = ({ actor: _actor, ...rest }: Record<string, unknown>) => rest;
const act = (id: string, who: string, action: string, input: Record<string, unknown>) => h.call('POST', `/decisions/${id}/actions/${action}`, who, withoutActor(input));
const assignedTo = async (who: string): Promise<{ decisionId: string; steps: string[] }[]> => (await h.call('GET', '/assignments', who)).json.assignments;
const mine = async (who: string, id: string) => (await assignedTo(who)).find((x) => x.decisionId === id);

describe('assignments over the API and the CLI', () => {
  it("shows each person what is asked of them, until they answer, and records who asked whom", async () => {
    const proposal = sampleProposal(uniqueId('assign'));
    const id = proposal.decisionId;
    expect((await h.call('POST', '/decisions', 'undertakingUnit', proposal)).status).toBe(201);
    expect((await act(id, 'undertakingUnit', 'openConsultation', sampleInput.openConsultation(retroactiveConsultation()))).status).toBe(200);

    // An opinion before anyone is asked: 409 with the reason.
    const early = await act(id, 'expert', 'submitExpertOpinion', sampleInput.expertOpinion());
    expect(early.status).toBe(409);
    expect(early.text).toContain('No expert has been asked yet');
    expect((await act(id, 'expert', 'assignExperts', sampleInput.assignExperts())).status).toBe(403);
    expect((await act(id, 'undertakingUnit', 'assignExperts', sampleInput.assignExperts())).status).toBe(200);

    const asked = await until("the expert's assignment", 20_000, () => mine('expert', id));
    expect(asked.steps).toEqual(['expertReview']);
    expect(await mine('secondExpert', id)).toBeUndefined();
    const cli = await h.cli('expert', 'assignments');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(id);
    expect(cli.stdout).toContain('expertReview');
    expect((await h.cli('secondExpert', 'assignments')).stdout).not.toContain(id);

    // The opinion given, nothing is asked of the expert any more.
    expect((await act(id, 'expert', 'submitExpertOpinion', sampleInput.expertOpinion())).status).toBe(200);
    await until('the assignment answered', 20_000, async () => !(await mine('expert', id)));

    expect((await act(id, 'undertakingUnit', 'completeExpertReview', sampleInput.completeExpertReview())).status).toBe(200);
    expect((await act(id, 'riskAssessor', 'completeRiskAssessment', sampleInput.riskAssessment())).status).toBe(200);
    await until('the comment period closed', 20_000, async () => (await h.call('GET', `/decisions/${id}`, 'undertakingUnit')).json.history.some((e: { type: string }) => e.type === 'commentPeriodClosed'));
    expect((await act(id, 'undertakingUnit', 'completePublicParticipation', sampleInput.publicParticipationReport())).status).toBe(200);
    await until('the legality review open', 20_000, async () => (await h.call('GET', `/decisions/${id}`, 'undertakingUnit')).json.openSteps.includes('legalityReview'));
    expect((await act(id, 'legalityReviewer', 'assignLegalityReviewer', sampleInput.assignLegalityReviewer())).status).toBe(200);
    // Named, but nothing to review until the draft is sent.
    expect(await mine('legalityReviewer', id)).toBeUndefined();
    expect((await act(id, 'undertakingUnit', 'requestLegalityReview', sampleInput.requestLegalityReview())).status).toBe(200);
    expect((await until("the reviewer's assignment", 20_000, () => mine('legalityReviewer', id))).steps).toEqual(['legalityReview']);
    expect((await act(id, 'legalityReviewer', 'completeLegalityReview', sampleInput.legalityReview())).status).toBe(200);
    await until('the review answered', 20_000, async () => !(await mine('legalityReviewer', id)));

    // The record: who asked whom, from which pool, checked against which parties.
    const events = (await recordOf(h.db, 'majorDecision', id)).map((e) => e.event);
    const assigned = events.find((e) => e.type === 'expertsAssigned')!;
    expect(assigned.actor).toMatchObject({ id: 'u-transport-01', organisation: '示范市交通运输局' });
    expect(assigned.details).toMatchObject({
      experts: [{ id: 'e-0427', name: '李教授', organisation: '示范大学交通学院', declaredInterests: [] }],
      pool: { title: '示范市人民政府重大行政决策咨询论证专家库', revisedOn: '2026-01-15' },
      parties: ['示范市交通运输局'],
    });
    expect(assigned.standing?.assignees).toEqual([{ id: 'e-0427', step: 'expertReview' }]);
    expect(events.find((e) => e.type === 'legalityReviewerAssigned')!.details).toMatchObject({ reviewer: { id: 'l-0001', capacity: 'legalAffairsOffice' } });
  });
});
