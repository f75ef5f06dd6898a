/**
 * Who may do what in a decision: each action (an Update of the majorDecision workflow) with the roles allowed to
 * take it and the article that gives them the task. Supervisors (督察, 司法局) read and never act.
 */
import type { Role } from './schemas';

export const ACTIONS = {
  /** 公开征求意见 (art. 15). */
  openConsultation: { roles: ['undertakingUnit'], basis: 'art. 15' },
  /** Comments received so far (art. 18). */
  recordComments: { roles: ['undertakingUnit'], basis: 'art. 18' },
  /** 听证 announced, its materials sent to participants (arts. 16-17). */
  scheduleHearing: { roles: ['undertakingUnit'], basis: 'arts. 16-17' },
  /** The hearing held, its record signed by the participants (art. 17). */
  recordHearing: { roles: ['undertakingUnit'], basis: 'art. 17' },
  /** The report on how comments were studied and adopted (arts. 18, 29). */
  completePublicParticipation: { roles: ['undertakingUnit'], basis: 'arts. 18, 29' },
  /** A written expert opinion, signed by its author (arts. 20-21). */
  submitExpertOpinion: { roles: ['expert'], basis: 'arts. 20-21' },
  /** Expert review closed with the opinions received (art. 21). */
  completeExpertReview: { roles: ['undertakingUnit'], basis: 'art. 21' },
  /** 风险评估 report (arts. 22-24): by the undertaking unit or the unit charged with it. */
  completeRiskAssessment: { roles: ['riskAssessor', 'undertakingUnit'], basis: 'arts. 22-24' },
  /** An adjusted draft (after an uncontrollable risk, an amendment asked by the reviewer, or the meeting). */
  submitDraftVersion: { roles: ['undertakingUnit'], basis: 'arts. 24, 28, 30' },
  /** 送请合法性审查, with the materials (art. 26). */
  requestLegalityReview: { roles: ['undertakingUnit'], basis: 'art. 26' },
  /** 合法性审查 opinion (arts. 27-28). */
  completeLegalityReview: { roles: ['legalityReviewer'], basis: 'arts. 27-28' },
  /** 集体讨论决定 (arts. 29-30). */
  recordCollectiveDecision: { roles: ['meetingSecretary', 'headOfGovernment'], basis: 'arts. 29-30' },
  /** Reported to the party committee at the same level before issue (art. 31). */
  recordPartyCommitteeReport: { roles: ['undertakingUnit', 'meetingSecretary'], basis: 'art. 31' },
  /** 公布 (art. 32). */
  recordPublication: { roles: ['undertakingUnit'], basis: 'art. 32' },
  /** Execution report (art. 34). */
  reportExecution: { roles: ['undertakingUnit'], basis: 'art. 34' },
  /** 决策后评估 by a third party, not the unit that did the pre-decision assessment (arts. 35-36). */
  recordEvaluation: { roles: ['riskAssessor', 'expert', 'undertakingUnit'], basis: 'arts. 35-36' },
  /** 中止执行 ordered by the head in an emergency; resumed; or stopped through the statutory procedure (art. 37). */
  suspendExecution: { roles: ['headOfGovernment'], basis: 'art. 37' },
  resumeExecution: { roles: ['headOfGovernment'], basis: 'art. 37' },
  stopExecution: { roles: ['headOfGovernment'], basis: 'art. 37' },
  /** Withdrawal before the decision is made (the deciding authority, arts. 10, 29). */
  withdraw: { roles: ['headOfGovernment', 'undertakingUnit'], basis: 'arts. 10, 29' },
} as const satisfies Record<string, { roles: readonly Role[]; basis: string }>;

export type ActionName = keyof typeof ACTIONS;

/** The reason an actor may not take an action, or undefined if it may. */
export function roleRefusal(action: ActionName, role: Role): string | undefined {
  const allowed: readonly Role[] = ACTIONS[action].roles;
  if (allowed.includes(role)) return undefined;
  return `${action} is for ${allowed.join(' or ')}, not ${role} (${ACTIONS[action].basis}).`;
}
