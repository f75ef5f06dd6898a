/**
 * The one table of actions: each step result a person may submit to a major decision (an Update of the majorDecision
 * workflow), with the schema of its input, the roles that may take it and the article that gives them the task. The
 * Update definitions (workflows/messages.ts), the client's methods (client/index.ts), the role checks, the HTTP
 * routes and the OpenAPI document are all generated from it. Supervisors (督察, 司法局) read and never act.
 */
import type { z } from 'zod';
import * as As from './assignments';
import * as R from './enforcementReview';
import * as S from './schemas';
import type { Role } from './schemas';
import type { StepName } from './procedure';

interface ActionRule {
  schema: z.ZodType<{ requestId: string; actor: S.Actor }>;
  roles: readonly Role[];
  basis: string;
  /**
   * When it may be taken: while its step is open, or `beforeDecision` (until the decision is made), or `execution`
   * (once it is in execution). The workflow checks it; the workspace offers an action only then.
   */
  when?: StepName | 'beforeDecision' | 'execution';
}

export const ACTIONS = {
  /** 公开征求意见 (art. 15). */
  openConsultation: { schema: S.OpenConsultationSchema, roles: ['undertakingUnit'], basis: 'art. 15', when: 'publicParticipation' },
  /** 听证 announced, its materials sent to participants (arts. 16-17). */
  scheduleHearing: { schema: S.ScheduleHearingSchema, roles: ['undertakingUnit'], basis: 'arts. 16-17', when: 'publicParticipation' },
  /** The hearing held, its record signed by the participants (art. 17). */
  recordHearing: { schema: S.RecordHearingSchema, roles: ['undertakingUnit'], basis: 'art. 17', when: 'publicParticipation' },
  /** The report on how comments were studied and adopted (arts. 18, 29). */
  completePublicParticipation: { schema: S.PublicParticipationReportSchema, roles: ['undertakingUnit'], basis: 'arts. 18, 29', when: 'publicParticipation' },
  /** 选择专家: experts of the authority's pool asked for their opinion, each checked for a direct interest (arts. 19-21). */
  assignExperts: { schema: As.AssignExpertsSchema, roles: ['undertakingUnit'], basis: 'arts. 19-21', when: 'expertReview' },
  /** An expert asked replaced by another of the pool, with the reason (arts. 20-21). */
  reassignExpert: { schema: As.ReassignExpertSchema, roles: ['undertakingUnit'], basis: 'arts. 20-21', when: 'expertReview' },
  /** A written expert opinion, signed by its author (arts. 20-21). */
  submitExpertOpinion: { schema: S.ExpertOpinionSchema, roles: ['expert'], basis: 'arts. 20-21', when: 'expertReview' },
  /** Expert review closed with the opinions received (art. 21). */
  completeExpertReview: { schema: S.CompleteExpertReviewSchema, roles: ['undertakingUnit'], basis: 'art. 21', when: 'expertReview' },
  /** 风险评估 report (arts. 22-24): by the undertaking unit or the unit charged with it. */
  completeRiskAssessment: { schema: S.RiskAssessmentSchema, roles: ['riskAssessor', 'undertakingUnit'], basis: 'arts. 22-24', when: 'riskAssessment' },
  /** An adjusted draft (after an uncontrollable risk, an amendment asked by the reviewer, or the meeting). */
  submitDraftVersion: { schema: S.DraftVersionSchema, roles: ['undertakingUnit'], basis: 'arts. 24, 28, 30', when: 'beforeDecision' },
  /** 送请合法性审查, with the materials (art. 26). */
  requestLegalityReview: { schema: S.RequestLegalityReviewSchema, roles: ['undertakingUnit'], basis: 'art. 26', when: 'legalityReview' },
  /** The legal-affairs office names the reviewer of the draft: its staff, legal adviser or public lawyer (arts. 25, 27). */
  assignLegalityReviewer: { schema: As.AssignLegalityReviewerSchema, roles: ['legalityReviewer'], basis: 'arts. 25, 27', when: 'legalityReview' },
  /** The reviewer named replaced, with the reason (arts. 25, 27). */
  reassignLegalityReviewer: { schema: As.ReassignLegalityReviewerSchema, roles: ['legalityReviewer'], basis: 'arts. 25, 27', when: 'legalityReview' },
  /** 签收: the reviewer takes the draft sent for review into their hands (recorded; it never holds up an opinion). */
  signForLegalityReview: { schema: S.SignForReviewSchema, roles: ['legalityReviewer'], basis: 'art. 27', when: 'legalityReview' },
  /** 合法性审查 opinion (arts. 27-28). */
  completeLegalityReview: { schema: S.LegalityReviewSchema, roles: ['legalityReviewer'], basis: 'arts. 27-28', when: 'legalityReview' },
  /** 集体讨论决定 (arts. 29-30). */
  recordCollectiveDecision: { schema: S.CollectiveDecisionSchema, roles: ['meetingSecretary', 'headOfGovernment'], basis: 'arts. 29-30', when: 'collectiveDecision' },
  /** Reported to the party committee at the same level before issue (art. 31). */
  recordPartyCommitteeReport: { schema: S.PartyCommitteeReportSchema, roles: ['undertakingUnit', 'meetingSecretary'], basis: 'art. 31', when: 'partyCommitteeReport' },
  /** 公布 (art. 32). */
  recordPublication: { schema: S.PublicationSchema, roles: ['undertakingUnit'], basis: 'art. 32', when: 'publication' },
  /** Execution report (art. 34). */
  reportExecution: { schema: S.ExecutionReportSchema, roles: ['undertakingUnit'], basis: 'art. 34', when: 'execution' },
  /** 决策后评估 by a third party, not the unit that did the pre-decision assessment (arts. 35-36). */
  recordEvaluation: { schema: S.EvaluationSchema, roles: ['riskAssessor', 'expert', 'undertakingUnit'], basis: 'arts. 35-36', when: 'execution' },
  /** 中止执行 ordered by the head in an emergency (art. 37). */
  suspendExecution: { schema: S.ReasonedSchema, roles: ['headOfGovernment'], basis: 'art. 37', when: 'execution' },
  /** Execution resumed (art. 37). */
  resumeExecution: { schema: S.ReasonedSchema, roles: ['headOfGovernment'], basis: 'art. 37', when: 'execution' },
  /** 停止执行 through the statutory procedure (art. 37). */
  stopExecution: { schema: S.StopExecutionSchema, roles: ['headOfGovernment'], basis: 'art. 37', when: 'execution' },
  /** Withdrawal before the decision is made (the deciding authority, arts. 10, 29). */
  withdraw: { schema: S.ReasonedSchema, roles: ['headOfGovernment', 'undertakingUnit'], basis: 'arts. 10, 29', when: 'beforeDecision' },
} as const satisfies Record<string, ActionRule>;

