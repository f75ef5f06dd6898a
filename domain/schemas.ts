/**
 * The zod schemas of everything that crosses a boundary: the proposal that starts a decision, each step's result
 * (delivered as a Temporal Update), the status a query returns. Types are inferred from them: one source of truth.
 */
import { z } from 'zod';
import { COMMENT_PERIOD, STEP_NAMES } from './procedure';

export const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
/** ASCII identifiers: they appear in workflow ids and NATS subjects. */
export const code = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1-64 letters, digits, "-" or "_", starting with a letter or digit');
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date in the form YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), {
    message: 'is not a real calendar date',
  });

export const StepNameSchema = z.enum(STEP_NAMES);

export const RoleSchema = z.enum([
  'undertakingUnit', // 承办单位
  'legalityReviewer', // 合法性审查机构 / 法律顾问
  'expert', // 专家
  'riskAssessor', // 风险评估机构
  'meetingSecretary', // 会议记录
  'headOfGovernment', // 行政首长
  'supervisor', // 督察 / 司法局
]);

/** Who acts: every step result names its actor. */
export const ActorSchema = z.strictObject({
  id: code,
  name: text(100),
  role: RoleSchema,
  organisation: text(200),
});
export type Actor = z.infer<typeof ActorSchema>;

/** The deciding authority (决策机关, art. 10): a code used in subjects and queries, and its name. */
export const AuthoritySchema = z.strictObject({ code, name: text(200) });

/** The proposal that starts a decision (arts. 10-11). */
export const ProposalSchema = z.strictObject({
  decisionId: code,
  title: text(300),
  authority: AuthoritySchema,
  /** 承办单位 (art. 10). */
  undertakingUnit: text(200),
  /** Calendar jurisdiction for the decision's deadlines: CN, or a province code with a regional calendar. */
  jurisdiction: z.string().regex(/^CN(-[A-Z]{2})?$/, 'must be CN or a province code such as CN-GX').default('CN'),
  draft: z.strictObject({
    reference: text(300),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256 digest'),
  }),
});
export type Proposal = z.infer<typeof ProposalSchema>;
/** A proposal as submitted (defaults not yet applied). */
export type ProposalInput = z.input<typeof ProposalSchema>;

/** Every Update carries a request id (the Update id, so a repeated request is answered once) and its actor. */
const stepInput = <T extends z.ZodRawShape>(shape: T) =>
  z.strictObject({ requestId: z.string().min(8).max(128), actor: ActorSchema, ...shape });

/** 公开征求意见: the consultation opened, with its comment period (art. 15). */
export const OpenConsultationSchema = stepInput({
  openedOn: isoDate,
  periodDays: z.number().int().min(1).max(366),
  urgencyReason: text(1000).optional(),
}).refine((v) => v.periodDays >= COMMENT_PERIOD.minDays || v.urgencyReason !== undefined, {
  message: `a comment period shorter than ${COMMENT_PERIOD.minDays} days needs an urgency reason (${COMMENT_PERIOD.basis})`,
  path: ['periodDays'],
});
export type OpenConsultation = z.infer<typeof OpenConsultationSchema>;

/** The report on how public comments were studied and adopted (arts. 18, 29). */
export const PublicParticipationReportSchema = stepInput({
  commentsReceived: z.number().int().min(0),
  adoptionReport: text(20_000),
});
export type PublicParticipationReport = z.infer<typeof PublicParticipationReportSchema>;

/** Written expert opinions, each signed by its author (art. 21). */
export const ExpertReviewSchema = stepInput({
  opinions: z
    .array(z.strictObject({ expert: text(100), opinion: text(20_000), signed: z.literal(true, 'each opinion must be signed by its author') }))
    .min(1, 'at least one expert opinion is required'),
});
export type ExpertReview = z.infer<typeof ExpertReviewSchema>;

/** Risk assessment report: risk points, measures and the verdict (arts. 22-24). */
export const RiskAssessmentSchema = stepInput({
  riskPoints: z.array(text(2000)).min(1, 'name at least one risk point'),
  measures: text(20_000),
  verdict: z.enum(['controllable', 'uncontrollable']),
});
export type RiskAssessment = z.infer<typeof RiskAssessmentSchema>;

