/**
 * enforcementLegalReview: a major enforcement decision's legal review (重大执法决定法制审核, 国办发〔2018〕118号;
 * seed 003 二(四)). The office submits the proposed decision with its materials; the office's legal review body gives
 * its written opinion within the review time limit (DEADLINE_RULES.enforcementLegalReview, held with reminders,
 * overdue and escalation, counted again from each resubmission); not passed or supplement materials, the office
 * submits again, each round recorded. Only a passed proposal can be decided: the decision then continues as new into
 * enforcementPublication under the same workflow id, carrying the case's one record into its 7/20 working-day
 * publication. A decision not reviewed or not passed is refused with the reason, recorded, and nothing changes.
 */
import { allHandlersFinished, condition, makeContinueAsNewFunc, setHandler, sleep } from '@temporalio/workflow';
import { REVIEW_ACTIONS, reviewRoleRefusal, type ReviewActionName } from '../domain/actions';
import type { EnforcementDecision, NoticeAck } from '../domain/enforcement';
import {
  LEGAL_REVIEW_BASIS,
  LegalReviewCaseSchema,
  MAJOR_GROUNDS,
  REVIEW_RESULTS,
  type LegalReviewState,
  type LegalReviewStatus,
  type ReviewMaterials,
} from '../domain/enforcementReview';
import { shanghaiDate } from '../domain/procedure';
import type { Actor } from '../domain/schemas';
import type { enforcementPublication } from './enforcementPublication';
import { parseInput } from './io';
import { legalReviewStatusQuery, reviewActions } from './messages';
import { ProcedureRecord, refuse } from './procedureRecord';

type Round = LegalReviewStatus['rounds'][number];

/** The case's record while in review: its state is the review's; it has no steps. */
class ReviewRecord extends ProcedureRecord {
  state: LegalReviewState = 'awaitingReview';
  protected where() {
    return { status: this.state, openSteps: [] };
  }
}

const toPublication = makeContinueAsNewFunc<typeof enforcementPublication>({ workflowType: 'enforcementPublication' });

