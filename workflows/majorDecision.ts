/**
 * majorDecision: one major administrative decision (重大行政决策) from proposal to publication and archive,
 * following 重大行政决策程序暂行条例. Each step waits for its result, delivered by an Update whose validator
 * refuses bad input and out-of-turn results without touching the decision.
 */
import { allHandlersFinished, condition, patched, sleep } from '@temporalio/workflow';
import { COMMENT_PERIOD, LEGALITY_GATE, periodEndsAt, RISK_GATE } from '../domain/procedure';
import {
  CollectiveDecisionSchema,
  ExpertReviewSchema,
  LegalityReviewSchema,
  OpenConsultationSchema,
  ProposalSchema,
  PublicationSchema,
  PublicParticipationReportSchema,
  RiskAssessmentSchema,
  type DecisionStatus,
  type ProposalInput,
} from '../domain/schemas';
import { DecisionRecord, refuse } from './decisionRecord';
import { io, parseInput } from './io';
import * as msg from './messages';


export async function majorDecision(input: ProposalInput): Promise<DecisionStatus> {
  const d = new DecisionRecord(parseInput(ProposalSchema, input, 'proposal', 'InvalidProposal'));
  d.onQuery(msg.statusQuery);
  d.started();
  // The first step is open from the start, so that a result sent together with the start finds it open
  // (setHandler delivers Updates already waiting the moment it registers).
  d.open('publicParticipation');
  acceptStepResults(d);

  await d.step('publicParticipation', async () => {
    await condition(() => d.consultation !== undefined);
    const consultation = d.consultation!;
    if (patched('comment-period-on-calendar')) {
      // On the official calendar: a period whose last day is a day off runs to the next working day.
      const spec = await io.computeDeadline({
        rule: 'commentPeriod',
        from: consultation.openedOn,
        length: consultation.periodDays,
        urgencyReason: consultation.urgencyReason,
        jurisdiction: d.proposal.jurisdiction,
      });
      consultation.closesAt = new Date(spec.dueAt);
      d.record('deadlineSet', {
        step: 'publicParticipation',
        summary: `comment period ends with ${spec.date}${spec.provisional ? ' (provisional)' : ''}`,
        basis: COMMENT_PERIOD.basis,
        deadline: spec,
      });
    }
    d.setNextDeadline(consultation.closesAt);
    const remaining = consultation.closesAt.getTime() - Date.now();
    if (remaining > 0) await sleep(remaining);
    d.commentPeriodClosed = true;
    d.setNextDeadline(undefined);
    d.record('commentPeriodClosed', { step: 'publicParticipation', summary: 'comment period closed', basis: COMMENT_PERIOD.basis });
  });
  await d.step('expertReview');
  await d.step('riskAssessment');
  await d.step('legalityReview');
  await d.step('collectiveDecision');
  if (d.outcome === 'adopt') {
    d.record('decisionAdopted', { summary: 'adopted at the collective decision' });
    await d.step('publication');
    d.close('published');
  } else {
    d.close('rejected');
  }
  await condition(allHandlersFinished);
  await d.flushed();
  return d.status();
}

/** The Update handlers: each step's result, checked against the step's rule before it touches the decision. */
function acceptStepResults(d: DecisionRecord): void {
  // 公众参与 (arts. 14-18): open the consultation, hold the comment period, then take the adoption report.
  d.onStep(msg.openConsultation, 'publicParticipation', OpenConsultationSchema, (c) => {
    if (d.consultation) throw refuse('the consultation is already open');
    return () => {
      d.consultation = { ...c, closesAt: periodEndsAt(c.openedOn, c.periodDays) };
      const shortened = c.periodDays < COMMENT_PERIOD.minDays ? `, shortened for urgency: ${c.urgencyReason}` : '';
      return d.recordStep('consultationOpened', {
        step: 'publicParticipation',
        actor: c.actor,
        summary: `consultation opened on ${c.openedOn} for ${c.periodDays} days${shortened}`,
        basis: COMMENT_PERIOD.basis,
      });
    };
  });
  d.onStep(msg.completePublicParticipation, 'publicParticipation', PublicParticipationReportSchema, (r) => {
    if (!d.consultation) throw refuse('the consultation has not been opened yet');
    if (!d.commentPeriodClosed) throw refuse(`the comment period is open until ${d.consultation.closesAt.toISOString()}`);
    return () => d.complete('publicParticipation', r.actor, `${r.commentsReceived} comments received; adoption report filed`);
  });
  // 专家论证 (arts. 19-21).
  d.onStep(msg.completeExpertReview, 'expertReview', ExpertReviewSchema, (r) => () =>
    d.complete('expertReview', r.actor, `${r.opinions.length} signed expert opinion(s)`),
  );
  // 风险评估 (arts. 22-24): an uncontrollable risk keeps the step open until the adjusted draft is reassessed.
  d.onStep(msg.completeRiskAssessment, 'riskAssessment', RiskAssessmentSchema, (r) => () =>
    r.verdict === 'controllable'
      ? d.complete('riskAssessment', r.actor, `risk controllable (${r.riskPoints.length} risk points)`, RISK_GATE.basis)
      : d.returnStep('riskAssessment', r.actor, 'risk uncontrollable: the draft must be adjusted and reassessed', RISK_GATE.basis),
  );
  // 合法性审查 (arts. 25-28): only a lawful draft goes to the meeting.
  d.onStep(msg.completeLegalityReview, 'legalityReview', LegalityReviewSchema, (r) => () =>
    r.verdict === 'lawful'
      ? d.complete('legalityReview', r.actor, 'draft found lawful', LEGALITY_GATE.basis)
      : d.returnStep('legalityReview', r.actor, `verdict ${r.verdict}: the draft may not go to the meeting`, LEGALITY_GATE.basis),
  );
  // 集体讨论决定 (arts. 29-31).
  d.onStep(msg.recordCollectiveDecision, 'collectiveDecision', CollectiveDecisionSchema, (r) => () => {
    d.outcome = r.outcome;
    return d.complete('collectiveDecision', r.actor, `${r.meeting} meeting: ${r.outcome === 'adopt' ? 'adopted' : 'rejected'}`);
  });
  // 公布 (art. 32).
  d.onStep(msg.recordPublication, 'publication', PublicationSchema, (r) => () =>
    d.complete('publication', r.actor, `published as ${r.documentNumber} (${r.channel}) on ${r.publishedOn}`),
  );
}
