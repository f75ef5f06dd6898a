/* FROZEN (v5 and earlier): the code that runs workflows started before the 'lifetime' patch, kept so they and
 * their saved histories replay unchanged. Never edit; new behaviour goes in ../ (see ../majorDecision.ts). */
/**
 * majorDecision: one major administrative decision (重大行政决策) from proposal to publication, archive and
 * execution, following 重大行政决策程序暂行条例 (cited "art. N"). Public participation, expert review and risk
 * assessment run side by side; legality review follows them; only a draft found lawful, whose risk is controllable,
 * reaches the collective decision. Each result is an Update refused, with the rule, by the wrong role, at the wrong
 * step or on a superseded draft. The rule set is pinned in the input, so a later change never touches this run.
 */
import { allHandlersFinished, CancellationScope, condition, isCancellation, patched, sleep, workflowInfo } from '@temporalio/workflow';
import type { NoticeKind } from '../../domain/notices';
import { COMMENT_PERIOD, LEGALITY_GATE, RISK_GATE, periodEndsAt, shanghaiDate, STEPS, type StepName } from '../../domain/procedure';
import { RuleSetSchema } from '../../domain/rules';
import * as S from '../../domain/schemas';
import type { DeadlineSpec } from '../../domain/schemas';
import { DecisionRecord, refuse } from './decisionRecord';
import { io, parseInput } from '../io';
import * as msg from '../messages';
import { defineUpdate } from '@temporalio/workflow';

/** Comment counts, as runs of this version were told them (new runs leave the count in the comment store). */
const legacyRecordComments = defineUpdate<S.StepAck, [S.RecordComments]>('recordComments');

export async function legacyMajorDecision(input: msg.StartDecision): Promise<S.DecisionStatus> {
  const proposal = parseInput(S.ProposalSchema, input?.proposal, 'proposal', 'InvalidProposal');
  const rules = parseInput(RuleSetSchema, input?.rules, 'rule set', 'InvalidRuleSet');
  const d = new DecisionRecord(proposal, rules);
  d.onQueries(msg.statusQuery, msg.recordQuery);
  // The first steps are open from the start, so that a result sent together with the start finds them open
  // (setHandler delivers Updates already waiting the moment it registers).
  d.started();
  const beforeDecision = new CancellationScope();
  acceptResults(d, () => beforeDecision.cancel());

  try {
    await beforeDecision.run(() => upToTheDecision(d));
  } catch (err) {
    if (!(isCancellation(err) && d.status_ === 'withdrawn')) throw err;
  }
  if (d.status_ === 'inProgress') {
    await d.step('partyCommitteeReport');
    await d.step('publication');
    d.archive();
    d.setStatus('inExecution');
    d.open('execution');
    await condition(() => d.status_ === 'stopped');
  } else {
    d.archive();
  }
  await condition(allHandlersFinished);
  await d.flushed();
  return d.status();
}

/** From the proposal to an adopted decision; a rejection ends it, a withdrawal cancels it. */
async function upToTheDecision(d: DecisionRecord): Promise<void> {
  // 公众参与, 专家论证, 风险评估: the statute fixes no order among them (arts. 14-24).
  await Promise.all([publicParticipation(d), d.untilCompleted('expertReview'), d.untilCompleted('riskAssessment')]);
  // (A withdrawal ends the procedure wherever it stands: each wait ends with it, and nothing more opens.)
  for (;;) {
    if (d.closed) return;
    // 合法性审查 (arts. 25-28): the reviewer is given at least the rule set's working days.
    d.open('legalityReview');
    await legalityReview(d);
    if (d.closed) return;
    // 集体讨论决定 (arts. 29-30).
    d.open('collectiveDecision');
    await d.untilCompleted('collectiveDecision');
    if (d.closed) return;
    if (d.headDecision === 'adopt') return;
    if (d.headDecision === 'reject') return d.setStatus('rejected');
    // Revise and resubmit: a new draft version goes back to legality review.
    await condition(() => d.draftVersion > (d.revisionAskedOf ?? 0) || d.closed);
  }
}

