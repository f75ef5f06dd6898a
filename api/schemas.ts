/**
 * The HTTP API's own shapes: the queries its routes parse, the answers only it gives (errors, acknowledgements of a
 * start, envelopes around the domain's and the store's schemas). The routes (app.ts) parse with these and type their
 * answers by them; the OpenAPI document (openapi.ts) is generated from them: one source of truth.
 */
import { z } from 'zod';
import { CatalogYearSchema } from '../domain/catalog';
import { EnforcementDecisionSchema, EnforcementStateSchema } from '../domain/enforcement';
import { MAX_BATCH_CASES } from '../domain/enforcementImport';
import { LegalReviewStateSchema } from '../domain/enforcementReview';
import { RecordKindSchema } from '../domain/events';
import { STEP_NAMES } from '../domain/procedure';
import { AuthoritySchema, code, DecisionStatusSchema, DecisionStatusValue, requestId, text } from '../domain/schemas';
import { CommentBatchSchema, CommentCountsSchema, CommentGroupPageSchema } from '../store/comments';
import { DecisionSortSchema, DecisionSummarySchema, MAX_LIMIT, RecordEntrySchema, VerificationSchema } from '../store/record';

/** Where a decision (DecisionStatusValue) or an enforcement case (EnforcementState) may stand, as the workflows say. */
export const RECORD_STATUSES = [...new Set([...DecisionStatusValue.options, ...EnforcementStateSchema.options, ...LegalReviewStateSchema.options])] as [string, ...string[]];

const flag = z.enum(['true', 'false']);
const limit = z.coerce.number().int().min(1).max(MAX_LIMIT).optional().describe(`at most this many (1-${MAX_LIMIT}, default 100)`);
const offset = z.coerce.number().int().min(0).optional().describe('skip this many (default 0)');
const sort = DecisionSortSchema.optional().describe('the order: a field, ascending, or `-` and the field for descending (default `nextDeadline`: nearest deadline first, those without one last); ties by id');

export const ListQuerySchema = z.strictObject({
  kind: RecordKindSchema.optional().describe('major decisions, enforcement cases or annual catalogs'),
  authority: code.optional().describe("the deciding authority's code"),
  step: z.enum(STEP_NAMES).optional().describe('only those with this step open'),
  status: z.enum(RECORD_STATUSES).optional().describe('only those that stand so'),
  overdue: flag.optional().describe('true: only those past a deadline; false: only those not'),
  sort,
  limit,
  offset,
});

export const AssignmentQuerySchema = ListQuerySchema.pick({ sort: true, limit: true, offset: true });

export const GroupQuerySchema = z.strictObject({
  campaign: flag.optional().describe('true: only campaigns (20 submitters or more); false: only the other groups'),
  answered: flag.optional().describe('true: only groups answered in the adoption report; false: only those not yet answered'),
  limit,
  offset,
});

export const PublicAdoptionQuerySchema = GroupQuerySchema.pick({ limit: true, offset: true }).extend({
  format: z.enum(['json', 'html']).optional().describe('json (default) or html: a printable page in Chinese'),
});

export const ReportQuerySchema = z.strictObject({
  year: z.coerce.number().int().min(2000).max(2100).describe('calendar year, Beijing time'),
  authority: code.optional().describe("the deciding authority's code (supervisors: any; the authority's staff: their own)"),
  undertakingUnit: text(200).optional().describe('one undertaking unit (an undertaking unit: only its own)'),
  format: z.enum(['json', 'csv', 'html']).default('json').describe('json, csv (UTF-8 with a BOM, for Excel) or html (a printable page in Chinese)'),
});

export const RecordQuerySchema = z.strictObject({ format: z.enum(['json', 'html']).optional().describe('json (default) or html: a printable page in Chinese') });

/** A notice's authority in its address: the code NATS subjects are made of. */
export const NoticeAuthoritySchema = z.string().regex(/^[\w-]{1,64}$/, 'an authority code');
export const CatalogYearParamSchema = z.coerce.number().pipe(CatalogYearSchema);
export const RequestIdSchema = requestId;

// Answers.

export const HealthSchema = z.object({ ok: z.literal(true) });
export const LivenessSchema = z.object({ status: z.literal('live') });
/** /readyz: ready when every server the API needs (Temporal, NATS, PostgreSQL) answered; `failed` names the others. */
export const ReadinessSchema = z.object({
  status: z.enum(['ready', 'unready']),
  failed: z.array(z.string()),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), ms: z.number(), error: z.string().optional() })),
});

