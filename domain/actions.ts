/**
 * Each action (an Update of the majorDecision workflow, named as in roles.ts) with the schema of its input: what the
 * HTTP API and the OpenAPI document are built from.
 */
import type { z } from 'zod';
import type { ActionName } from './roles';
import * as S from './schemas';

export const ACTION_INPUTS: Record<ActionName, z.ZodType> = {
  openConsultation: S.OpenConsultationSchema,
  recordComments: S.RecordCommentsSchema,
  scheduleHearing: S.ScheduleHearingSchema,
  recordHearing: S.RecordHearingSchema,
  completePublicParticipation: S.PublicParticipationReportSchema,
  submitExpertOpinion: S.ExpertOpinionSchema,
  completeExpertReview: S.CompleteExpertReviewSchema,
  completeRiskAssessment: S.RiskAssessmentSchema,
  submitDraftVersion: S.DraftVersionSchema,
  requestLegalityReview: S.RequestLegalityReviewSchema,
  completeLegalityReview: S.LegalityReviewSchema,
  recordCollectiveDecision: S.CollectiveDecisionSchema,
  recordPartyCommitteeReport: S.PartyCommitteeReportSchema,
  recordPublication: S.PublicationSchema,
  reportExecution: S.ExecutionReportSchema,
  recordEvaluation: S.EvaluationSchema,
  suspendExecution: S.ReasonedSchema,
  resumeExecution: S.ReasonedSchema,
  stopExecution: S.StopExecutionSchema,
  withdraw: S.ReasonedSchema,
};