export type ActionName = keyof typeof ACTIONS;
export const ACTION_NAMES = Object.keys(ACTIONS) as ActionName[];
/** An action's input as submitted (before defaults) and as the workflow receives it. */
export type ActionInput<A extends ActionName> = z.input<(typeof ACTIONS)[A]['schema']>;
export type ActionArgs<A extends ActionName> = z.infer<(typeof ACTIONS)[A]['schema']>;

export const isActionName = (name: string): name is ActionName => Object.hasOwn(ACTIONS, name);

/** The reason an actor may not take an action, or undefined if it may. */
export function roleRefusal(action: ActionName, role: Role): string | undefined {
  const allowed: readonly Role[] = ACTIONS[action].roles;
  if (allowed.includes(role)) return undefined;
  return `${action} is for ${allowed.join(' or ')}, not ${role} (${ACTIONS[action].basis}).`;
}

/**
 * The actions of a major enforcement decision's legal review (workflows/enforcementLegalReview.ts), in the same shape:
 * the enforcement office (undertakingUnit) submits and decides, the office's legal review body gives the opinion.
 */
export const REVIEW_ACTIONS = {
  /** The office submits again, in answer to an opinion of not passed or supplement materials (seed 003 二(四)3). */
  resubmitForLegalReview: { schema: R.ResubmitSchema, roles: ['undertakingUnit'], basis: '国办发〔2018〕118号; seed 003 二(四)3' },
  /** 书面审核意见: passed, not passed, or supplement materials (seed 003 二(四)1, 3). */
  completeLegalReview: { schema: R.ReviewOpinionSchema, roles: ['enforcementLegalReviewer'], basis: '国办发〔2018〕118号; seed 003 二(四)1、3' },
  /** The decision made, only after the review passed (seed 003 二(四)). */
  decideEnforcement: { schema: R.DecideEnforcementSchema, roles: ['undertakingUnit'], basis: '国办发〔2018〕118号; seed 003 二(四)' },
  /** The office drops the proposed decision. */
  withdrawLegalReview: { schema: R.WithdrawReviewSchema, roles: ['undertakingUnit'], basis: '国办发〔2018〕118号' },
} as const satisfies Record<string, ActionRule>;

export type ReviewActionName = keyof typeof REVIEW_ACTIONS;
export const REVIEW_ACTION_NAMES = Object.keys(REVIEW_ACTIONS) as ReviewActionName[];
export type ReviewActionInput<A extends ReviewActionName> = z.input<(typeof REVIEW_ACTIONS)[A]['schema']>;
export type ReviewActionArgs<A extends ReviewActionName> = z.infer<(typeof REVIEW_ACTIONS)[A]['schema']>;
export const isReviewActionName = (name: string): name is ReviewActionName => Object.hasOwn(REVIEW_ACTIONS, name);

export function reviewRoleRefusal(action: ReviewActionName, role: Role): string | undefined {
  const allowed: readonly Role[] = REVIEW_ACTIONS[action].roles;
  if (allowed.includes(role)) return undefined;
  return `${action} is for ${allowed.join(' or ')}, not ${role} (${REVIEW_ACTIONS[action].basis}).`;
}
