/**
 * majorDecision: one major administrative decision (重大行政决策) from proposal to publication, archive and
 * execution, following 重大行政决策程序暂行条例 (cited "art. N"). Public participation, expert review and risk
 * assessment run side by side; legality review follows them; only a draft found lawful, whose risk is controllable,
 * reaches the collective decision. Each result is an Update refused, with the rule, by the wrong role, at the wrong
 * step or on a superseded draft. The rule set is pinned in the input, so a later change never touches this run.
 *
 * A decision lives for years: the workflow continues as new when it enters execution and whenever Temporal suggests
 * it (or a run has taken many actions), carrying where it stands; the procedure below is written over that state,
 * so a new run picks it up wherever the last one stopped.
 */
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { catalogWorkflowId } from '../domain/catalog';
import * as As from '../domain/assignments';
import { decisionParties, expertCheckRefusal, type ExpertCheck } from '../domain/assignments';
import { REMINDER_WORKING_DAYS } from '../domain/deadlines';
import type { NoticeKind } from '../domain/notices';
import { COMMENT_PERIOD_OPEN, LEGALITY_GATE, RISK_GATE, shanghaiDate, STEPS, type StepName } from '../domain/procedure';
import { RuleSetSchema } from '../domain/rules';
import * as S from '../domain/schemas';
import { CarriedDecisionSchema, DecisionRecord, refuse, type CarriedDecision } from './decisionRecord';
import { arithmetic, io, parseInput } from './io';
import { legacyMajorDecision } from './legacy/majorDecision';
import * as msg from './messages';
import { since } from './patches';

/** Runs started before this patch (v5 and earlier) go on in the frozen code they started with. */
export const LIFETIME_PATCH = 'lifetime';
/**
 * A consultation opens with its public notice (art. 15): an opening day before today is refused unless it records
 * one held elsewhere (补录), with its notice. Runs that accepted a backdated opening before this replay as they ran.
 */
export const RETROACTIVE_CONSULTATION_PATCH = 'retroactive-consultation';
/**
 * A decision tells its catalog of decision matters that it started (Decree 713 art. 3), from its own first workflow
 * task: durable, where the client's Update after the start was lost if the client stopped in between.
 */
export const CATALOG_TOLD_BY_DECISION_PATCH = 'catalog-told-by-decision';
/** A run continues as new after this many actions, far below Temporal's 2,000 Updates per run. */
export const ACTIONS_PER_RUN = 500;

export async function majorDecision(input: msg.StartDecision): Promise<S.DecisionStatus> {
  if (!since(LIFETIME_PATCH)) return legacyMajorDecision(input);
  const proposal = parseInput(S.ProposalSchema, input?.proposal, 'proposal', 'InvalidProposal');
  const rules = parseInput(RuleSetSchema, input?.rules, 'rule set', 'InvalidRuleSet');
  const carried =
    input?.carried === undefined ? undefined : (parseInput(CarriedDecisionSchema, input.carried, 'carried state', 'InvalidCarriedState') as unknown as CarriedDecision);
  const d = new DecisionRecord(proposal, rules, carried);
  d.onQueries(msg.statusQuery, msg.recordQuery);
  // The first steps are open from the start, so that a result sent together with the start finds them open
  // (setHandler delivers Updates already waiting the moment it registers).
  if (carried) d.resumed();
  else {
    d.started();
    if (since(CATALOG_TOLD_BY_DECISION_PATCH)) tellCatalog(proposal);
  }
  const beforeDecision = new CancellationScope();
  acceptResults(d, () => beforeDecision.cancel());

  let finished = false;
  let atBoundary = false;
  const procedure = runProcedure(d, beforeDecision, () => (atBoundary = true)).then(() => (finished = true));
  // Continue as new at a quiet moment: no handler running, no activity in flight (an activity a closed run leaves
  // behind is wasted work, and wedges the time-skipping test server). Publishing pauses after the batch in flight;
  // the events still waiting go to the new run, which publishes them first.
  const due = () => atBoundary || workflowInfo().continueAsNewSuggested || d.actionsThisRun >= ACTIONS_PER_RUN;
  const quiet = () => allHandlersFinished() && d.busy === 0 && d.publishingIdle;
  for (;;) {
    await Promise.race([procedure, condition(due)]);
    if (finished) break;
    d.pausePublishing();
    await Promise.race([procedure, condition(quiet)]);
    if (finished) break;
    // From a timer's own activation: Updates that arrive with it are handled first (they come before timers in an
    // activation), so no Update is accepted after the new run is asked for (which must be the last command).
    await Promise.race([procedure, sleep(1)]);
    if (finished) break;
    // Quiet again once every job of that activation is done: the state carried is the state the record shows.
    await Promise.race([procedure, condition(quiet)]);
    if (finished) break;
    await continueAsNew<typeof majorDecision>({ proposal, rules, carried: d.carryDecision() });
  }
  await condition(allHandlersFinished);
  await d.flushed();
  return d.status();
}

/**
 * Signals the catalog the decision names (its item, or this year's catalog for a matter outside it, with the reason).
 * The client checked the item before the start; an authority without a catalog, or one closed meanwhile, has
 * nothing to be told (the signal fails, and the decision stands: its record says which item it named).
 */