/** Legality review opinion (arts. 25-28). */
export const LegalityReviewSchema = stepInput({
  verdict: z.enum(['lawful', 'unlawful', 'lawfulIfAmended']),
  opinion: text(20_000),
});
export type LegalityReview = z.infer<typeof LegalityReviewSchema>;

/** The meeting's result (arts. 29-30). */
export const CollectiveDecisionSchema = stepInput({
  meeting: z.enum(['executive', 'plenary']),
  outcome: z.enum(['adopt', 'reject']),
  minutes: text(50_000),
});
export type CollectiveDecision = z.infer<typeof CollectiveDecisionSchema>;

/** Publication of the adopted decision (art. 32). */
export const PublicationSchema = stepInput({
  channel: z.enum(['gazette', 'governmentWebsite', 'newspaper']),
  documentNumber: text(100),
  publishedOn: isoDate,
});
export type Publication = z.infer<typeof PublicationSchema>;

export const DecisionStatusValue = z.enum(['inProgress', 'rejected', 'published']);

/** The kinds of procedure event (each is also a NATS subject token). */
export const EventTypeSchema = z.enum([
  'decisionStarted',
  'stepOpened',
  'consultationOpened',
  'commentPeriodClosed',
  'stepCompleted',
  'stepReturned',
  'decisionAdopted',
  'decisionRejected',
  'decisionPublished',
  'archived',
  'deadlineSet',
  'deadlineRecomputed',
  'deadlineReminder',
  'deadlineOverdue',
  'deadlineEscalated',
  'deadlineMet',
  'deadlineMissed',
  'enforcementDecisionRecorded',
  'noticePublished',
  'noticeTakenDown',
]);
export type EventType = z.infer<typeof EventTypeSchema>;

/** A deadline as computed on the working-day calendar (by an activity, never in workflow code). */
export const DeadlineSpecSchema = z.object({
  /** The rule's name in domain/deadlines.ts. */
  rule: z.string(),
  term: z.string(),
  basis: z.string(),
  jurisdiction: z.string(),
  from: z.string(),
  /** The last day of the period (Asia/Shanghai). */
  date: z.string(),
  /** The instant the period runs out: 24:00 Asia/Shanghai at the end of `date`. */
  dueAt: z.string(),
  provisional: z.boolean(),
  provisionalYears: z.array(z.number()),
  /** Reminders before the deadline, at 09:00 Asia/Shanghai on the working day so many working days before. */
  reminders: z.array(z.object({ workingDaysBefore: z.number().int(), date: z.string(), at: z.string() })),
  /** Digest of the calendar data used. */
  calendarVersion: z.string(),
});
export type DeadlineSpec = z.infer<typeof DeadlineSpecSchema>;

/** One entry of what has happened so far. */
export const HistoryEntrySchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  type: EventTypeSchema,
  step: StepNameSchema.optional(),
  actor: ActorSchema.optional(),
  summary: z.string(),
  basis: z.string().optional(),
  /** For deadline events: the deadline, and once it is settled, how many working days early (negative: late). */
  deadline: DeadlineSpecSchema.extend({ workingDaysEarly: z.number().int().optional() }).optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

/** What the `status` query returns. */
export const DecisionStatusSchema = z.object({
  decisionId: z.string(),
  title: z.string(),
  authority: AuthoritySchema,
  status: DecisionStatusValue,
  /** The step waiting for a result, or undefined once the decision is closed. */
  currentStep: StepNameSchema.optional(),
  commentPeriodClosesAt: z.string().optional(),
  history: z.array(HistoryEntrySchema),
});
export type DecisionStatus = z.infer<typeof DecisionStatusSchema>;

/** Whatever a step's Update answers. */
export interface StepAck {
  step: StepName;
  seq: number;
  summary: string;
}
type StepName = z.infer<typeof StepNameSchema>;

/** A readable one-paragraph message for a zod error, naming each field. */
export function describeZodError(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}
