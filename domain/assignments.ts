/**
 * Who exactly is asked (指定): the experts chosen from the authority's expert pool (决策咨询论证专家库, art. 21), each
 * checked for a direct interest in the matter before being asked (art. 20: 不得选择与决策事项有直接利害关系的专家),
 * and the named legality reviewer of the draft, staff of the legal-affairs office or its legal adviser (法律顾问) or
 * public lawyer (公职律师, art. 27). A reassignment gives its reason. Under a rule set with `assignmentRequired`, only
 * the person assigned may submit the expert opinion or the legality review opinion.
 */
import { z } from 'zod';
import { matching } from './pattern';
import { action, code, text } from './schemas';

export const ASSIGNMENT_BASIS = {
  experts: 'arts. 19-21: the undertaking unit chooses experts for their expertise, representativeness and neutrality, none with a direct interest in the matter',
  pool: 'art. 21: experts from the decision consultation expert pool (决策咨询论证专家库)',
  reviewer: 'arts. 25, 27: the legal-affairs office reviews, and may have its legal advisers or public lawyers give opinions',
} as const;

/** One expert of the authority's pool, with the interests they declared (organisations they work for, advise or hold a stake in). */
export const PoolExpertSchema = z.strictObject({
  id: code,
  name: text(100),
  organisation: text(200),
  fields: z.array(text(100)).default([]),
  /** Declared interests: organisations (or parties) with which the expert has a direct interest. */
  declaredInterests: z.array(text(200)).default([]),
  /** A member withdrawn from the pool (term ended, removed) is no longer asked. */
  active: z.boolean().default(true),
});
export type PoolExpert = z.infer<typeof PoolExpertSchema>;

/** An authority's expert pool, as its file `pools/<authority>.json` gives it. */
export const ExpertPoolSchema = z.strictObject({
  authority: code,
  title: text(300),
  /** When the pool was last revised (the entry checked is recorded with the assignment). */
  revisedOn: matching(/^\d{4}-\d{2}-\d{2}$/),
  experts: z.array(PoolExpertSchema).min(1),
});
export type ExpertPool = z.infer<typeof ExpertPoolSchema>;

/** The reviewer's capacity: the office's own staff, its legal adviser, or a public lawyer (art. 27). */
export const ReviewerCapacitySchema = z.enum(['legalAffairsOffice', 'legalAdviser', 'publicLawyer']);

export const AssignedReviewerSchema = z.strictObject({
  id: code,
  name: text(100),
  organisation: text(200),
  capacity: ReviewerCapacitySchema,
});
export type AssignedReviewer = z.infer<typeof AssignedReviewerSchema>;

const expertIds = z
  .array(code)
  .min(1, 'name at least one expert of the pool')
  .max(50)
  .refine((ids) => new Set(ids).size === ids.length, 'each expert once')
  .meta({ uniqueItems: true });

/** The undertaking unit asks experts of the pool for their opinion (arts. 19-21). */
export const AssignExpertsSchema = action({ experts: expertIds });
/** An expert asked is replaced, with the reason (absent, a conflict found later, …). */
export const ReassignExpertSchema = action({ from: code, to: code, reason: text(2000) });
/** The legal-affairs office names the reviewer of the draft (arts. 25, 27). */
export const AssignLegalityReviewerSchema = action({ reviewer: AssignedReviewerSchema });
/** The reviewer is replaced, with the reason. */
export const ReassignLegalityReviewerSchema = action({ reviewer: AssignedReviewerSchema, reason: text(2000) });

/** The parties of a decision against which declared interests are checked: its undertaking and lead units and the parties it names. */
export function decisionParties(p: { undertakingUnit: string; leadUnit?: string; interestedParties?: string[] }): string[] {
  return [p.undertakingUnit, ...(p.leadUnit ? [p.leadUnit] : []), ...(p.interestedParties ?? [])];
}

/** Why an expert of the pool may not be asked on a matter with these parties (art. 20), or none. */
export function expertConflicts(e: PoolExpert, parties: readonly string[]): string[] {
  const found: string[] = [];
  if (!e.active) found.push('no longer in the pool');
  if (parties.includes(e.organisation)) found.push(`works for ${e.organisation}, a party to the matter`);
  for (const interest of e.declaredInterests) if (parties.includes(interest) && interest !== e.organisation) found.push(`declared an interest in ${interest}`);
  return found;
}

/** What the pool says of the experts named: each one found, with any conflict; the ids it does not have. */
export interface ExpertCheck {
  /** The pool's title and revision, or none when the authority keeps no pool. */
  pool?: { title: string; revisedOn: string };
  experts: (PoolExpert & { conflicts: string[] })[];
  unknown: string[];
}

export function checkExperts(pool: ExpertPool | undefined, ids: readonly string[], parties: readonly string[]): ExpertCheck {
  if (!pool) return { experts: [], unknown: [...ids] };
  const byId = new Map(pool.experts.map((e) => [e.id, e]));
  return {
    pool: { title: pool.title, revisedOn: pool.revisedOn },
    experts: ids.filter((id) => byId.has(id)).map((id) => ({ ...byId.get(id)!, conflicts: expertConflicts(byId.get(id)!, parties) })),
    unknown: ids.filter((id) => !byId.has(id)),
  };
}

/** The refusal of an expert check, or none when every expert named may be asked. */
export function expertCheckRefusal(c: ExpertCheck, authority: string): string | undefined {
  if (!c.pool) return `${authority} keeps no expert pool: experts are chosen from the pool (${ASSIGNMENT_BASIS.pool}).`;
  if (c.unknown.length) return `Not in ${c.pool.title}: ${c.unknown.join(', ')} (${ASSIGNMENT_BASIS.pool}).`;
  const conflicted = c.experts.filter((e) => e.conflicts.length);
  if (conflicted.length) {
    return `May not be asked: ${conflicted.map((e) => `${e.name} (${e.id}) ${e.conflicts.join('; ')}`).join('; ')} (art. 20: 不得选择与决策事项有直接利害关系的专家).`;
  }
  return undefined;
}