export async function enforcementLegalReview(input: unknown): Promise<LegalReviewStatus> {
  const c = parseInput(LegalReviewCaseSchema, input, 'legal review case', 'InvalidLegalReviewCase');
  const rec = new ReviewRecord('enforcement', c.caseId, c.authority.code);
  const rounds: Round[] = [];
  let decision: EnforcementDecision | undefined;
  const today = () => shanghaiDate(Date.now());
  const current = () => rounds.at(-1)!;

  const status = (): LegalReviewStatus => ({
    stage: 'legalReview',
    caseId: c.caseId,
    authority: c.authority,
    office: c.office,
    legalBody: c.legalBody,
    kind: c.kind,
    title: c.title,
    state: rec.state,
    rounds: rounds.map((r) => ({ ...r })),
    history: rec.entries(),
  });
  setHandler(legalReviewStatusQuery, status);

  /** The role, and the body the actor works in, as the action needs them. */
  const who = (action: ReviewActionName, actor: Actor) => {
    const wrongRole = reviewRoleRefusal(action, actor.role);
    if (wrongRole) throw refuse(wrongRole);
    const body = action === 'completeLegalReview' ? c.legalBody : c.office;
    if (actor.organisation !== body) throw refuse(`${action} is for ${body}, not ${actor.organisation}.`);
  };
  const closed = () => {
    if (rec.state === 'withdrawn') throw refuse('The proposed decision was withdrawn.');
    if (decision) throw refuse(`The decision ${decision.documentNumber} is already made.`);
  };
  const submit = (materials: ReviewMaterials, by: Actor, response?: string) => {
    const round = rounds.length + 1;
    rounds.push({ round, submittedOn: today(), submittedBy: by.id });
    rec.state = 'awaitingReview';
    return rec.record('legalReviewSubmitted', {
      actor: by,
      summary: `${c.office}: ${c.title}, round ${round} submitted to ${c.legalBody} for legal review`,
      basis: LEGAL_REVIEW_BASIS,
      details: { title: c.title, kind: c.kind, round, undertakingUnit: c.office, legalBody: c.legalBody, materials, ...(response ? { response } : {}), ...(round === 1 ? { grounds: c.grounds.map((g) => MAJOR_GROUNDS[g]) } : {}) },
    });
  };

  rec.onUpdate(reviewActions.resubmitForLegalReview, REVIEW_ACTIONS.resubmitForLegalReview.schema, (r) => {
    who('resubmitForLegalReview', r.actor);
    closed();
    if (rec.state === 'awaitingReview') throw refuse(`Round ${current().round} is still under review.`);
    if (rec.state === 'passed') throw refuse(`Round ${current().round} passed the review: the decision can be made.`);
    return (): NoticeAck => {
      const e = submit(r.materials, r.actor, r.response);
      return { seq: e.seq, summary: e.summary };
    };
  });

  rec.onUpdate(reviewActions.completeLegalReview, REVIEW_ACTIONS.completeLegalReview.schema, (o) => {
    who('completeLegalReview', o.actor);
    closed();
    if (rec.state !== 'awaitingReview') throw refuse(`Round ${current().round} already has its opinion (${rec.state}); the office has not submitted again.`);
    if (o.round !== current().round) throw refuse(`Round ${current().round} is under review, not round ${o.round}.`);
    if (rounds.some((r) => r.submittedBy === o.actor.id)) throw refuse(`${o.actor.name} submitted this case and may not review it.`);
    return (): NoticeAck => {
      const r = current();
      Object.assign(r, { result: o.result, reasons: o.reasons, reviewedOn: today(), reviewer: o.actor.id });
      rec.state = o.result === 'passed' ? 'passed' : o.result === 'notPassed' ? 'notPassed' : 'supplementRequested';
      const summary = `${c.legalBody}: round ${r.round} ${REVIEW_RESULTS[o.result]}${o.reasons.length ? `: ${o.reasons.join('; ')}` : ''} (${o.reference})`;
      const e = rec.record('legalReviewOpinion', { actor: o.actor, summary, basis: LEGAL_REVIEW_BASIS, details: { round: r.round, result: o.result, reasons: o.reasons, reference: o.reference } });
      return { seq: e.seq, summary };
    };
  });

  rec.onUpdate(reviewActions.decideEnforcement, REVIEW_ACTIONS.decideEnforcement.schema, (d) => {
    who('decideEnforcement', d.actor);
    closed();
    if (rec.state === 'passed') {
      const passedOn = current().reviewedOn!;
      if (d.decidedOn < passedOn) throw refuse(`The decision cannot be dated ${d.decidedOn}, before the review passed on ${passedOn}.`);
      if (d.decidedOn > today()) throw refuse(`The decision cannot be dated in the future (${d.decidedOn}).`);
      return (): NoticeAck => {
        decision = {
          caseId: c.caseId,
          authority: c.authority,
          office: c.office,
          kind: c.kind,
          title: c.title,
          documentNumber: d.documentNumber,
          decidedOn: d.decidedOn,
          jurisdiction: c.jurisdiction,
          ...(d.displayUntil ? { displayUntil: d.displayUntil } : {}),
        };
        // The next run records the decision first: it is the case's next event.
        return { seq: rec.events + 1, summary: `decision ${d.documentNumber} made on ${d.decidedOn} after round ${current().round} passed; its publication deadline follows` };
      };
    }
    // Not reviewed, or not passed: refused with the reason, and the refusal recorded; nothing else changes.
    const why =
      rec.state === 'awaitingReview'
        ? `round ${current().round} has not been reviewed yet (未经法制审核)`
        : rec.state === 'notPassed'
          ? `round ${current().round} did not pass the review (审核未通过): ${current().reasons!.join('; ')}`
          : `the legal body asked for supplementary materials in round ${current().round} (未经法制审核): ${current().reasons!.join('; ')}`;
    const reason = `The decision ${d.documentNumber} may not be made: ${why} (${LEGAL_REVIEW_BASIS}).`;
    return async (): Promise<NoticeAck> => {
      rec.record('enforcementDecisionRefused', { actor: d.actor, summary: reason, basis: LEGAL_REVIEW_BASIS, details: { documentNumber: d.documentNumber, state: rec.state, round: current().round } });
      throw refuse(reason);
    };
  });

  rec.onUpdate(reviewActions.withdrawLegalReview, REVIEW_ACTIONS.withdrawLegalReview.schema, (w) => {
    who('withdrawLegalReview', w.actor);
    closed();
    return (): NoticeAck => {
      rec.state = 'withdrawn';
      const e = rec.record('legalReviewWithdrawn', { actor: w.actor, summary: `${c.office} withdrew the proposed decision: ${w.reason}`, basis: LEGAL_REVIEW_BASIS });
      return { seq: e.seq, summary: e.summary };
    };
  });

  submit(c.materials, c.submittedBy);
  const over = () => rec.state === 'withdrawn' || decision !== undefined;
  while (!over()) {
    const r = current();
    if (r.result === undefined) {
      await rec.deadlines.hold(
        `legalReview-${r.round}`,
        { rule: 'enforcementLegalReview', from: r.submittedOn, jurisdiction: c.jurisdiction, reminderWorkingDays: c.reminderWorkingDays },
        {
          mode: 'deadline',
          escalateTo: `the head of ${c.authority.name}`,
          doneOn: () => r.reviewedOn,
          lifted: () => rec.state === 'withdrawn',
          onSet: (spec) => void (r.deadline = spec),
        },
      );
    }
    // An opinion is in: the office decides (passed), submits again, or withdraws.
    await condition(() => over() || rounds.length > r.round);
  }
  await condition(allHandlersFinished);
  if (decision) {
    // As majorDecision continues as new: publishing paused after the batch in flight, nothing running, and from a
    // timer's own activation, so that the new run is the last command; what is still waiting goes to the new run.
    const quiet = () => allHandlersFinished() && rec.busy === 0 && rec.publishingIdle;
    rec.pausePublishing();
    await condition(quiet);
    await sleep(1);
    await condition(quiet);
    return toPublication(decision, rec.carry());
  }
  await rec.flushed();
  return status();
}
