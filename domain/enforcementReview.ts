/**
 * Legal review of major enforcement decisions (重大执法决定法制审核, 国办发〔2018〕118号; seed 003 二(四)): before a
 * major enforcement decision is made, the office's legal review body reviews the proposed decision (facts, evidence,
 * legal basis, procedure, discretion); "未经法制审核或审核未通过的，不得作出决定". The reviewer returns passed, not
 * passed (with its reasons; the office studies them and submits again, 二(四)3) or supplement materials; each round is
 * recorded. A passed proposal is decided and goes on to its 7/20 working-day publication (domain/enforcement.ts).
 */
import { z } from 'zod';
import { matching } from './pattern';
import { EnforcementKindSchema, EnforcementStatusSchema } from './enforcement';
import { ActorSchema, AuthoritySchema, code, DeadlineSpecSchema, HistoryEntrySchema, isoDate, requestId, text } from './schemas';

/** What the legal body checks (seed 003 二(四)3: 主体、资格、程序、事实、证据、法律适用、自由裁量权适用、文书). */
export const ReviewMaterialsSchema = z.strictObject({
  /** 案件事实. */
  facts: text(20_000),
  /** 证据清单: each piece of evidence with its reference in the case file. */
  evidence: z.array(z.strictObject({ name: text(300), reference: text(300) })).min(1, 'list at least one piece of evidence').max(500),
  /** 法律依据: the provisions applied. */
  legalBasis: z.array(text(500)).min(1, 'name at least one provision applied').max(100),
  /** 自由裁量权适用: the discretion applied and why. */
  discretion: text(5_000),
  /** 执法程序 followed (notice of rights, hearing, …). */
  procedure: text(5_000).optional(),
  /** The draft decision document (reference in the case file). */
  draftReference: text(300),
});
export type ReviewMaterials = z.infer<typeof ReviewMaterialsSchema>;

/** Why the decision is major (seed 003 二(四)2). */
export const MAJOR_GROUNDS = {
  publicInterest: '涉及重大公共利益',
  socialImpact: '可能造成重大社会影响或引发社会风险',
  majorRights: '直接关系行政管理相对人或第三人重大权益',
  hearing: '需经听证程序作出',
  complex: '案件情况疑难复杂、涉及多个法律关系',
  catalog: '列入本机关重大执法决定法制审核目录清单',
} as const;

/** The proposed major enforcement decision, as the office submits it for legal review (the first round). */
export const LegalReviewCaseSchema = z.strictObject({
  caseId: code,
  authority: AuthoritySchema,
  /** 行政执法承办机构: the office that proposes the decision. */
  office: text(200),
  /** 法制审核机构: the office's legal review body; only its reviewers give the opinion. */
  legalBody: text(200),
  kind: EnforcementKindSchema,
  title: text(300),
  grounds: z.array(z.enum(Object.keys(MAJOR_GROUNDS) as [keyof typeof MAJOR_GROUNDS, ...(keyof typeof MAJOR_GROUNDS)[]])).min(1).max(6),
  materials: ReviewMaterialsSchema,
  submittedBy: ActorSchema,
  jurisdiction: matching(/^CN(-[A-Z]{2})?$/).default('CN'),
  reminderWorkingDays: z.array(z.number().int().min(1).max(6)).max(5).default([3, 1]),
});
export type LegalReviewCase = z.input<typeof LegalReviewCaseSchema>;

const request = { requestId, actor: ActorSchema };

/** The office submits again after an opinion of not passed or supplement materials: a new round. */
export const ResubmitSchema = z.strictObject({
  ...request,
  materials: ReviewMaterialsSchema,
  /** What was changed or added in answer to the opinion. */
  response: text(5_000),
});

export const REVIEW_RESULTS = { passed: '审核通过', notPassed: '审核未通过', supplement: '补充材料' } as const;

/** The legal body's written opinion (书面审核意见) on the round under review. */
export const ReviewOpinionSchema = z
  .strictObject({
    ...request,
    /** The round the opinion is on: an opinion on an earlier round's materials is refused. */
    round: z.number().int().min(1),
    result: z.enum(['passed', 'notPassed', 'supplement']),
    /** Required unless passed: the problems found, or the materials missing. */
    reasons: z.array(text(2_000)).max(50).default([]),
    /** The opinion document (reference). */
    reference: text(300),
  })
  .refine((o) => o.result === 'passed' || o.reasons.length > 0, { path: ['reasons'], message: 'state the reasons when the review is not passed or materials are missing' })
  .meta({ if: { properties: { result: { enum: ['notPassed', 'supplement'] } }, required: ['result'] }, then: { required: ['reasons'], properties: { reasons: { minItems: 1 } } } });

/** The office makes the decision (only once the review has passed). */
export const DecideEnforcementSchema = z.strictObject({
  ...request,
  documentNumber: text(100),
  decidedOn: isoDate,
  displayUntil: isoDate.optional(),
});

export const WithdrawReviewSchema = z.strictObject({ ...request, reason: text(2_000) });

export const LegalReviewStateSchema = z.enum(['awaitingReview', 'supplementRequested', 'notPassed', 'passed', 'withdrawn']);
export type LegalReviewState = z.infer<typeof LegalReviewStateSchema>;

export const ReviewRoundSchema = z.object({
  round: z.number().int(),
  submittedOn: z.string(),
  submittedBy: z.string(),
  result: z.enum(['passed', 'notPassed', 'supplement']).optional(),
  reasons: z.array(z.string()).optional(),
  reviewedOn: z.string().optional(),
  reviewer: z.string().optional(),
  deadline: DeadlineSpecSchema.optional(),
});

export const LegalReviewStatusSchema = z.object({
  stage: z.literal('legalReview'),
  caseId: z.string(),
  authority: AuthoritySchema,
  office: z.string(),
  legalBody: z.string(),
  kind: EnforcementKindSchema,
  title: z.string(),
  state: LegalReviewStateSchema,
  rounds: z.array(ReviewRoundSchema),
  history: z.array(HistoryEntrySchema),
});
export type LegalReviewStatus = z.infer<typeof LegalReviewStatusSchema>;

/** A case read by its id: still in legal review, or decided and on its way to publication. */
export const CaseStatusSchema = z.union([LegalReviewStatusSchema, EnforcementStatusSchema.extend({ stage: z.literal('publication') })]);

export const LEGAL_REVIEW_BASIS = '国办发〔2018〕118号；seed 003 二(四)：未经法制审核或审核未通过的，不得作出决定';
