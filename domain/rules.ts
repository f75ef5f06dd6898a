/**
 * The rule set a decision follows, versioned and pinned when the decision starts (it travels in the workflow's
 * input, so a later change here never changes a running decision). National defaults come from 重大行政决策程序
 * 暂行条例 (2019); a local rule set may only tighten them. Also here: which steps apply to a proposal, each skip
 * with its statutory reason.
 */
import { z } from 'zod';
import { DEADLINE_RULES } from './deadlines';

const rule = <T extends z.ZodType>(value: T) => z.object({ value, basis: z.string().min(1) });

export const RuleSetSchema = z.object({
  id: z.string().min(1),
  version: z.number().int().positive(),
  title: z.string().min(1),
  /** Public comment period, in days, unless shortened for a stated urgency. */
  commentPeriodMinDays: rule(z.number().int().min(1)),
  /** Hearing materials delivered to participants at least so many days before the hearing. */
  hearingMaterialsDaysBefore: rule(z.number().int().min(1)),
  /** The legality reviewer is given at least so many working days. */
  legalityReviewMinWorkingDays: rule(z.number().int().min(1)),
  /** Risk assessment even when no statutory trigger applies (a local tightening). */
  riskAssessmentAlwaysRequired: rule(z.boolean()),
  /**
   * Only the experts asked and the reviewer named may give the expert opinion and the legality review opinion
   * (domain/assignments.ts). Absent from rule sets pinned before version 2: anyone of the role may act.
   */
  assignmentRequired: rule(z.boolean()).default({ value: false, basis: 'rule sets before assignments were kept' }),
});
export type RuleSet = z.infer<typeof RuleSetSchema>;

export const NATIONAL_RULES: RuleSet = {
  id: 'national',
  version: 2,
  title: '重大行政决策程序暂行条例（国务院令第713号，2019年9月1日施行）',
  commentPeriodMinDays: { value: DEADLINE_RULES.commentPeriod.length, basis: DEADLINE_RULES.commentPeriod.cite },
  hearingMaterialsDaysBefore: { value: DEADLINE_RULES.hearingMaterials.length, basis: DEADLINE_RULES.hearingMaterials.cite },
  legalityReviewMinWorkingDays: { value: DEADLINE_RULES.legalityReviewTime.length, basis: DEADLINE_RULES.legalityReviewTime.cite },
  riskAssessmentAlwaysRequired: { value: false, basis: 'art. 22' },
  assignmentRequired: { value: true, basis: 'arts. 20-21 (experts chosen from the pool, none with a direct interest), arts. 25, 27 (the legal-affairs office names its reviewer)' },
};

/**
 * Local rule sets. Yubei (Chongqing) makes risk assessment a precondition of every major decision: "未经风险评估的，
 * 不得作出决策" (渝北区法治政府建设规划, seed 004, item 7(1)).
 */
export const LOCAL_RULES: RuleSet[] = [
  tighten(NATIONAL_RULES, {
    id: 'chongqing-yubei',
    version: 2,
    title: '重庆市渝北区：风险评估作为重大行政决策的前置条件',
    riskAssessmentAlwaysRequired: { value: true, basis: '渝北区法治政府建设规划 7(1)：未经风险评估的，不得作出决策（seed 004）' },
  }),
];

/** A local rule set over a base one; refuses anything that loosens the base. */
export function tighten(base: RuleSet, local: Partial<RuleSet> & Pick<RuleSet, 'id' | 'version' | 'title'>): RuleSet {
  const merged = RuleSetSchema.parse({ ...base, ...local });
  const looser: string[] = [];
  if (merged.commentPeriodMinDays.value < base.commentPeriodMinDays.value) looser.push('commentPeriodMinDays');
  if (merged.hearingMaterialsDaysBefore.value < base.hearingMaterialsDaysBefore.value) looser.push('hearingMaterialsDaysBefore');
  if (merged.legalityReviewMinWorkingDays.value < base.legalityReviewMinWorkingDays.value) looser.push('legalityReviewMinWorkingDays');
  if (base.riskAssessmentAlwaysRequired.value && !merged.riskAssessmentAlwaysRequired.value) looser.push('riskAssessmentAlwaysRequired');
  if (base.assignmentRequired.value && !merged.assignmentRequired.value) looser.push('assignmentRequired');
  if (looser.length) throw new Error(`Rule set ${local.id} would loosen the national rules: ${looser.join(', ')}`);
  return merged;
}

export const RULE_SETS: Record<string, RuleSet> = Object.fromEntries([NATIONAL_RULES, ...LOCAL_RULES].map((r) => [r.id, r]));

/** The rule set by id, or a clear error naming the known ones. */
export function ruleSet(id: string): RuleSet {
  const r = RULE_SETS[id];
  if (!r) throw new Error(`Unknown rule set "${id}"; known: ${Object.keys(RULE_SETS).join(', ')}`);
  return r;
}

/** What decides which steps apply to a proposal. */
export interface ApplicabilityFlags {
  /** May the matter be disclosed? If not by law, no public participation (art. 14). */
  disclosable: boolean;
  /** Professional or technical matter: expert review (art. 19). */
  technical: boolean;
  /** Implementation may harm social stability, public safety, the ecology... (art. 22). */
  riskTriggers: string[];
  /** A risk assessment already made for the matter is not repeated (art. 22). */
  existingRiskAssessment?: string;
}

export type Applicability = { applies: true; basis: string } | { applies: false; reason: string; basis: string };

/** Which of the first three steps apply, each skip with its statutory reason. Legality review always applies (art. 25). */
export function applicableSteps(flags: ApplicabilityFlags, rules: RuleSet): Record<'publicParticipation' | 'expertReview' | 'riskAssessment', Applicability> {
  return {
    publicParticipation: flags.disclosable
      ? { applies: true, basis: 'art. 14' }
      : { applies: false, reason: 'the matter may not be disclosed by law, so no public participation', basis: 'art. 14' },
    expertReview: flags.technical
      ? { applies: true, basis: 'art. 19' }
      : { applies: false, reason: 'not a professional or technical matter, so no expert review', basis: 'art. 19' },
    riskAssessment: flags.existingRiskAssessment
      ? { applies: false, reason: `already assessed (${flags.existingRiskAssessment}): not repeated`, basis: 'art. 22' }
      : flags.riskTriggers.length > 0
        ? { applies: true, basis: 'art. 22' }
        : rules.riskAssessmentAlwaysRequired.value
          ? { applies: true, basis: rules.riskAssessmentAlwaysRequired.basis }
          : { applies: false, reason: 'implementation raises no risk to stability, safety or the ecology, so no risk assessment', basis: 'art. 22' },
  };
}