function tellCatalog(p: S.Proposal): void {
  const ref = p.inCatalog;
  if (ref === true) return; // a proposal made before catalogs were kept
  const year = typeof ref === 'object' ? ref.year : Number(shanghaiDate(Date.now()).slice(0, 4));
  const named = typeof ref === 'object' ? { itemId: ref.itemId } : { offCatalogReason: p.offCatalogReason ?? '' };
  const started = { requestId: `decision-${p.decisionId}`, decisionId: p.decisionId, title: p.title, ...named };
  getExternalWorkflowHandle(catalogWorkflowId(p.authority.code, year))
    .signal(msg.catalogDecisionStartedSignal, started)
    .catch(() => undefined);
}

/** The procedure, over the decision's state: a new run picks it up wherever the last one stopped. */
async function runProcedure(d: DecisionRecord, beforeDecision: CancellationScope, enteredExecution: () => void): Promise<void> {
  const beforeTheDecision = () => (d.status_ === 'inProgress' || d.status_ === 'deferred') && d.s.headDecision !== 'adopt';
  if (beforeTheDecision()) {
    try {
      await beforeDecision.run(() => upToTheDecision(d));
    } catch (err) {
      if (!(isCancellation(err) && d.status_ === 'withdrawn')) throw err;
    }
  }
  if (d.status_ === 'inProgress' && d.s.headDecision === 'adopt') {
    await Promise.all([publicationDeadline(d), d.step('partyCommitteeReport').then(() => d.step('publication'))]);
    d.archive();
    d.setStatus('inExecution');
    d.openIfPending('execution');
    // Execution may last years: a fresh run for it.
    enteredExecution();
  }
  if (d.status_ === 'inExecution' || d.status_ === 'suspended') await condition(() => d.status_ === 'stopped');
  if (!d.s.archived) d.archive();
}

/** From the proposal to an adopted decision; a rejection ends it, a withdrawal cancels it. */
async function upToTheDecision(d: DecisionRecord): Promise<void> {
  // 公众参与, 专家论证, 风险评估: the statute fixes no order among them (arts. 14-24).
  await Promise.all([publicParticipation(d), d.untilCompleted('expertReview'), d.untilCompleted('riskAssessment')]);
  // (A withdrawal ends the procedure wherever it stands: each wait ends with it, and nothing more opens.)
  for (;;) {
    if (d.closed) return;
    // 合法性审查 (arts. 25-28): the reviewer is given at least the rule set's working days.
    d.openIfPending('legalityReview');
    await legalityReview(d);
    if (d.closed) return;
    // 集体讨论决定 (arts. 29-30).
    d.openIfPending('collectiveDecision');
    await d.untilCompleted('collectiveDecision');
    if (d.closed) return;
    if (d.s.headDecision === 'adopt') return;
    if (d.s.headDecision === 'reject') return d.setStatus('rejected');
    // Revise and resubmit: a new draft version goes back to legality review.
    await condition(() => d.draftVersion > (d.s.revisionAskedOf ?? 0) || d.closed);
  }
}

async function publicParticipation(d: DecisionRecord): Promise<void> {
  if (d.steps.publicParticipation.state !== 'open') return;
  await condition(() => d.s.consultation !== undefined || d.closed);
  if (d.closed) return;
  if (!d.s.commentPeriodClosed) {
    const c = d.s.consultation!;
    let announced: Promise<void> | undefined;
    // On the official calendar: a period whose last day is a day off runs to the next working day.
    await d.deadlines.hold(
      'commentPeriod',
      { rule: 'commentPeriod', from: c.openedOn, length: c.periodDays, urgencyReason: c.urgencyReason, jurisdiction: d.proposal.jurisdiction },
      {
        mode: 'period',
        step: 'publicParticipation',
        lifted: () => d.closed,
        onSet: (spec, recomputed) => {
          c.closesAt = spec.dueAt;
          // The notice gives the period as the official calendar ends it; the period runs whether or not it is out yet.
          if (recomputed || d.s.consultationAnnounced) return;
          const r = c.retroactive;
          const facts = {
            openedOn: c.openedOn,
            closesOn: spec.date,
            periodDays: String(c.periodDays),
            ...(c.urgencyReason ? { urgencyReason: c.urgencyReason } : {}),
            // 补录: the notice says that it records a consultation published elsewhere, and which.
            ...(r ? { retroactiveReference: r.noticeReference, noticeDate: r.noticeDate, ...(r.heldAt ? { heldAt: r.heldAt } : {}) } : {}),
          };
          announced = announce(d, 'consultation', 'publicParticipation', facts).then(() => void (d.s.consultationAnnounced = true));
          announced.catch(() => undefined); // awaited below; a withdrawal meanwhile must not leave it unhandled
        },
      },
    );
    if (d.closed) return;
    d.s.commentPeriodClosed = true;
    d.record('commentPeriodClosed', { step: 'publicParticipation', summary: 'comment period closed', basis: d.rules.commentPeriodMinDays.basis });
    if (announced) await announced;
  }
  await d.untilCompleted('publicParticipation');
}