/** 400: the input does not match its schema; `issues` names each field. */
export const InvalidSchema = z.object({
  error: z.literal('invalid'),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })),
});
export const UnauthenticatedSchema = z.object({ error: z.literal('unauthenticated'), message: z.string() });
export const ForbiddenSchema = z.object({ error: z.literal('forbidden'), message: z.string() });
/** 409: refused by the procedure, or closed (a decision that has ended, with where it ended; a consultation not open). */
export const RefusedSchema = z.union([
  z.object({ error: z.literal('refused'), message: z.string() }),
  z.object({ error: z.literal('closed'), message: z.string(), status: z.string().optional() }),
]);
export const NotFoundSchema = z.object({ error: z.literal('notFound'), message: z.string() });
export const TooLargeSchema = z.object({ error: z.literal('tooLarge'), message: z.string() });
export const InternalSchema = z.object({ error: z.literal('internal'), message: z.string() });

export const DecisionStartedSchema = z.object({ decisionId: z.string(), workflowId: z.string() });
export const CaseSubmittedSchema = z.object({ caseId: z.string(), workflowId: z.string() });
export const CatalogOpenedSchema = z.object({ authority: z.string(), year: z.number().int(), workflowId: z.string() });
/** A batch of comments: the route takes `comments` as it is and the intake checks it (commands/commentIntake.ts). */
export const CommentBatchBodySchema = z.strictObject({ comments: CommentBatchSchema });
export const OpenCatalogSchema = z.strictObject({ authority: AuthoritySchema, year: CatalogYearSchema });

/** A batch of enforcement decisions from an office's case-handling system (行政执法决定公示, 国办发〔2018〕118号). */
export const EnforcementBatchSchema = z.strictObject({
  cases: z.array(EnforcementDecisionSchema).min(1).max(MAX_BATCH_CASES).describe(`1 to ${MAX_BATCH_CASES} enforcement decisions`),
});
const batchRow = { index: z.number().int().min(0).describe('the row of `cases`, from 0'), caseId: z.string() };
/** What became of each case of a batch, in the batch's order. */
export const EnforcementBatchResultSchema = z.object({
  started: z.number().int().min(0),
  alreadyRecorded: z.number().int().min(0),
  refused: z.number().int().min(0),
  results: z.array(
    z.discriminatedUnion('outcome', [
      z.object({ ...batchRow, outcome: z.literal('started'), workflowId: z.string() }),
      z.object({ ...batchRow, outcome: z.literal('alreadyRecorded'), workflowId: z.string() }),
      z.object({ ...batchRow, outcome: z.literal('refused'), reason: z.string() }),
    ]),
  ),
});

/** A decision's status as the API gives it: the workflow's, and the comment store's counts. */
export const DecisionStatusAnswerSchema = DecisionStatusSchema.extend({ comments: CommentCountsSchema });

/** A record read back: the decision (live, or from the record once Temporal no longer has it), its verification, its entries. */
export const DecisionRecordSchema = z.object({
  decision: z.union([DecisionStatusSchema, DecisionSummarySchema]),
  verification: VerificationSchema,
  entries: z.array(RecordEntrySchema),
});
export const CatalogRecordSchema = z.object({ catalog: DecisionSummarySchema, verification: VerificationSchema, entries: z.array(RecordEntrySchema) });

export const AssignmentPageSchema = z.object({
  total: z.number().int().min(0),
  limit: z.number().int(),
  offset: z.number().int(),
  sort: DecisionSortSchema,
  /** Each a decision summary with `steps`: the steps on which the holder is asked. */
  assignments: z.array(DecisionSummarySchema.extend({ steps: z.array(z.string()) })),
});

/** Refused requests, newest first (supervisors). */
export const AccessRefusalQuerySchema = ListQuerySchema.pick({ limit: true, offset: true });
export const AccessRefusalPageSchema = z.object({
  total: z.number().int().min(0),
  refusals: z.array(
    z.object({
      at: z.string(),
      actorId: z.string().nullable(),
      role: z.string().nullable(),
      organisation: z.string().nullable(),
      method: z.string(),
      path: z.string(),
      status: z.number().int(),
      reason: z.string(),
    }),
  ),
});

export const AdoptionAnsweredSchema = z.object({ decisionId: z.string(), answered: z.number().int(), unanswered: z.number().int() });

export const PublicAdoptionReportSchema = z.object({
  decisionId: z.string(),
  title: z.string(),
  authority: z.string(),
  filedAt: z.string(),
  counts: CommentCountsSchema,
  page: CommentGroupPageSchema,
});

export const RecordsHealthSchema = z.object({
  projectors: z.array(z.object({ name: z.string(), figures: z.record(z.string(), z.unknown()), updatedAt: z.string() })),
  incomplete: z.array(z.object({ kind: RecordKindSchema, decisionId: z.string(), recorded: z.number().int(), known: z.number().int() })),
});