async function publicParticipation(d: DecisionRecord): Promise<void> {
  if (d.steps.publicParticipation.state !== 'open') return;
  await condition(() => d.consultation !== undefined || d.closed);
  if (d.closed) return;
  const c = d.consultation!;
  // On the official calendar: a period whose last day is a day off runs to the next working day.
  const spec = await io.computeDeadline({
    rule: 'commentPeriod',
    from: c.openedOn,
    length: c.periodDays,
    urgencyReason: c.urgencyReason,
    jurisdiction: d.proposal.jurisdiction,
  });
  if (d.closed) return; // withdrawn meanwhile
  c.closesAt = new Date(spec.dueAt);
  d.record('deadlineSet', {
    step: 'publicParticipation',
    summary: `comment period ends with ${spec.date}${spec.provisional ? ' (provisional)' : ''}`,
    basis: COMMENT_PERIOD.basis,
    deadline: spec,
  });
  d.setNextDeadline(c.closesAt);
  // The notice gives the period as the official calendar ends it; the period runs whether or not it is out yet.
  const announced = noticesOn()
    ? announce(d, 'consultation', 'publicParticipation', {
        openedOn: c.openedOn,
        closesOn: spec.date,
        periodDays: String(c.periodDays),
        ...(c.urgencyReason ? { urgencyReason: c.urgencyReason } : {}),
      })
    : undefined;
  announced?.catch(() => undefined); // awaited below; a withdrawal meanwhile must not leave it unhandled
  const remaining = c.closesAt.getTime() - Date.now();
  if (remaining > 0) await sleep(remaining);
  d.commentPeriodClosed = true;
  d.setNextDeadline(undefined);
  d.record('commentPeriodClosed', { step: 'publicParticipation', summary: 'comment period closed', basis: COMMENT_PERIOD.basis });
  if (announced) await announced;
  await d.untilCompleted('publicParticipation');
}

async function legalityReview(d: DecisionRecord): Promise<void> {
  for (;;) {
    await condition(() => d.reviewRequestedFor !== undefined || d.lawfulVersion === d.draftVersion || d.closed);
    if (d.closed) return;
    if (d.lawfulVersion === d.draftVersion && d.steps.legalityReview.state === 'completed') return;
    const requestedFor = d.reviewRequestedFor!;
    const spec = await io.computeDeadline({
      rule: 'legalityReviewTime',
      from: shanghaiDate(Date.now()),
      length: d.rules.legalityReviewMinWorkingDays.value,
      jurisdiction: d.proposal.jurisdiction,
    });
    if (d.closed) return; // withdrawn meanwhile
    // Recorded while the review is pending; a reviewer who answered at once needed no reminder of its time.
    if (d.reviewRequestedFor === requestedFor) d.record('deadlineSet', {
      step: 'legalityReview',
      summary: `the reviewer is given until ${spec.date} (${d.rules.legalityReviewMinWorkingDays.value} working days; an earlier answer is welcome)`,
      basis: d.rules.legalityReviewMinWorkingDays.basis,
      draftVersion: requestedFor,
      deadline: spec,
    });
    await condition(() => d.reviewRequestedFor !== requestedFor || d.steps.legalityReview.state === 'completed' || d.closed);
    if (d.steps.legalityReview.state === 'completed') return;
  }
}