async function legalityReview(d: DecisionRecord): Promise<void> {
  const reviewed = () => d.s.lawfulVersion === d.draftVersion && d.steps.legalityReview.state === 'completed';
  // A review time handed over by the last run (its opinion perhaps just given) is held on to its end.
  for (const name of d.deadlines.carriedNames('legalityReview:')) holdReviewTime(d, Number(name.split(':')[1]));
  for (;;) {
    await condition(() => d.s.reviewRequestedFor !== undefined || reviewed() || d.closed);
    if (d.closed || reviewed()) return;
    const request = d.s.reviewRequests!;
    if (!d.deadlines.isHeld(`legalityReview:${request}`)) holdReviewTime(d, request);
    await condition(() => reviewed() || d.s.reviewRequests !== request || d.s.reviewRequestedFor === undefined || d.closed);
    if (reviewed()) return;
  }
}

/**
 * The reviewer is given at least so many working days from the request; past them, the review is overdue and
 * escalated. The deadline settles (met or missed) on its own: the procedure goes on the moment the opinion is given.
 */
function holdReviewTime(d: DecisionRecord, request: number): void {
  const answeredOn = () => (d.s.reviewAnswered?.request === request ? d.s.reviewAnswered.on : undefined);
  const superseded = () => d.s.reviewRequests !== request || d.s.reviewRequestedFor === undefined;
  const held = d.deadlines.hold(
    `legalityReview:${request}`,
    {
      rule: 'legalityReviewTime',
      from: d.s.reviewRequestedOn!,
      length: d.rules.legalityReviewMinWorkingDays.value,
      jurisdiction: d.proposal.jurisdiction,
      reminderWorkingDays: [...REMINDER_WORKING_DAYS],
    },
    {
      mode: 'deadline',
      step: 'legalityReview',
      escalateTo: supervisorOf(d),
      doneOn: answeredOn,
      // A new draft before an opinion was given, or the decision withdrawn.
      lifted: () => d.closed || (answeredOn() === undefined && superseded()),
    },
  );
  held.catch(rethrowUnlessCancelled);
}

/** 公布: the adopted decision published within the proactive disclosure period from the meeting (政府信息公开条例 art. 26). */
async function publicationDeadline(d: DecisionRecord): Promise<void> {
  // Already published and settled in an earlier run: nothing is held any more.
  if (d.s.publishedOn && !d.deadlines.carries('publication')) return;
  await d.deadlines.hold(
    'publication',
    { rule: 'proactiveDisclosure', from: d.s.decidedOn!, jurisdiction: d.proposal.jurisdiction, reminderWorkingDays: [...REMINDER_WORKING_DAYS] },
    { mode: 'deadline', step: 'publication', escalateTo: supervisorOf(d), doneOn: () => d.s.publishedOn, lifted: () => d.closed },
  );
}

/** A withdrawal cancels what runs in the background; anything else is a fault that must show. */
function rethrowUnlessCancelled(err: unknown): void {
  if (!isCancellation(err)) throw err;
}

const supervisorOf = (d: DecisionRecord) => `the supervisor of ${d.proposal.authority.name}`;

