/**
 * The zod schemas of everything that crosses a boundary: the proposal that starts a decision, each step's result
 * (delivered as a Temporal Update), the status a query returns. Types are inferred from them: one source of truth.
 */
import { z } from 'zod';
import { calendarDate, matching } from './pattern';
import { COMMENT_PERIOD, STEP_NAMES } from './procedure';
import { RULE_SETS } from './rules';

/** Control characters other than tab and line breaks: nothing a person writes, and NUL cannot be stored. */
const CONTROL_CHARS = '\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f';
/** What trim() takes away: white space and line breaks (listed, so that any regex dialect reads them alike). */
const SPACE_CHARS = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
const CONTROL = new RegExp(`[${CONTROL_CHARS}]`);
const NOT_BLANK = new RegExp(`[^${SPACE_CHARS}]`);
/** Both as the one pattern the OpenAPI document gives free text: no control character, and one that is not white space. */
export const TEXT_PATTERN = `^[^${CONTROL_CHARS}]*[^${CONTROL_CHARS}${SPACE_CHARS}][^${CONTROL_CHARS}]*$`;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Characters as JSON Schema counts them (code points); a JS string's length counts UTF-16 units. */
const codePoints = (s: string) => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};
/** A string of `min` to `max` characters (code points), e.g. a request id. */
export const chars = (min: number, max: number) =>
  z
    .string()
    .refine((s) => codePoints(s) >= min, `must be at least ${min} characters`)
    .refine((s) => codePoints(s) <= max, `must be at most ${max} characters`)
    .meta({ minLength: min, maxLength: max });
/**
 * Free text: not blank, at most `max` characters (as given), well-formed Unicode (no lone surrogates) without control
 * characters; stored trimmed.
 */
export const text = (max: number) =>
  z
    .string()
    .refine((s) => NOT_BLANK.test(s), 'must not be empty')
    .refine((s) => codePoints(s) <= max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL.test(s), 'must not contain control characters')
    .refine((s) => !LONE_SURROGATE.test(s), 'must be well-formed Unicode (no lone surrogate)')
    .trim()
    .meta({ maxLength: max, pattern: TEXT_PATTERN });
/** ASCII identifiers: they appear in workflow ids and NATS subjects. */
export const code = matching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1-64 letters, digits, "-" or "_", starting with a letter or digit');
/** A real calendar date, YYYY-MM-DD (JSON Schema's `format: date`, with the pattern that checks it). */
export const isoDate = calendarDate('must be a real calendar date in the form YYYY-MM-DD');
/** A request id: the Update id, so a repeated request is answered once. */
export const requestId = chars(8, 128);

export const StepNameSchema = z.enum(STEP_NAMES);