/** The Update handlers: each action checked against its rule before it touches the decision. */
function acceptResults(d: DecisionRecord, cancelBeforeDecision: () => void): void {
  const today = () => shanghaiDate(Date.now());

  // 公众参与 (arts. 14-18).
  d.onAction(msg.actions.openConsultation, 'openConsultation', S.OpenConsultationSchema, (c) => {
    d.requireOpen('publicParticipation');
    if (d.consultation) throw refuse('The consultation is already open.');
    const min = d.rules.commentPeriodMinDays;
    const urgency = c.urgencyReason ?? d.proposal.urgency?.reason;
    if (c.periodDays < min.value && !urgency) {
      throw refuse(`A comment period of ${c.periodDays} days is shorter than ${min.value} days and states no urgency (${min.basis}).`);
    }
    if (c.openedOn > today()) throw refuse(`The consultation cannot open in the future (${c.openedOn}).`);
    return () => {
      d.consultation = { ...c, urgencyReason: c.periodDays < min.value ? urgency : c.urgencyReason, closesAt: periodEndsAt(c.openedOn, c.periodDays) };
      const shortened = c.periodDays < min.value ? `, shortened for urgency: ${urgency}` : '';
      return d.ack('consultationOpened', {
        step: 'publicParticipation',
        actor: c.actor,
        summary: `consultation opened on ${c.openedOn} for ${c.periodDays} days${shortened}`,
        basis: min.basis,
      });
    };
  });
  d.onAction(legacyRecordComments, 'recordComments', S.RecordCommentsSchema, (r) => {
    d.requireOpen('publicParticipation');
    if (!d.consultation) throw refuse('The consultation has not been opened yet.');
    return () => d.ack('commentsRecorded', { step: 'publicParticipation', actor: r.actor, summary: `${r.received} comments received so far`, basis: 'art. 18' });
  });
  d.onAction(msg.actions.scheduleHearing, 'scheduleHearing', S.ScheduleHearingSchema, (h) => {
    d.requireOpen('publicParticipation');
    const { hearingWarranted, hearingRequiredByLaw } = d.proposal.flags;
    if (!hearingWarranted && !hearingRequiredByLaw) {
      throw refuse('A hearing is for a matter that directly affects vital interests or on which opinions differ widely (art. 16).');
    }
    if (d.hearing) throw refuse('A hearing is already scheduled.');
    if (h.announcedOn >= h.hearingDate) throw refuse('The hearing must be announced before it is held (art. 17).');
    const days = d.rules.hearingMaterialsDaysBefore;
    const latest = shanghaiDate(Date.parse(`${h.hearingDate}T00:00:00+08:00`) - days.value * 86_400_000);
    if (h.materialsDeliveredOn > latest) {
      throw refuse(`Hearing materials must reach the participants ${days.value} days before the hearing, by ${latest} (${days.basis}).`);
    }
    return () => {
      d.hearing = { ...h, held: false };
      const ack = d.ack('hearingScheduled', {
        step: 'publicParticipation',
        actor: h.actor,
        summary: `hearing on ${h.hearingDate} at ${h.place}, announced ${h.announcedOn}, ${h.participants.length} participants, materials delivered ${h.materialsDeliveredOn}`,
        basis: 'arts. 16-17',
        details: { participants: h.participants, participantSelection: h.participantSelection },
      });
      if (!noticesOn()) return ack;
      const facts = { hearingDate: h.hearingDate, place: h.place, participantSelection: h.participantSelection, materialsDeliveredOn: h.materialsDeliveredOn };
      return announce(d, 'hearing', 'publicParticipation', facts).then(() => ack);
    };
  });
  d.onAction(msg.actions.recordHearing, 'recordHearing', S.RecordHearingSchema, (h) => {
    d.requireOpen('publicParticipation');
    if (!d.hearing) throw refuse('No hearing is scheduled.');
    if (h.heldOn < d.hearing.hearingDate) throw refuse(`The hearing is scheduled for ${d.hearing.hearingDate}.`);
    return () => {
      d.hearing!.held = true;
      return d.ack('hearingHeld', { step: 'publicParticipation', actor: h.actor, summary: `hearing held on ${h.heldOn}; record signed by the participants`, basis: 'art. 17', details: { summary: h.summary } });
    };
  });
  d.onAction(msg.actions.completePublicParticipation, 'completePublicParticipation', S.PublicParticipationReportSchema, (r) => {
    d.requireOpen('publicParticipation');
    if (!d.consultation) throw refuse('The consultation has not been opened yet.');
    if (!d.commentPeriodClosed) throw refuse(`The comment period is open until ${d.consultation.closesAt.toISOString()}.`);
    if (d.hearing && !d.hearing.held) throw refuse(`The hearing of ${d.hearing.hearingDate} has not been recorded as held.`);
    if (d.proposal.flags.hearingRequiredByLaw && !d.hearing) throw refuse('A hearing is required by law for this matter (art. 16).');
    return () => d.complete('publicParticipation', r.actor, `${r.commentsReceived} comments received; report on their adoption filed`, { details: { adoptionReport: r.adoptionReport } });
  });

  // 专家论证 (arts. 19-21).
  d.onAction(msg.actions.submitExpertOpinion, 'submitExpertOpinion', S.ExpertOpinionSchema, (o) => {
    d.requireOpen('expertReview');
    d.requireCurrentDraft(o.draftVersion);
    if (o.directInterest) throw refuse(`${o.actor.name} has a direct interest in the matter and may not take part in the expert review (art. 20).`);
    if (o.signature !== o.actor.name) throw refuse(`The opinion must be signed by its author ${o.actor.name}, not "${o.signature}" (art. 21).`);
    if (d.expertOpinions.has(o.actor.id)) throw refuse(`${o.actor.name} has already given an opinion.`);
    return () => {
      d.expertOpinions.set(o.actor.id, o.draftVersion);
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
  d.onAction(msg.actions.completeExpertReview, 'completeExpertReview', S.CompleteExpertReviewSchema, (r) => {
    d.requireOpen('expertReview');
    if (d.expertOpinions.size === 0) throw refuse('No expert opinion has been given yet (art. 21).');
    return () => d.complete('expertReview', r.actor, `${d.expertOpinions.size} signed expert opinion(s)`, { details: { summary: r.summary } });
  });

  // 风险评估 (arts. 22-24): an uncontrollable risk holds the decision until an adjusted draft is reassessed.
  d.onAction(msg.actions.completeRiskAssessment, 'completeRiskAssessment', S.RiskAssessmentSchema, (r) => {
    d.requireOpen('riskAssessment');
    d.requireCurrentDraft(r.draftVersion);
    if (d.riskNeedsAdjustmentOf === d.draftVersion) {
      throw refuse(`The risk of draft version ${d.draftVersion} was judged uncontrollable: adjust the draft before reassessing (${RISK_GATE.basis}).`);
    }
    return () => {
      d.riskAssessedBy = r.actor.organisation;
      const details = { riskPoints: r.riskPoints, measures: r.measures, contingencyPlan: r.contingencyPlan };
      if (r.verdict === 'controllable') {
        d.riskNeedsAdjustmentOf = undefined;
        return d.complete('riskAssessment', r.actor, `risk controllable (${r.riskPoints.length} risk points)`, { basis: RISK_GATE.basis, details });
      }
      d.riskNeedsAdjustmentOf = d.draftVersion;
      return d.returnStep('riskAssessment', r.actor, 'risk uncontrollable: the draft must be adjusted and reassessed', RISK_GATE.basis, { details });
    };
  });

  // Draft versions.
  d.onAction(msg.actions.submitDraftVersion, 'submitDraftVersion', S.DraftVersionSchema, (v) => {
    if (d.status_ !== 'inProgress' && d.status_ !== 'deferred') throw refuse(`The draft can no longer change: the decision is ${d.status_}.`);
    if (d.drafts.some((x) => x.sha256 === v.sha256)) throw refuse('This draft (same SHA-256) is already recorded.');
    if (d.steps.collectiveDecision.state === 'open' && d.revisionAskedOf === undefined) {
      throw refuse('The draft before the meeting was found lawful; a new version needs the meeting to ask for a revision first.');
    }
    return () => {
      const version = d.draftVersion + 1;
      d.drafts.push({ version, reference: v.reference, sha256: v.sha256, at: new Date().toISOString(), reason: v.reason });
      d.reviewRequestedFor = undefined;
      if (d.steps.legalityReview.state === 'completed' || d.steps.collectiveDecision.state === 'open') {
        // A revised draft goes back to legality review.
        d.steps.collectiveDecision = { state: 'pending', basis: STEPS.collectiveDecision.basis };
        d.steps.legalityReview = { state: 'pending', basis: STEPS.legalityReview.basis };
      }
      return d.ack('draftVersionSubmitted', { actor: v.actor, summary: `draft version ${version}: ${v.reference} (${v.reason})`, draftVersion: version, details: { sha256: v.sha256 } });
    };
  });

  // 合法性审查 (arts. 25-28).
  d.onAction(msg.actions.requestLegalityReview, 'requestLegalityReview', S.RequestLegalityReviewSchema, (r) => {
    d.requireOpen('legalityReview');
    d.requireCurrentDraft(r.draftVersion);
    if (d.reviewRequestedFor === r.draftVersion) throw refuse(`Draft version ${r.draftVersion} is already under review.`);
    if (d.lawfulVersion === r.draftVersion) throw refuse(`Draft version ${r.draftVersion} was already found lawful.`);
    if (d.needsAmendmentOf === r.draftVersion) throw refuse(`Draft version ${r.draftVersion} must be amended before it goes back to review (${LEGALITY_GATE.basis}).`);
    return () => {
      d.reviewRequestedFor = r.draftVersion;
      return d.ack('legalityReviewRequested', { step: 'legalityReview', actor: r.actor, summary: `draft version ${r.draftVersion} sent for legality review with ${r.materials.length} material(s)`, basis: 'art. 26', draftVersion: r.draftVersion, details: { materials: r.materials } });
    };
  });
  d.onAction(msg.actions.completeLegalityReview, 'completeLegalityReview', S.LegalityReviewSchema, (r) => {
    d.requireOpen('legalityReview');
    d.requireCurrentDraft(r.draftVersion);
    if (d.reviewRequestedFor !== r.draftVersion) throw refuse(`Draft version ${r.draftVersion} has not been sent for legality review (art. 26).`);
    return () => {
      const details = { opinion: r.opinion };
      d.reviewRequestedFor = undefined;
      if (r.verdict === 'lawful') {
        d.lawfulVersion = r.draftVersion;
        return d.complete('legalityReview', r.actor, `draft version ${r.draftVersion} found lawful`, { basis: LEGALITY_GATE.basis, details });
      }
      const why = {
        unlawful: 'found unlawful: it may not go to the collective decision',
        lawfulIfAmended: 'lawful if amended: an amended draft goes back to review',
        returnedForMaterials: 'returned: the materials are incomplete',
      }[r.verdict];
      if (r.verdict !== 'returnedForMaterials') d.needsAmendmentOf = r.draftVersion;
      return d.returnStep('legalityReview', r.actor, `draft version ${r.draftVersion} ${why}`, r.verdict === 'returnedForMaterials' ? 'art. 28' : LEGALITY_GATE.basis, { details });
    };
  });

  // 集体讨论决定 (arts. 29-31).
  d.onAction(msg.actions.recordCollectiveDecision, 'recordCollectiveDecision', S.CollectiveDecisionSchema, (m) => {
    d.requireOpen('collectiveDecision');
    d.requireCurrentDraft(m.draftVersion);
    if (d.lawfulVersion !== m.draftVersion) {
      throw refuse(`Draft version ${m.draftVersion} has not been found lawful and may not be discussed (${LEGALITY_GATE.basis}).`);
    }
    if (d.riskNeedsAdjustmentOf !== undefined) throw refuse(`The risk is judged uncontrollable: no decision until it is controllable (${RISK_GATE.basis}).`);
    return () => {
      d.headDecision = m.headDecision;
      d.decidedOn = m.heldOn;
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
        d.revisionAskedOf = m.draftVersion;
        d.setStatus('inProgress');
        return d.returnStep('collectiveDecision', m.actor, summary, 'art. 30', { details });
      }
      d.setStatus('inProgress');
      return d.complete('collectiveDecision', m.actor, summary, { basis: 'arts. 29-30', details });
    };
  });
  d.onAction(msg.actions.recordPartyCommitteeReport, 'recordPartyCommitteeReport', S.PartyCommitteeReportSchema, (r) => {
    d.requireOpen('partyCommitteeReport');
    return () => d.complete('partyCommitteeReport', r.actor, `reported to the party committee on ${r.reportedOn} (${r.reference})`);
  });

  // 公布 (art. 32).
  d.onAction(msg.actions.recordPublication, 'recordPublication', S.PublicationSchema, (p) => {
    d.requireOpen('publication');
    return () => {
      const ack = d.complete('publication', p.actor, `published as ${p.documentNumber} (${p.channel}) on ${p.publishedOn}`, {
        details: p.adoptionExplanation ? { adoptionExplanation: p.adoptionExplanation } : undefined,
      });
      if (!noticesOn()) return ack;
      return announce(d, 'decision', 'publication', { publishedOn: p.publishedOn }, { documentNumber: p.documentNumber, body: p.adoptionExplanation ?? '' }).then(() => ack);
    };
  });

  // After the decision (arts. 34-37).
  d.onAction(msg.actions.reportExecution, 'reportExecution', S.ExecutionReportSchema, (r) => {
    d.requireOpen('execution');
    return () => d.ack('executionReported', { step: 'execution', actor: r.actor, summary: `execution report for ${r.period}`, basis: 'art. 34', details: { summary: r.summary } });
  });
  d.onAction(msg.actions.recordEvaluation, 'recordEvaluation', S.EvaluationSchema, (e) => {
    d.requireOpen('execution');
    if (e.actor.organisation === d.riskAssessedBy) {
      throw refuse(`${e.actor.organisation} did the assessment before the decision and may not evaluate it afterwards (art. 36).`);
    }
    return () => d.ack('evaluationRecorded', { step: 'execution', actor: e.actor, summary: `post-decision evaluation (${e.trigger}) by ${e.actor.organisation}`, basis: 'arts. 35-36', details: { findings: e.findings } });
  });
  d.onAction(msg.actions.suspendExecution, 'suspendExecution', S.ReasonedSchema, (r) => {
    if (d.status_ !== 'inExecution') throw refuse(`Only a decision in execution can be suspended; it is ${d.status_}.`);
    return () => {
      d.setStatus('suspended');
      return d.ack('executionSuspended', { step: 'execution', actor: r.actor, summary: `execution suspended (中止执行): ${r.reason}`, basis: 'art. 37' });
    };
  });
  d.onAction(msg.actions.resumeExecution, 'resumeExecution', S.ReasonedSchema, (r) => {
    if (d.status_ !== 'suspended') throw refuse(`Only a suspended decision can resume; it is ${d.status_}.`);
    return () => {
      d.setStatus('inExecution');
      return d.ack('executionResumed', { step: 'execution', actor: r.actor, summary: `execution resumed: ${r.reason}`, basis: 'art. 37' });
    };
  });
  d.onAction(msg.actions.stopExecution, 'stopExecution', S.StopExecutionSchema, (r) => {
    if (d.status_ !== 'inExecution' && d.status_ !== 'suspended') throw refuse(`Only a decision in execution can be stopped; it is ${d.status_}.`);
    return () => {
      d.steps.execution = { state: 'completed', basis: STEPS.execution.basis };
      d.setStatus('stopped');
      return d.ack('executionStopped', { step: 'execution', actor: r.actor, summary: `execution stopped: ${r.reason} (${r.procedureReference})`, basis: 'art. 37' });
    };
  });
  d.onAction(msg.actions.withdraw, 'withdraw', S.ReasonedSchema, (r) => {
    if (d.status_ !== 'inProgress' && d.status_ !== 'deferred') throw refuse(`Only a decision not yet made can be withdrawn; it is ${d.status_}.`);
    if (d.headDecision === 'adopt') throw refuse('The decision has been adopted; it can only be stopped through the statutory procedure (art. 37).');
    return () => {
      for (const s of d.openSteps()) d.steps[s] = { ...d.steps[s], state: 'pending', note: 'withdrawn' };
      d.setStatus('withdrawn');
      cancelBeforeDecision();
      return d.ack('decisionWithdrawn', { actor: r.actor, summary: `withdrawn before the decision: ${r.reason}`, basis: 'arts. 10, 29' });
    };
  });
}

/** Public notices (公告) from this version on; decisions started earlier replay without them (and unchanged). */
const noticesOn = () => patched('public-notices');

/**
 * 公告: renders and delivers a public notice (through an activity), then records when it went out; the decision's
 * own notice is measured against the proactive disclosure period counted from the meeting (政府信息公开条例 art. 26).
 */
async function announce(
  d: DecisionRecord,
  kind: Exclude<NoticeKind, 'enforcement'>,
  step: StepName,
  facts: Record<string, string>,
  o: { documentNumber?: string; body?: string } = {},
): Promise<void> {
  const p = d.proposal;
  const today = shanghaiDate(Date.now());
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
  let deadline: (DeadlineSpec & { workingDaysEarly: number }) | undefined;
  if (kind === 'decision' && d.decidedOn) {
    const spec = await io.computeDeadline({ rule: 'proactiveDisclosure', from: d.decidedOn, jurisdiction: p.jurisdiction });
    deadline = { ...spec, workingDaysEarly: await io.workingDaysEarly({ jurisdiction: spec.jurisdiction, deadlineDate: spec.date, doneOn: today }) };
  }
  const timing = deadline
    ? `, ${deadline.workingDaysEarly >= 0 ? `${deadline.workingDaysEarly} working day(s) before` : `${-deadline.workingDaysEarly} working day(s) after`} the disclosure deadline ${deadline.date}`
    : '';
  d.record('noticePublished', { step, summary: `notice 《${delivered.title}》 published on ${today}${timing}`, basis: deadline?.basis, deadline });
}