/** The Update handlers: each action checked against its rule before it touches the decision. */
function acceptResults(d: DecisionRecord, cancelBeforeDecision: () => void): void {
  const today = () => shanghaiDate(Date.now());
  const s = d.s;
  const a = msg.actions;

  // 公众参与 (arts. 14-18).
  d.onAction(a.openConsultation, 'openConsultation', S.OpenConsultationSchema, (c) => {
    d.requireOpen('publicParticipation');
    if (s.consultation) throw refuse('The consultation is already open.');
    const min = d.rules.commentPeriodMinDays;
    const urgency = c.urgencyReason ?? d.proposal.urgency?.reason;
    if (c.periodDays < min.value && !urgency) {
      throw refuse(`A comment period of ${c.periodDays} days is shorter than ${min.value} days and states no urgency (${min.basis}).`);
    }
    if (c.openedOn > today()) throw refuse(`The consultation cannot open in the future (${c.openedOn}).`);
    // 补录: the consultation held elsewhere ran from its notice, which cannot come after the opening day.
    if (c.retroactive && c.retroactive.noticeDate > c.openedOn) {
      throw refuse(`A consultation cannot open before its public notice: the notice ${c.retroactive.noticeReference} is of ${c.retroactive.noticeDate}, after ${c.openedOn} (${min.basis}).`);
    }
    // The period runs from the public notice: no backdating, except the explicit record of one held elsewhere.
    if (c.openedOn < today() && !c.retroactive && d.newRule(RETROACTIVE_CONSULTATION_PATCH)) {
      throw refuse(
        `The consultation cannot open on ${c.openedOn}, before today (${today()}): the comment period runs from its public notice (${min.basis}). ` +
          'A consultation already held elsewhere is recorded as such (补录), with retroactive: { noticeReference, noticeDate }.',
      );
    }
    return () => {
      const retroactive = c.retroactive && since(RETROACTIVE_CONSULTATION_PATCH) ? c.retroactive : undefined;
      // Its closing time comes from the calendar: the comment period's deadline, computed next.
      s.consultation = { ...c, retroactive, urgencyReason: c.periodDays < min.value ? urgency : c.urgencyReason };
      const shortened = c.periodDays < min.value ? `, shortened for urgency: ${urgency}` : '';
      const held = retroactive
        ? ` (补录: retroactive record of the consultation published as ${retroactive.noticeReference} on ${retroactive.noticeDate}${retroactive.heldAt ? ` at ${retroactive.heldAt}` : ''}, recorded on ${today()})`
        : '';
      return d.ack('consultationOpened', {
        step: 'publicParticipation',
        actor: c.actor,
        summary: `consultation opened on ${c.openedOn} for ${c.periodDays} days${shortened}${held}`,
        basis: min.basis,
        ...(retroactive ? { details: { retroactive: { ...retroactive, recordedOn: today() }, recordType: '补录' } } : {}),
      });
    };
  });
  d.onAction(a.scheduleHearing, 'scheduleHearing', S.ScheduleHearingSchema, (h) => {
    d.requireOpen('publicParticipation');
    const { hearingWarranted, hearingRequiredByLaw } = d.proposal.flags;
    if (!hearingWarranted && !hearingRequiredByLaw) {
      throw refuse('A hearing is for a matter that directly affects vital interests or on which opinions differ widely (art. 16).');
    }
    if (s.hearing) throw refuse('A hearing is already scheduled.');
    if (h.announcedOn >= h.hearingDate) throw refuse('The hearing must be announced before it is held (art. 17).');
    return async () => {
      // Materials reach the participants so many days before the hearing, on the official calendar (art. 17).
      const days = d.rules.hearingMaterialsDaysBefore;
      const materials = await arithmetic().computeDeadline({ rule: 'hearingMaterials', from: h.hearingDate, length: days.value, jurisdiction: d.proposal.jurisdiction });
      if (h.materialsDeliveredOn > materials.date) {
        throw refuse(`Hearing materials must reach the participants ${days.value} days before the hearing, by ${materials.date} (${days.basis}).`);
      }
      // Meanwhile the decision may have been withdrawn, or public participation completed.
      d.requireOpen('publicParticipation');
      if (s.hearing) throw refuse('A hearing is already scheduled.');
      s.hearing = { ...h, held: false };
      const ack = d.ack('hearingScheduled', {
        step: 'publicParticipation',
        actor: h.actor,
        summary: `hearing on ${h.hearingDate} at ${h.place}, announced ${h.announcedOn}, ${h.participants.length} participants, materials delivered ${h.materialsDeliveredOn} (by ${materials.date})`,
        basis: 'arts. 16-17',
        deadline: materials,
        details: { participants: h.participants, participantSelection: h.participantSelection },
      });
      const facts = { hearingDate: h.hearingDate, place: h.place, participantSelection: h.participantSelection, materialsDeliveredOn: h.materialsDeliveredOn };
      await announce(d, 'hearing', 'publicParticipation', facts);
      return ack;
    };
  });
  d.onAction(a.recordHearing, 'recordHearing', S.RecordHearingSchema, (h) => {
    d.requireOpen('publicParticipation');
    if (!s.hearing) throw refuse('No hearing is scheduled.');
    if (h.heldOn < s.hearing.hearingDate) throw refuse(`The hearing is scheduled for ${s.hearing.hearingDate}.`);
    return () => {
      s.hearing!.held = true;
      return d.ack('hearingHeld', { step: 'publicParticipation', actor: h.actor, summary: `hearing held on ${h.heldOn}; record signed by the participants`, basis: 'art. 17', details: { summary: h.summary } });
    };
  });
  d.onAction(a.completePublicParticipation, 'completePublicParticipation', S.PublicParticipationReportSchema, (r) => {
    d.requireOpen('publicParticipation');
    if (!s.consultation) throw refuse('The consultation has not been opened yet.');
    if (!s.commentPeriodClosed) throw refuse(`The comment period is open${s.consultation.closesAt ? ` until ${s.consultation.closesAt}` : ''}.`, COMMENT_PERIOD_OPEN);
    if (s.hearing && !s.hearing.held) throw refuse(`The hearing of ${s.hearing.hearingDate} has not been recorded as held.`);
    if (d.proposal.flags.hearingRequiredByLaw && !s.hearing) throw refuse('A hearing is required by law for this matter (art. 16).');
    return () => d.complete('publicParticipation', r.actor, `${r.commentsReceived} comments received; report on their adoption filed`, { details: { adoptionReport: r.adoptionReport } });
  });

  // 专家论证 (arts. 19-21): experts of the pool, checked for a direct interest, asked by name.
  const parties = decisionParties(d.proposal);
  /** The pool's entries for these experts, read now (an activity), or the refusal to ask them. */
  const fromPool = async (ids: string[]) => {
    let check: ExpertCheck;
    try {
      check = await io.checkExpertPool({ authority: d.proposal.authority.code, experts: ids, parties });
    } catch (err) {
      throw refuse(`The expert pool could not be read: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
    }
    const why = expertCheckRefusal(check, d.proposal.authority.code);
    if (why) throw refuse(why);
    return check;
  };
  const notAskedTwice = (ids: string[]) => {
    const again = ids.filter((id) => d.askedExperts().some((e) => e.id === id));
    if (again.length) throw refuse(`Already asked: ${again.join(', ')}.`);
  };
  const poolNote = (c: ExpertCheck) => `from ${c.pool!.title} (revised ${c.pool!.revisedOn}), declared interests checked against ${parties.join(', ')}`;
  d.onAction(a.assignExperts, 'assignExperts', As.AssignExpertsSchema, (x) => {
    d.requireOpen('expertReview');
    notAskedTwice(x.experts);
    return async () => {
      const check = await fromPool(x.experts);
      d.requireOpen('expertReview');
      notAskedTwice(x.experts);
      for (const e of check.experts) d.assignments.experts.push({ id: e.id, name: e.name, organisation: e.organisation, assignedOn: today(), by: x.actor.id });
      return d.ack('expertsAssigned', {
        step: 'expertReview',
        actor: x.actor,
        summary: `asked ${check.experts.map((e) => `${e.name} (${e.id}, ${e.organisation})`).join(', ')} ${poolNote(check)}`,
        basis: As.ASSIGNMENT_BASIS.experts,
        details: { experts: check.experts.map(({ conflicts: _c, ...e }) => e), pool: check.pool, parties },
      });
    };
  });
  d.onAction(a.reassignExpert, 'reassignExpert', As.ReassignExpertSchema, (x) => {
    d.requireOpen('expertReview');
    const from = d.askedExperts().find((e) => e.id === x.from);
    if (!from) throw refuse(`${x.from} is not among the experts asked: ${d.askedExperts().map((e) => e.id).join(', ') || 'none yet'}.`);
    if (s.expertOpinions.some(([id]) => id === x.from)) throw refuse(`${from.name} has given an opinion already: it stands, and is not reassigned.`);
    notAskedTwice([x.to]);
    return async () => {
      const check = await fromPool([x.to]);
      notAskedTwice([x.to]);
      const to = check.experts[0]!;
      from.replaced = { by: to.id, reason: x.reason, on: today() };
      d.assignments.experts.push({ id: to.id, name: to.name, organisation: to.organisation, assignedOn: today(), by: x.actor.id });
      return d.ack('expertReassigned', {
        step: 'expertReview',
        actor: x.actor,
        summary: `${from.name} (${from.id}) replaced by ${to.name} (${to.id}, ${to.organisation}): ${x.reason}; ${poolNote(check)}`,
        basis: As.ASSIGNMENT_BASIS.experts,
        details: { from: from.id, to: (({ conflicts: _c, ...e }) => e)(to), reason: x.reason, pool: check.pool, parties },
      });
    };
  });
  d.onAction(a.submitExpertOpinion, 'submitExpertOpinion', S.ExpertOpinionSchema, (o) => {
    d.requireOpen('expertReview');
    d.requireCurrentDraft(o.draftVersion);
    if (d.rules.assignmentRequired.value && !d.askedExperts().some((e) => e.id === o.actor.id)) {
      const asked = d.askedExperts().map((e) => e.name);
      throw refuse(
        asked.length
          ? `${o.actor.name} is not asked for an opinion on this decision; the experts asked are ${asked.join(', ')} (${d.rules.assignmentRequired.basis}).`
          : `No expert has been asked yet: the undertaking unit asks experts of the pool first (${d.rules.assignmentRequired.basis}).`,
      );
    }
    if (o.directInterest) throw refuse(`${o.actor.name} has a direct interest in the matter and may not take part in the expert review (art. 20).`);
    if (o.signature !== o.actor.name) throw refuse(`The opinion must be signed by its author ${o.actor.name}, not "${o.signature}" (art. 21).`);
    if (s.expertOpinions.some(([id]) => id === o.actor.id)) throw refuse(`${o.actor.name} has already given an opinion.`);
    return () => {
      s.expertOpinions.push([o.actor.id, o.draftVersion]);
      return d.ack('expertOpinionSubmitted', {
        step: 'expertReview',
        actor: o.actor,
        summary: 'signed written opinion, no direct interest declared',
        basis: 'arts. 20-21',
        draftVersion: o.draftVersion,
        details: { opinion: o.opinion },
      });
    };
  });
  d.onAction(a.completeExpertReview, 'completeExpertReview', S.CompleteExpertReviewSchema, (r) => {
    d.requireOpen('expertReview');
    if (s.expertOpinions.length === 0) throw refuse('No expert opinion has been given yet (art. 21).');
    return () => d.complete('expertReview', r.actor, `${s.expertOpinions.length} signed expert opinion(s)`, { details: { summary: r.summary } });
  });

  // 风险评估 (arts. 22-24): an uncontrollable risk holds the decision until an adjusted draft is reassessed.
  d.onAction(a.completeRiskAssessment, 'completeRiskAssessment', S.RiskAssessmentSchema, (r) => {
    d.requireOpen('riskAssessment');
    d.requireCurrentDraft(r.draftVersion);
    if (s.riskNeedsAdjustmentOf === d.draftVersion) {
      throw refuse(`The risk of draft version ${d.draftVersion} was judged uncontrollable: adjust the draft before reassessing (${RISK_GATE.basis}).`);
    }
    return () => {
      s.riskAssessedBy = r.actor.organisation;
      const details = { riskPoints: r.riskPoints, measures: r.measures, contingencyPlan: r.contingencyPlan };
      if (r.verdict === 'controllable') {
        s.riskNeedsAdjustmentOf = undefined;
        return d.complete('riskAssessment', r.actor, `risk controllable (${r.riskPoints.length} risk points)`, { basis: RISK_GATE.basis, details });
      }
      s.riskNeedsAdjustmentOf = d.draftVersion;
      return d.returnStep('riskAssessment', r.actor, 'risk uncontrollable: the draft must be adjusted and reassessed', RISK_GATE.basis, { details });
    };
  });

  // Draft versions.
  d.onAction(a.submitDraftVersion, 'submitDraftVersion', S.DraftVersionSchema, (v) => {
    if (s.status !== 'inProgress' && s.status !== 'deferred') throw refuse(`The draft can no longer change: the decision is ${s.status}.`);
    if (s.drafts.some((x) => x.sha256 === v.sha256)) throw refuse('This draft (same SHA-256) is already recorded.');
    if (d.steps.collectiveDecision.state === 'open' && s.revisionAskedOf === undefined) {
      throw refuse('The draft before the meeting was found lawful; a new version needs the meeting to ask for a revision first.');
    }
    return () => {
      const version = d.draftVersion + 1;
      s.drafts.push({ version, reference: v.reference, sha256: v.sha256, at: new Date().toISOString(), reason: v.reason });
      s.reviewRequestedFor = undefined;
      s.revisionAskedOf = undefined; // the meeting's request for a revision is answered by this draft
      if (d.steps.legalityReview.state === 'completed' || d.steps.collectiveDecision.state === 'open') {
        // A revised draft goes back to legality review.
        d.steps.collectiveDecision = { state: 'pending', basis: STEPS.collectiveDecision.basis };
        d.steps.legalityReview = { state: 'pending', basis: STEPS.legalityReview.basis };
      }
      return d.ack('draftVersionSubmitted', { actor: v.actor, summary: `draft version ${version}: ${v.reference} (${v.reason})`, draftVersion: version, details: { sha256: v.sha256 } });
    };
  });

  // 合法性审查 (arts. 25-28).
  d.onAction(a.requestLegalityReview, 'requestLegalityReview', S.RequestLegalityReviewSchema, (r) => {
    d.requireOpen('legalityReview');
    d.requireCurrentDraft(r.draftVersion);
    if (s.reviewRequestedFor === r.draftVersion) throw refuse(`Draft version ${r.draftVersion} is already under review.`);
    if (s.lawfulVersion === r.draftVersion) throw refuse(`Draft version ${r.draftVersion} was already found lawful.`);
    if (s.needsAmendmentOf === r.draftVersion) throw refuse(`Draft version ${r.draftVersion} must be amended before it goes back to review (${LEGALITY_GATE.basis}).`);
    return () => {
      s.reviewRequestedFor = r.draftVersion;
      s.reviewRequestedOn = today();
      s.reviewRequests = (s.reviewRequests ?? 0) + 1;
      return d.ack('legalityReviewRequested', { step: 'legalityReview', actor: r.actor, summary: `draft version ${r.draftVersion} sent for legality review with ${r.materials.length} material(s)`, basis: 'art. 26', draftVersion: r.draftVersion, details: { materials: r.materials } });
    };
  });
  const reviewerRefusal = (x: { actor: S.Actor; reviewer: As.AssignedReviewer }) => {
    if (x.reviewer.capacity === 'legalAffairsOffice' && x.reviewer.organisation !== x.actor.organisation) {
      return `${x.reviewer.name} of ${x.reviewer.organisation} is not staff of ${x.actor.organisation}: name them as its legal adviser or a public lawyer (art. 27).`;
    }
    if ([d.proposal.undertakingUnit, d.proposal.leadUnit].includes(x.reviewer.organisation)) {
      return `${x.reviewer.name} works for ${x.reviewer.organisation}, which undertakes the draft, and may not review it (arts. 25, 27).`;
    }
    return undefined;
  };
  const capacity = { legalAffairsOffice: '合法性审查机构', legalAdviser: '法律顾问', publicLawyer: '公职律师' } as const;
  d.onAction(a.assignLegalityReviewer, 'assignLegalityReviewer', As.AssignLegalityReviewerSchema, (x) => {
    d.requireOpen('legalityReview');
    const named = s.assignments?.reviewer;
    if (named) throw refuse(`${named.name} is named already; a change of reviewer is a reassignment with its reason.`);
    const why = reviewerRefusal(x);
    if (why) throw refuse(why);
    return () => {
      d.assignments.reviewer = { ...x.reviewer, assignedOn: today(), by: x.actor.id };
      return d.ack('legalityReviewerAssigned', {
        step: 'legalityReview',
        actor: x.actor,
        summary: `${x.reviewer.name} (${x.reviewer.id}, ${x.reviewer.organisation}, ${capacity[x.reviewer.capacity]}) named to review the draft`,
        basis: As.ASSIGNMENT_BASIS.reviewer,
        details: { reviewer: x.reviewer },
      });
    };
  });
  d.onAction(a.reassignLegalityReviewer, 'reassignLegalityReviewer', As.ReassignLegalityReviewerSchema, (x) => {
    d.requireOpen('legalityReview');
    const named = s.assignments?.reviewer;
    if (!named) throw refuse('No reviewer is named yet: name one first (assignLegalityReviewer).');
    if (named.id === x.reviewer.id) throw refuse(`${named.name} is the reviewer named already.`);
    const why = reviewerRefusal(x);
    if (why) throw refuse(why);
    return () => {
      d.assignments.reviewer = { ...x.reviewer, assignedOn: today(), by: x.actor.id };
      return d.ack('legalityReviewerReassigned', {
        step: 'legalityReview',
        actor: x.actor,
        summary: `${named.name} (${named.id}) replaced by ${x.reviewer.name} (${x.reviewer.id}, ${x.reviewer.organisation}, ${capacity[x.reviewer.capacity]}): ${x.reason}`,
        basis: As.ASSIGNMENT_BASIS.reviewer,
        details: { from: named.id, reviewer: x.reviewer, reason: x.reason },
      });
    };
  });
  // 签收: recorded with who and when; never a condition of the opinion.
  d.onAction(a.signForLegalityReview, 'signForLegalityReview', S.SignForReviewSchema, (x) => {
    d.requireOpen('legalityReview');
    d.requireCurrentDraft(x.draftVersion);
    if (s.reviewRequestedFor !== x.draftVersion) throw refuse(`Draft version ${x.draftVersion} has not been sent for legality review (art. 26).`);
    const reviewer = s.assignments?.reviewer;
    if (d.rules.assignmentRequired.value && reviewer && reviewer.id !== x.actor.id) throw refuse(`${reviewer.name} is the reviewer named for this draft, not ${x.actor.name}.`);
    const signed = s.reviewSignedFor;
    if (signed && signed.request === s.reviewRequests) throw refuse(`${signed.by} signed for this draft already (签收).`);
    return () => {
      s.reviewSignedFor = { request: s.reviewRequests!, by: x.actor.name };
      return d.ack('legalityReviewSignedFor', { step: 'legalityReview', actor: x.actor, summary: `draft version ${x.draftVersion} signed for (签收) by ${x.actor.name}`, basis: 'art. 27', draftVersion: x.draftVersion });
    };
  });
  d.onAction(a.completeLegalityReview, 'completeLegalityReview', S.LegalityReviewSchema, (r) => {
    d.requireOpen('legalityReview');
    d.requireCurrentDraft(r.draftVersion);
    if (s.reviewRequestedFor !== r.draftVersion) throw refuse(`Draft version ${r.draftVersion} has not been sent for legality review (art. 26).`);
    const reviewer = s.assignments?.reviewer;
    if (d.rules.assignmentRequired.value && reviewer?.id !== r.actor.id) {
      throw refuse(
        reviewer
          ? `${r.actor.name} is not the reviewer named for this draft: ${reviewer.name} (${capacity[reviewer.capacity]}) is (${d.rules.assignmentRequired.basis}).`
          : `No reviewer is named for this draft yet: the legal-affairs office names one first (${d.rules.assignmentRequired.basis}).`,
      );
    }
    return () => {
      const details = { opinion: r.opinion };
      s.reviewRequestedFor = undefined;
      s.reviewAnswered = { request: s.reviewRequests!, version: r.draftVersion, on: today() };
      if (r.verdict === 'lawful') {
        s.lawfulVersion = r.draftVersion;
        return d.complete('legalityReview', r.actor, `draft version ${r.draftVersion} found lawful`, { basis: LEGALITY_GATE.basis, details });
      }
      const why = {
        unlawful: 'found unlawful: it may not go to the collective decision',
        lawfulIfAmended: 'lawful if amended: an amended draft goes back to review',
        returnedForMaterials: 'returned: the materials are incomplete',
      }[r.verdict];
      if (r.verdict !== 'returnedForMaterials') s.needsAmendmentOf = r.draftVersion;
      return d.returnStep('legalityReview', r.actor, `draft version ${r.draftVersion} ${why}`, r.verdict === 'returnedForMaterials' ? 'art. 28' : LEGALITY_GATE.basis, { details });
    };
  });

  // 集体讨论决定 (arts. 29-31).
  d.onAction(a.recordCollectiveDecision, 'recordCollectiveDecision', S.CollectiveDecisionSchema, (m) => {
    d.requireOpen('collectiveDecision');
    d.requireCurrentDraft(m.draftVersion);
    if (s.lawfulVersion !== m.draftVersion) {
      throw refuse(`Draft version ${m.draftVersion} has not been found lawful and may not be discussed (${LEGALITY_GATE.basis}).`);
    }
    if (s.riskNeedsAdjustmentOf !== undefined) throw refuse(`The risk is judged uncontrollable: no decision until it is controllable (${RISK_GATE.basis}).`);
    return () => {
      s.headDecision = m.headDecision;
      s.decidedOn = m.heldOn;
      const details = {
        meeting: m.meeting,
        participants: m.participants,
        differsFromMajority: m.differsFromMajority,
        reasonForDiffering: m.reasonForDiffering,
        dissent: m.dissent,
        minutes: m.minutes,
      };
      const summary = `${m.meeting} meeting of ${m.heldOn}: the head decided to ${m.headDecision}${m.differsFromMajority ? ` (differing from the majority: ${m.reasonForDiffering})` : ''}; ${m.dissent.length} dissent(s) recorded`;
      if (m.headDecision === 'defer') {
        d.setStatus('deferred');
        return d.ack('decisionDeferred', { step: 'collectiveDecision', actor: m.actor, summary, basis: 'arts. 29-30', draftVersion: m.draftVersion, details });
      }
      if (m.headDecision === 'reviseAndResubmit') {
        s.revisionAskedOf = m.draftVersion;
        d.setStatus('inProgress');
        return d.returnStep('collectiveDecision', m.actor, summary, 'art. 30', { details });
      }
      d.setStatus(m.headDecision === 'reject' ? 'rejected' : 'inProgress');
      return d.complete('collectiveDecision', m.actor, summary, { basis: 'arts. 29-30', details });
    };
  });
  d.onAction(a.recordPartyCommitteeReport, 'recordPartyCommitteeReport', S.PartyCommitteeReportSchema, (r) => {
    d.requireOpen('partyCommitteeReport');
    return () => d.complete('partyCommitteeReport', r.actor, `reported to the party committee on ${r.reportedOn} (${r.reference})`);
  });

  // 公布 (art. 32).
  d.onAction(a.recordPublication, 'recordPublication', S.PublicationSchema, (p) => {
    d.requireOpen('publication');
    return async () => {
      s.publishedOn = p.publishedOn;
      const ack = d.complete('publication', p.actor, `published as ${p.documentNumber} (${p.channel}) on ${p.publishedOn}`, {
        details: p.adoptionExplanation ? { adoptionExplanation: p.adoptionExplanation } : undefined,
      });
      await announce(d, 'decision', 'publication', { publishedOn: p.publishedOn }, { documentNumber: p.documentNumber, body: p.adoptionExplanation ?? '' });
      return ack;
    };
  });

  // After the decision (arts. 34-37).
  d.onAction(a.reportExecution, 'reportExecution', S.ExecutionReportSchema, (r) => {
    d.requireOpen('execution');
    return () => d.ack('executionReported', { step: 'execution', actor: r.actor, summary: `execution report for ${r.period}`, basis: 'art. 34', details: { summary: r.summary } });
  });
  d.onAction(a.recordEvaluation, 'recordEvaluation', S.EvaluationSchema, (e) => {
    d.requireOpen('execution');
    if (e.actor.organisation === s.riskAssessedBy) {
      throw refuse(`${e.actor.organisation} did the assessment before the decision and may not evaluate it afterwards (art. 36).`);
    }
    return () => d.ack('evaluationRecorded', { step: 'execution', actor: e.actor, summary: `post-decision evaluation (${e.trigger}) by ${e.actor.organisation}`, basis: 'arts. 35-36', details: { findings: e.findings } });
  });
  d.onAction(a.suspendExecution, 'suspendExecution', S.ReasonedSchema, (r) => {
    if (s.status !== 'inExecution') throw refuse(`Only a decision in execution can be suspended; it is ${s.status}.`);
    return () => {
      d.setStatus('suspended');
      return d.ack('executionSuspended', { step: 'execution', actor: r.actor, summary: `execution suspended (中止执行): ${r.reason}`, basis: 'art. 37' });
    };
  });
  d.onAction(a.resumeExecution, 'resumeExecution', S.ReasonedSchema, (r) => {
    if (s.status !== 'suspended') throw refuse(`Only a suspended decision can resume; it is ${s.status}.`);
    return () => {
      d.setStatus('inExecution');
      return d.ack('executionResumed', { step: 'execution', actor: r.actor, summary: `execution resumed: ${r.reason}`, basis: 'art. 37' });
    };
  });
  d.onAction(a.stopExecution, 'stopExecution', S.StopExecutionSchema, (r) => {
    if (s.status !== 'inExecution' && s.status !== 'suspended') throw refuse(`Only a decision in execution can be stopped; it is ${s.status}.`);
    return () => {
      d.steps.execution = { state: 'completed', basis: STEPS.execution.basis };
      d.setStatus('stopped');
      return d.ack('executionStopped', { step: 'execution', actor: r.actor, summary: `execution stopped: ${r.reason} (${r.procedureReference})`, basis: 'art. 37' });
    };
  });
  d.onAction(a.withdraw, 'withdraw', S.ReasonedSchema, (r) => {
    if (s.status !== 'inProgress' && s.status !== 'deferred') throw refuse(`Only a decision not yet made can be withdrawn; it is ${s.status}.`);
    if (s.headDecision === 'adopt') throw refuse('The decision has been adopted; it can only be stopped through the statutory procedure (art. 37).');
    return () => {
      for (const step of d.openSteps()) d.steps[step] = { ...d.steps[step], state: 'pending', note: 'withdrawn' };
      d.deadlines.releaseAll();
      d.setStatus('withdrawn');
      cancelBeforeDecision();
      return d.ack('decisionWithdrawn', { actor: r.actor, summary: `withdrawn before the decision: ${r.reason}`, basis: 'arts. 10, 29' });
    };
  });
}

/** 公告: renders and delivers a public notice (through an activity), then records when it went out. */
async function announce(
  d: DecisionRecord,
  kind: Exclude<NoticeKind, 'enforcement'>,
  step: StepName,
  facts: Record<string, string>,
  o: { documentNumber?: string; body?: string } = {},
): Promise<void> {
  const p = d.proposal;
  const today = shanghaiDate(Date.now());
  d.busy++;
  try {
    const delivered = await io.deliverNotice({
      schema: 'juece.notice.v1',
      kind,
      action: 'publish',
      authority: p.authority.code,
      authorityName: p.authority.name,
      subjectId: p.decisionId,
      title: p.title,
      documentNumber: o.documentNumber ?? '',
      body: o.body ?? '',
      facts: { ...facts, date: today },
      at: new Date().toISOString(),
      workflowId: workflowInfo().workflowId,
    });
    d.record('noticePublished', { step, summary: `notice 《${delivered.title}》 published on ${today}` });
  } finally {
    d.busy--;
  }
}