export const RoleSchema = z.enum([
  'undertakingUnit', // 承办单位
  'legalityReviewer', // 合法性审查机构 / 法律顾问
  'expert', // 专家
  'riskAssessor', // 风险评估机构
  'meetingSecretary', // 会议记录
  'headOfGovernment', // 行政首长
  'supervisor', // 督察 / 司法局
  'enforcementLegalReviewer', // 法制审核机构（行政执法机关的法制审核岗位，国办发〔2018〕118号；seed 003 二(四)1）
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

export type Role = z.infer<typeof RoleSchema>;

const sha256 = matching(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256 digest');

/** The five kinds of major administrative decision (art. 3). */
export const DECISION_CATEGORIES = ['publicPolicy', 'plan', 'resourceDevelopment', 'constructionProject', 'publicInterest'] as const;
/** Matters the regulations exclude (art. 3), with why. */
export const EXCLUDED_CATEGORIES = {
  macroControl: 'fiscal and monetary macro-control is excluded from these regulations (art. 3)',
  legislation: 'government legislation follows its own procedure and is excluded (art. 3)',
  emergencyResponse: 'emergency response to sudden incidents is excluded (art. 3)',
} as const;

/** The proposal that starts a decision (arts. 3, 10-13). */
export const ProposalSchema = z.strictObject({
  decisionId: code,
  title: text(300),
  category: z.enum(DECISION_CATEGORIES, {
    error: (issue) =>
      typeof issue.input === 'string' && Object.hasOwn(EXCLUDED_CATEGORIES, issue.input)
        ? EXCLUDED_CATEGORIES[issue.input as keyof typeof EXCLUDED_CATEGORIES]
        : `must be one of the kinds of art. 3: ${DECISION_CATEGORIES.join(', ')}`,
  }),
  /** 决策机关 (art. 10). */
  authority: AuthoritySchema,
  /** 承办单位 (art. 10). */
  undertakingUnit: text(200),
  /** 牵头单位 where several units undertake it together (art. 10). */
  leadUnit: text(200).optional(),
  /**
   * The authority's catalog item this decision is (决策事项目录, art. 3): `{ year, itemId }`, checked against the
   * published catalog when the decision starts; `false` for a matter outside the catalog, which then gives
   * `offCatalogReason`. A bare `true` (proposals made before catalogs were kept) is accepted unchecked.
   */
  inCatalog: z.union([z.boolean(), z.strictObject({ year: z.number().int().min(2000).max(2100), itemId: code })]),
  /** Why a matter outside the catalog is decided (domain/catalog.ts). */
  offCatalogReason: text(2000).optional(),
  /** Parties directly interested in the matter, besides the undertaking units: no expert with an interest in one is asked (art. 20). */
  interestedParties: z.array(text(200)).max(100).optional(),
  /** What decides which steps apply (arts. 14, 16, 19, 22). */
  flags: z.strictObject({
    disclosable: z.boolean(),
    technical: z.boolean(),
    riskTriggers: z.array(z.enum(['socialStability', 'publicSafety', 'ecology', 'other'])).default([]),
    existingRiskAssessment: text(300).optional(),
    /** Vital interests directly affected, or opinions widely divided: a hearing may be held (art. 16). */
    hearingWarranted: z.boolean().default(false),
    /** Another law requires a hearing (art. 16). */
    hearingRequiredByLaw: z.boolean().default(false),
  }),
  /** Urgency, with its stated reason: allows a shorter comment period (art. 15). */
  urgency: z.strictObject({ reason: text(1000) }).optional(),
  /** Calendar jurisdiction for the decision's deadlines: CN, or a province code with a regional calendar. */
  jurisdiction: matching(/^CN(-[A-Z]{2})?$/, 'must be CN or a province code such as CN-GX').default('CN'),
  /** The rule set the decision follows (domain/rules.ts), pinned when it starts. */
  ruleSet: z
    .enum(Object.keys(RULE_SETS) as [string, ...string[]], { error: (issue) => `Unknown rule set "${String(issue.input)}"; known: ${Object.keys(RULE_SETS).join(', ')}` })
    .default('national'),
  draft: z.strictObject({ reference: text(300), sha256 }),
})
  // The catalog reference is checked by the client before a start (JueceClient.checkCatalogRef): a matter outside
  // the catalog gives its reason, one on a catalog item does not. Said here in JSON Schema for the OpenAPI document.
  .meta({
    allOf: [
      { if: { properties: { inCatalog: { const: false } }, required: ['inCatalog'] }, then: { required: ['offCatalogReason'] } },
      { if: { properties: { inCatalog: { type: 'object' } }, required: ['inCatalog'] }, then: { not: { required: ['offCatalogReason'] } } },
    ],
  });
export type Proposal = z.infer<typeof ProposalSchema>;
/** A proposal as submitted (defaults not yet applied). */
export type ProposalInput = z.input<typeof ProposalSchema>;

/** Every Update carries a request id (the Update id, so a repeated request is answered once) and its actor. */
export const action = <T extends z.ZodRawShape>(shape: T) => z.strictObject({ requestId, actor: ActorSchema, ...shape });
/** The draft version an action is about: an action on a superseded draft is refused. */
const draftVersion = z.number().int().positive();

/**
 * 补录: a consultation held elsewhere (published on another platform before the decision was in juece), recorded
 * after the fact with its original public notice. Only such a record may carry an opening day before today.
 */
export const RetroactiveConsultationSchema = z.strictObject({
  /** The original notice's reference: its document number, or its title and where it was published. */
  noticeReference: text(300),
  /** The day the original notice was published: the comment period ran from it (art. 15). */
  noticeDate: isoDate,
  /** Where the consultation was held, e.g. the government portal it was published on. */
  heldAt: text(300).optional(),
});
export type RetroactiveConsultation = z.infer<typeof RetroactiveConsultationSchema>;

/**
 * 公开征求意见: the consultation opened, with its comment period (art. 15). It opens with its public notice, so
 * `openedOn` is today (the workflow refuses an earlier day) unless `retroactive` records one held elsewhere (补录).
 */
export const OpenConsultationSchema = action({
  openedOn: isoDate,
  periodDays: z.number().int().min(1).max(366),
  urgencyReason: text(1000).optional(),
  retroactive: RetroactiveConsultationSchema.optional(),
})
  .refine((v) => v.periodDays >= COMMENT_PERIOD.minDays || v.urgencyReason !== undefined, {
    message: `a comment period shorter than ${COMMENT_PERIOD.minDays} days needs an urgency reason (${COMMENT_PERIOD.basis})`,
    path: ['periodDays'],
  })
  // A consultation held elsewhere whose notice came after the opening day is refused by the workflow (409): JSON
  // Schema cannot compare two dates, and the OpenAPI document says what this schema checks.
  .meta({
    if: { properties: { periodDays: { maximum: COMMENT_PERIOD.minDays - 1 } }, required: ['periodDays'] },
    then: { required: ['urgencyReason'] },
    description: `A period shorter than ${COMMENT_PERIOD.minDays} days needs \`urgencyReason\` (${COMMENT_PERIOD.basis}).`,
  });
export type OpenConsultation = z.infer<typeof OpenConsultationSchema>;

/** Comments received so far (art. 18): only runs started before the comment store kept the count take it. */
export const RecordCommentsSchema = action({ received: z.number().int().min(0) });
export type RecordComments = z.infer<typeof RecordCommentsSchema>;

/** 听证 announced in advance with its draft, time, place, participant selection and list (arts. 16-17). */
export const ScheduleHearingSchema = action({
  announcedOn: isoDate,
  hearingDate: isoDate,
  place: text(300),
  participantSelection: text(2000),
  participants: z.array(text(200)).min(1, 'name the participants'),
  materialsDeliveredOn: isoDate,
});
export type ScheduleHearing = z.infer<typeof ScheduleHearingSchema>;

/** The hearing held; participants sign its record (art. 17). */
export const RecordHearingSchema = action({
  heldOn: isoDate,
  recordSignedByParticipants: z.literal(true, 'the participants must sign the hearing record (art. 17)'),
  summary: text(20_000),
});

/** The report on how public comments were studied and adopted (arts. 18, 29). */
export const PublicParticipationReportSchema = action({
  commentsReceived: z.number().int().min(0),
  adoptionReport: text(20_000),
});
export type PublicParticipationReport = z.infer<typeof PublicParticipationReportSchema>;

/** One expert's written opinion (arts. 20-21): no direct interest, signed by its author. */
export const ExpertOpinionSchema = action({
  opinion: text(20_000),
  directInterest: z.boolean(),
  /** The author's signature: must be the acting expert's own name. */
  signature: text(100),
  draftVersion,
});
export type ExpertOpinion = z.infer<typeof ExpertOpinionSchema>;

/** Expert review closed with the opinions received (art. 21). */
export const CompleteExpertReviewSchema = action({ summary: text(20_000) });

/** Risk assessment report: risk points, prevention measures, contingency plan and the verdict (arts. 22-24). */
export const RiskAssessmentSchema = action({
  riskPoints: z.array(text(2000)).min(1, 'name at least one risk point'),
  measures: text(20_000),
  contingencyPlan: text(20_000),
  verdict: z.enum(['controllable', 'uncontrollable']),
  draftVersion,
});
export type RiskAssessment = z.infer<typeof RiskAssessmentSchema>;

/** A new version of the draft, with why it changed. */
export const DraftVersionSchema = action({
  reference: text(300),
  sha256,
  reason: text(2000),
});
export type DraftVersion = z.infer<typeof DraftVersionSchema>;

/** 送请合法性审查 with the materials (art. 26). */
export const RequestLegalityReviewSchema = action({ materials: z.array(text(300)).min(1, 'list the materials sent'), draftVersion });

/** 签收: the reviewer takes the draft under review into their hands (art. 27). */
export const SignForReviewSchema = action({ draftVersion });

/** Legality review opinion (arts. 27-28); incomplete materials may be returned for supplement. */
export const LegalityReviewSchema = action({
  verdict: z.enum(['lawful', 'unlawful', 'lawfulIfAmended', 'returnedForMaterials']),
  opinion: text(20_000),
  draftVersion,
});
export type LegalityReview = z.infer<typeof LegalityReviewSchema>;

/** The meeting: the head decides after the discussion, speaking last; differing from the majority needs reasons; dissent verbatim (arts. 29-30). */
export const CollectiveDecisionSchema = action({
  meeting: z.enum(['executive', 'plenary']),
  heldOn: isoDate,
  participants: z.array(text(200)).min(1, 'name the participants'),
  headDecision: z.enum(['adopt', 'reject', 'reviseAndResubmit', 'defer']),
  differsFromMajority: z.boolean(),
  reasonForDiffering: text(5000).optional(),
  dissent: z.array(z.strictObject({ participant: text(200), statement: text(20_000) })).default([]),
  minutes: text(50_000),
  draftVersion,
})
  .refine((v) => !v.differsFromMajority || v.reasonForDiffering !== undefined, {
    message: 'a decision that differs from the majority must give its reasons (art. 30)',
    path: ['reasonForDiffering'],
  })
  .meta({ if: { properties: { differsFromMajority: { const: true } }, required: ['differsFromMajority'] }, then: { required: ['reasonForDiffering'] } });
export type CollectiveDecision = z.infer<typeof CollectiveDecisionSchema>;

/** Reported to the party committee at the same level before issue (art. 31). */
export const PartyCommitteeReportSchema = action({ reportedOn: isoDate, reference: text(300) });

/** Publication of the adopted decision (art. 32). */
export const PublicationSchema = action({
  channel: z.enum(['gazette', 'governmentWebsite', 'newspaper']),
  documentNumber: text(100),
  publishedOn: isoDate,
  /** For widely watched or technical decisions: how public and expert opinions were adopted (art. 32). */
  adoptionExplanation: text(20_000).optional(),
});
export type Publication = z.infer<typeof PublicationSchema>;

/** Execution report (art. 34). */
export const ExecutionReportSchema = action({ period: text(100), summary: text(20_000) });
/** 决策后评估 (arts. 35-36). */
export const EvaluationSchema = action({ trigger: z.enum(['goalsMissed', 'manyComments', 'authorityChoice']), findings: text(20_000) });
/** Suspension, resumption or stop of execution (art. 37), and withdrawal before the decision: each with its reason. */
export const ReasonedSchema = action({ reason: text(5000) });
export const StopExecutionSchema = action({ reason: text(5000), procedureReference: text(300) });

export const DecisionStatusValue = z.enum(['inProgress', 'deferred', 'rejected', 'withdrawn', 'inExecution', 'suspended', 'stopped']);

/** The kinds of procedure event (each is also a NATS subject token). */
export const EventTypeSchema = z.enum([
  'decisionStarted',
  'stepOpened',
  'consultationOpened',
  'commentPeriodClosed',
  'stepCompleted',
  'stepReturned',
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
  'stepSkipped',
  'draftVersionSubmitted',
  /** Only from runs started before comment counts moved to the comment store. */
  'commentsRecorded',
  'hearingScheduled',
  'hearingHeld',
  'expertOpinionSubmitted',
  'legalityReviewRequested',
  'decisionDeferred',
  'decisionWithdrawn',
  'partyCommitteeReported',
  'executionReported',
  'executionSuspended',
  'executionResumed',
  'executionStopped',
  'evaluationRecorded',
  /** The annual catalog of decision matters (domain/catalog.ts). */
  'catalogOpened',
  'catalogDrafted',
  'catalogSubmitted',
  'catalogApproved',
  'catalogPublished',
  'catalogItemAdded',
  'catalogItemRemoved',
  'catalogItemStarted',
  'offCatalogDecisionStarted',
  'catalogClosed',
  /** Who exactly is asked (domain/assignments.ts): experts from the pool, the named legality reviewer, and their replacements. */
  'expertsAssigned',
  'expertReassigned',
  'legalityReviewerAssigned',
  'legalityReviewerReassigned',
  /** 签收: a reviewer took the draft under review into their hands. */
  'legalityReviewSignedFor',
  /** Legal review of a major enforcement decision (重大执法决定法制审核, 国办发〔2018〕118号; seed 003 二(四)). */
  'legalReviewSubmitted',
  'legalReviewOpinion',
  'enforcementDecisionRefused',
  'legalReviewWithdrawn',
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
  /** The rule (article) the event satisfied, applied, or that refused the procedure's going on. */
  basis: z.string().optional(),
  /** The draft version the event concerns. */
  draftVersion: z.number().int().optional(),
  /** What was submitted, as submitted (e.g. dissent recorded verbatim, art. 30). */
  details: z.record(z.string(), z.unknown()).optional(),
  /** For deadline events: the deadline, and once it is settled, how many working days early (negative: late). */
  deadline: DeadlineSpecSchema.extend({ workingDaysEarly: z.number().int().optional() }).optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

export const StepStateSchema = z.object({
  state: z.enum(['pending', 'open', 'completed', 'skipped']),
  /** Why it was skipped, or what it waits for. */
  note: z.string().optional(),
  basis: z.string(),
});

/** What the `status` query returns. */
export const DecisionStatusSchema = z.object({
  decisionId: z.string(),
  title: z.string(),
  authority: AuthoritySchema,
  undertakingUnit: z.string(),
  leadUnit: z.string().optional(),
  status: DecisionStatusValue,
  /** The steps waiting for a result (public participation, expert review and risk assessment run side by side). */
  openSteps: z.array(StepNameSchema),
  steps: z.record(z.string(), StepStateSchema),
  draft: z.object({ version: z.number().int(), reference: z.string(), sha256: z.string() }),
  ruleSet: z.object({ id: z.string(), version: z.number().int() }),
  commentPeriodClosesAt: z.string().optional(),
  /** A hearing may be held: vital interests directly affected, opinions widely divided, or a law requires one (art. 16). */
  hearingPossible: z.boolean().optional(),
  /** Every draft version, with its hash (absent from runs before it was shown). */
  drafts: z.array(z.object({ version: z.number().int(), reference: z.string(), sha256: z.string(), at: z.string().optional() })).optional(),
  /** Who is asked (domain/assignments.ts): the experts (replaced ones with who replaced them), the reviewer named. */
  assignments: z
    .object({
      required: z.boolean(),
      experts: z.array(z.object({ id: z.string(), name: z.string(), organisation: z.string(), replacedBy: z.string().optional() })),
      reviewer: z.object({ id: z.string(), name: z.string(), organisation: z.string(), capacity: z.string() }).passthrough().optional(),
      /** The experts whose opinion is in. */
      opinionsFrom: z.array(z.string()),
      /** The draft version under legality review now. */
      reviewRequestedFor: z.number().int().optional(),
      /** Who signed for (签收) the draft now under review. */
      signedFor: z.string().optional(),
    })
    .optional(),
  /** Procedure events recorded in all, across every run; the whole record is in the procedure record. */
  events: z.number().int().min(0).optional(),
  /** The most recent events (at most RECENT_ENTRIES), oldest first. */
  history: z.array(HistoryEntrySchema),
});
/** How many of the latest events a status carries; the rest are in the procedure record. */
export const RECENT_ENTRIES = 50;
export type DecisionStatus = z.infer<typeof DecisionStatusSchema>;

/**
 * Where the decision (or case) stands once this event has happened, as its workflow, the one writer of it, says.
 * The procedure record stores it as it comes and derives nothing.
 */
export const StandingSchema = z.object({
  /** A decision's status (DecisionStatusValue) or a case's state (EnforcementState). */
  status: z.string(),
  openSteps: z.array(StepNameSchema),
  /** The furthest open step, or none. */
  currentStep: StepNameSchema.nullable(),
  /** The nearest statutory deadline still held, or none. */
  nextDeadline: z.object({ rule: z.string(), dueAt: z.string(), provisional: z.boolean() }).nullable(),
  /** A deadline held has run out and is not yet met. */
  overdue: z.boolean(),
  /** Who is asked and has yet to answer: each person's id with the step (domain/assignments.ts). */
  assignees: z.array(z.object({ id: z.string(), step: StepNameSchema })).optional(),
});
export type Standing = z.infer<typeof StandingSchema>;

/**
 * Whatever a step's Update answers: the event it recorded (its sequence number and summary), and the step; and, since
 * the workflow's `settled-answers` patch, where the decision stands once what the action set off has settled (the
 * steps it opened, the next deadline): a client goes on to the next step without asking again.
 */
export const StepAckSchema = z.object({ step: StepNameSchema.optional(), seq: z.number().int(), summary: z.string(), standing: StandingSchema.optional() });
export type StepAck = z.infer<typeof StepAckSchema>;

/** A readable one-paragraph message for a zod error, naming each field. */
export function describeZodError(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}
