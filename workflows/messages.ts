/**
 * The messages a decision workflow answers: one Update per step result, and the `status` query.
 * Shared by the workflow and the client, so both sides agree on names and types.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  CollectiveDecision,
  DecisionStatus,
  ExpertReview,
  LegalityReview,
  OpenConsultation,
  Publication,
  PublicParticipationReport,
  RiskAssessment,
  StepAck,
} from '../domain/schemas';
import type { EnforcementStatus, NoticeAck, PublishNotice, TakeDown } from '../domain/enforcement';

export const statusQuery = defineQuery<DecisionStatus>('status');

/** 公开征求意见: the undertaking unit opens the public consultation (art. 15). */
export const openConsultation = defineUpdate<StepAck, [OpenConsultation]>('openConsultation');
/** 公众参与 report on comments and their adoption (arts. 18, 29). */
export const completePublicParticipation = defineUpdate<StepAck, [PublicParticipationReport]>('completePublicParticipation');
/** 专家论证 opinions (arts. 19-21). */
export const completeExpertReview = defineUpdate<StepAck, [ExpertReview]>('completeExpertReview');
/** 风险评估 report and verdict (arts. 22-24). */
export const completeRiskAssessment = defineUpdate<StepAck, [RiskAssessment]>('completeRiskAssessment');
/** 合法性审查 opinion (arts. 25-28). */
export const completeLegalityReview = defineUpdate<StepAck, [LegalityReview]>('completeLegalityReview');
/** 集体讨论决定 meeting result (arts. 29-31). */
export const recordCollectiveDecision = defineUpdate<StepAck, [CollectiveDecision]>('recordCollectiveDecision');
/** 公布 (art. 32). */
export const recordPublication = defineUpdate<StepAck, [Publication]>('recordPublication');

/** Sent by `juece calendar announce` once a new year's official schedule is in the calendar folder. */
export const calendarUpdated = defineSignal('calendarUpdated');

export const enforcementStatusQuery = defineQuery<EnforcementStatus>('enforcementStatus');
/** The office hands over the text to publish; the workflow issues the notice. */
export const publishNotice = defineUpdate<NoticeAck, [PublishNotice]>('publishNotice');
/** The decision was revoked, confirmed unlawful or ordered to be remade: take the notice down. */
export const takeDownNotice = defineUpdate<NoticeAck, [TakeDown]>('takeDownNotice');
