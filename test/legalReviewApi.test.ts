/**
 * Legal review of major enforcement decisions (重大执法决定法制审核) over the HTTP API and the CLI, on the real dev
 * server, NATS and PostgreSQL: the office submits (the submitter is the token holder), the legal body's reviewer
 * answers with `juece review submit`, a decision not reviewed or not passed is 409 (CLI exit 5) with the reason, a
 * passed one goes on to publication, and the case's one record holds the review and the decision.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../api/auth';
import { sampleEnforcementActor, sampleLegalReviewCase, sampleLegalReviewer } from '../client/sample';
import { shanghaiDate } from '../domain/procedure';
import { getDecision, recordOf, verifyRecord } from '../store/record';
import { startApiHarness, TEST_JWT_SECRET, uniqueId, until, type ApiHarness } from './helpers';

let h: ApiHarness;
const files = mkdtempSync(path.join(tmpdir(), 'juece-review-'));
const file = (name: string, content: unknown) => {
  const f = path.join(files, name);
  writeFileSync(f, JSON.stringify(content));
  return f;
};

beforeAll(async () => {
  h = await startApiHarness('review');
  h.tokens.amrOffice = await signToken(TEST_JWT_SECRET, { actor: sampleEnforcementActor, authority: 'shifan-amr' });
  h.tokens.amrReviewer = await signToken(TEST_JWT_SECRET, { actor: sampleLegalReviewer, authority: 'shifan-amr' });
});

afterAll(async () => {
  await h?.stop();
});

/** The case as the office posts it: without `submittedBy` (the token says who submits). */
const caseBody = (caseId: string) => {
  const { submittedBy: _s, ...rest } = sampleLegalReviewCase(caseId);
  return rest;
};
const opinion = (result: 'passed' | 'notPassed', reasons: string[] = []) => ({ round: 1, result, reasons, reference: '示市监法审〔2026〕9号' });
const eventsOf = async (caseId: string) => (await recordOf(h.db, 'enforcement', caseId)).map((e) => e.event);
const decision = () => ({ documentNumber: '示市监罚〔2026〕21号', decidedOn: shanghaiDate(Date.now()) });

describe('legal review over the API and the CLI', () => {
  it('takes a case from the office, an opinion from the legal body, and a passed decision into publication, in one record', async () => {
    const caseId = uniqueId('lr-api');
    // Who submits is the token holder; another authority's office, a reviewer, or a body naming the submitter are refused.
    expect((await h.call('POST', '/enforcement-reviews', 'amrOffice', { ...caseBody(caseId), submittedBy: sampleEnforcementActor })).status).toBe(400);
    expect((await h.call('POST', '/enforcement-reviews', 'amrReviewer', caseBody(caseId))).status).toBe(403);
    expect((await h.call('POST', '/enforcement-reviews', 'undertakingUnit', caseBody(caseId))).status).toBe(403);
    const started = await h.call('POST', '/enforcement-reviews', 'amrOffice', caseBody(caseId));
    expect(started.status).toBe(201);
    expect(started.json).toMatchObject({ caseId, workflowId: `enforcement-${caseId}` });

    const status = await h.call('GET', `/enforcement-reviews/${caseId}`, 'amrReviewer');
    expect(status.status).toBe(200);
    expect(status.json).toMatchObject({ stage: 'legalReview', state: 'awaitingReview', legalBody: '示范市市场监督管理局法规科' });

    // Not reviewed: the decision may not be made (未经法制审核…不得作出决定), over the API and in the CLI (exit 5).
    const early = await h.call('POST', `/enforcement-reviews/${caseId}/actions/decideEnforcement`, 'amrOffice', { requestId: uniqueId('req'), ...decision() });
    expect(early.status).toBe(409);
    expect(early.text).toContain('未经法制审核');
    // The office may not give the opinion on its own case.
    expect((await h.call('POST', `/enforcement-reviews/${caseId}/actions/completeLegalReview`, 'amrOffice', { requestId: uniqueId('req'), ...opinion('passed') })).status).toBe(403);

    const given = await h.cli('amrReviewer', 'review', 'submit', caseId, 'completeLegalReview', '-f', file('opinion.json', opinion('passed')));
    expect(given.code).toBe(0);
    expect(given.stdout).toMatch(/^#\d+ /);
    const decided = await h.cli('amrOffice', 'review', 'submit', caseId, 'decideEnforcement', '-f', file('decide.json', decision()));
    expect(decided.code).toBe(0);
    expect(decided.stdout).toContain('round 1 passed');

    await until('the case in publication', 20_000, async () => (await h.cli('amrOffice', 'review', 'status', caseId)).stdout.includes('decided, in publication'));
    // The review is closed once decided.
    const late = await h.call('POST', `/enforcement-reviews/${caseId}/actions/withdrawLegalReview`, 'amrOffice', { requestId: uniqueId('req'), reason: '撤回' });
    expect(late.status).toBe(409);

    // One record: submission, opinion and decision, then the publication deadline, the chain verified.
    await until('the publication deadline in the record', 20_000, async () => (await eventsOf(caseId)).some((e) => e.type === 'deadlineSet' && e.deadline?.rule === 'licensingPenaltyPublication'));
    const types = (await eventsOf(caseId)).map((e) => e.type);
    expect(types.indexOf('legalReviewSubmitted')).toBe(0);
    expect(types.indexOf('legalReviewOpinion')).toBeLessThan(types.indexOf('enforcementDecisionRecorded'));
    expect(types).toContain('enforcementDecisionRefused');
    expect((await verifyRecord(h.db, 'enforcement', caseId)).chainOk).toBe(true);
    expect((await getDecision(h.db, 'enforcement', caseId))?.authority).toBe('shifan-amr');
  });

  it('refuses a decision that did not pass: 409 over the API, exit 5 in the CLI, with the problems found', async () => {
    const caseId = uniqueId('lr-api-fail');
    expect((await h.call('POST', '/enforcement-reviews', 'amrOffice', caseBody(caseId))).status).toBe(201);
    const no = await h.call('POST', `/enforcement-reviews/${caseId}/actions/completeLegalReview`, 'amrReviewer', { requestId: uniqueId('req'), ...opinion('notPassed', ['证据不足：缺少货值金额的认定依据']) });
    expect(no.status).toBe(200);
    const refused = await h.cli('amrOffice', 'review', 'submit', caseId, 'decideEnforcement', '-f', file('decide2.json', decision()));
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('审核未通过');
    expect(refused.stderr).toContain('证据不足');
    const s = await h.call('GET', `/enforcement-reviews/${caseId}`, 'amrOffice');
    expect(s.json).toMatchObject({ state: 'notPassed' });
    expect((await h.call('POST', `/enforcement-reviews/${caseId}/actions/withdrawLegalReview`, 'amrOffice', { requestId: uniqueId('req'), reason: '重新调查' })).status).toBe(200);
  });

  it('lists the review routes, with their roles and basis, in the OpenAPI document', async () => {
    const doc = (await h.call('GET', '/openapi.json')).json as { paths: Record<string, { post?: { description?: string } }> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/enforcement-reviews', '/enforcement-reviews/{id}', '/enforcement-reviews/{id}/actions/decideEnforcement']));
    expect(doc.paths['/enforcement-reviews/{id}/actions/completeLegalReview']!.post!.description).toBe('For enforcementLegalReviewer (国办发〔2018〕118号; seed 003 二(四)1、3).');
  });
});
