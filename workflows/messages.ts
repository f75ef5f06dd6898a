/**
 * The messages a decision workflow answers: one Update per step result, and the `status` query.
 * Shared by the workflow and the client, so both sides agree on names and types.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { z } from 'zod';
import type { EnforcementStatus, NoticeAck, PublishNotice, TakeDown } from '../domain/enforcement';
import type { RuleSet } from '../domain/rules';
import type * as S from '../domain/schemas';
import type { DecisionRecordView } from './decisionRecord';

type In<T extends z.ZodType> = z.infer<T>;
const action = <T extends z.ZodType>(name: string) => defineUpdate<S.StepAck, [In<T>]>(name);

/** What starts a majorDecision: the proposal and the rule set pinned for it. */
export interface StartDecision {
  proposal: S.ProposalInput;
  rules: RuleSet;
}

export const statusQuery = defineQuery<S.DecisionStatus>('status');
/** The procedure record so far: each event with time, actor, step, draft version and the rule it applied. */
export const recordQuery = defineQuery<DecisionRecordView>('record');

/** 公众参与 (arts. 14-18). */
export const openConsultation = action<typeof S.OpenConsultationSchema>('openConsultation');
export const recordComments = action<typeof S.RecordCommentsSchema>('recordComments');
export const scheduleHearing = action<typeof S.ScheduleHearingSchema>('scheduleHearing');
export const recordHearing = action<typeof S.RecordHearingSchema>('recordHearing');
export const completePublicParticipation = action<typeof S.PublicParticipationReportSchema>('completePublicParticipation');
/** 专家论证 (arts. 19-21). */
export const submitExpertOpinion = action<typeof S.ExpertOpinionSchema>('submitExpertOpinion');
export const completeExpertReview = action<typeof S.CompleteExpertReviewSchema>('completeExpertReview');
/** 风险评估 (arts. 22-24). */
export const completeRiskAssessment = action<typeof S.RiskAssessmentSchema>('completeRiskAssessment');
/** A new draft version (arts. 24, 28, 30). */
export const submitDraftVersion = action<typeof S.DraftVersionSchema>('submitDraftVersion');
/** 合法性审查 (arts. 25-28). */
export const requestLegalityReview = action<typeof S.RequestLegalityReviewSchema>('requestLegalityReview');
export const completeLegalityReview = action<typeof S.LegalityReviewSchema>('completeLegalityReview');
/** 集体讨论决定 (arts. 29-31). */
export const recordCollectiveDecision = action<typeof S.CollectiveDecisionSchema>('recordCollectiveDecision');
export const recordPartyCommitteeReport = action<typeof S.PartyCommitteeReportSchema>('recordPartyCommitteeReport');
/** 公布 (art. 32). */
export const recordPublication = action<typeof S.PublicationSchema>('recordPublication');
/** After the decision (arts. 34-37), and withdrawal before it. */
export const reportExecution = action<typeof S.ExecutionReportSchema>('reportExecution');
export const recordEvaluation = action<typeof S.EvaluationSchema>('recordEvaluation');
export const suspendExecution = action<typeof S.ReasonedSchema>('suspendExecution');
export const resumeExecution = action<typeof S.ReasonedSchema>('resumeExecution');
export const stopExecution = action<typeof S.StopExecutionSchema>('stopExecution');
export const withdraw = action<typeof S.ReasonedSchema>('withdraw');

/** Sent by `juece calendar announce` once a new year's official schedule is in the calendar folder. */
export const calendarUpdated = defineSignal('calendarUpdated');

export const enforcementStatusQuery = defineQuery<EnforcementStatus>('enforcementStatus');
/** The office hands over the text to publish; the workflow issues the notice. */
export const publishNotice = defineUpdate<NoticeAck, [PublishNotice]>('publishNotice');
/** The decision was revoked, confirmed unlawful or ordered to be remade: take the notice down. */
export const takeDownNotice = defineUpdate<NoticeAck, [TakeDown]>('takeDownNotice');
