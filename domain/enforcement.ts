/**
 * Publication of administrative enforcement decisions (行政执法公示, 国办发〔2018〕118号; seed 003): licensing and
 * penalty decisions within 7 working days, others within 20; a decision revoked, confirmed unlawful or ordered to be
 * remade, or whose display period has expired, is taken down from the publication platform.
 */
import { z } from 'zod';
import { matching } from './pattern';
import type { DeadlineRuleName } from './deadlines';
import { ActorSchema, AuthoritySchema, code, DeadlineSpecSchema, HistoryEntrySchema, isoDate, requestId, text } from './schemas';

export const EnforcementKindSchema = z.enum(['licensing', 'penalty', 'other']);
export type EnforcementKind = z.infer<typeof EnforcementKindSchema>;

/** Which publication deadline applies to which kind of decision. */
export const PUBLICATION_RULE: Record<EnforcementKind, DeadlineRuleName> = {
  licensing: 'licensingPenaltyPublication',
  penalty: 'licensingPenaltyPublication',
  other: 'otherEnforcementPublication',
};

export const TAKEDOWN_REASONS = {
  revoked: '被依法撤销',
  confirmedUnlawful: '被确认违法',
  orderedRemade: '被要求重新作出',
  periodExpired: '公示期限届满',
} as const;

/** An enforcement decision recorded by the office that made it. */
export const EnforcementDecisionSchema = z.strictObject({
  caseId: code,
  authority: AuthoritySchema,
  /** 行政执法机关. */
  office: text(200),
  kind: EnforcementKindSchema,
  title: text(300),
  documentNumber: text(100),
  decidedOn: isoDate,
  /** Calendar jurisdiction: CN, or a province code with a regional calendar. */
  jurisdiction: matching(/^CN(-[A-Z]{2})?$/).default('CN'),
  /** Remind the office so many working days before the deadline. */
  reminderWorkingDays: z.array(z.number().int().min(1).max(19)).max(5).default([3, 1]),
  /** The last day the notice stays up, where the rules set a display period. */
  displayUntil: isoDate.optional(),
});
export type EnforcementDecision = z.input<typeof EnforcementDecisionSchema>;

const request = { requestId, actor: ActorSchema };

/** The office hands over the text to publish (personal data redacted); the workflow issues the notice. */
export const PublishNoticeSchema = z.strictObject({ ...request, body: text(50_000) });
export type PublishNotice = z.infer<typeof PublishNoticeSchema>;

export const TakeDownSchema = z.strictObject({
  ...request,
  reason: z.enum(['revoked', 'confirmedUnlawful', 'orderedRemade']),
  /** The revoking decision, judgment or order. */
  reference: text(300),
});
export type TakeDown = z.infer<typeof TakeDownSchema>;

export const EnforcementStateSchema = z.enum(['awaitingPublication', 'published', 'takenDown', 'withdrawn']);

export const EnforcementStatusSchema = z.object({
  caseId: z.string(),
  kind: EnforcementKindSchema,
  state: EnforcementStateSchema,
  deadline: DeadlineSpecSchema.optional(),
  publishedOn: z.string().optional(),
  history: z.array(HistoryEntrySchema),
});
export type EnforcementStatus = z.infer<typeof EnforcementStatusSchema>;

/** What a case's action answers: the event it recorded. */
export const NoticeAckSchema = z.object({ seq: z.number().int(), summary: z.string() });
export type NoticeAck = z.infer<typeof NoticeAckSchema>;
