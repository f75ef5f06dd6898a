/**
 * The annual catalog of major decision matters (重大行政决策事项年度目录): drawn up by the deciding authority, agreed by
 * the party committee at the same level, published, and adjusted during the year with reasons (Decree 713 art. 3;
 * seed 004 推行重大决策事项年度目录公开制度; seed 000 item 9). A matter outside the catalog may still be decided, with its
 * reason stated (design choice following DOMAIN.md §6). One durable workflow per authority and year keeps it; at the
 * year's end (31 December, Beijing time) it lists the items never started and the decisions made off-catalog.
 */
import { z } from 'zod';
import { ActorSchema, AuthoritySchema, code, HistoryEntrySchema, isoDate, requestId, text, type Role } from './schemas';

export const CATALOG_BASIS = {
  catalog: 'Decree 713 art. 3: 决策机关可以确定决策事项目录、标准，经同级党委同意后向社会公布，并根据实际情况调整',
  yearly: 'seed 004: 推行重大决策事项年度目录公开制度; seed 000 第9项',
  offCatalog: 'DOMAIN.md §6: 目录外事项仍可决策，应当说明理由',
} as const;

export const catalogWorkflowId = (authority: string, year: number) => `catalog-${authority}-${year}`;
/** The record's id of a catalog (kind 'catalog'): `<authority>-<year>`. */
export const catalogRecordId = (authority: string, year: number) => `${authority}-${year}`;

export const CatalogYearSchema = z.number().int().min(2000).max(2100);

/** One matter of the catalog. */
export const CatalogItemSchema = z.strictObject({
  itemId: code,
  title: text(300),
  /** 承办单位. */
  undertakingUnit: text(200),
  plannedQuarter: z.number().int().min(1).max(4),
  /** Why it is a major decision matter (the article, plan or instruction it follows). */
  basis: text(1000),
});
export type CatalogItem = z.infer<typeof CatalogItemSchema>;

/** A decision's reference to its catalog item (the proposal's `inCatalog`). */
export const CatalogRefSchema = z.strictObject({ year: CatalogYearSchema, itemId: code });
export type CatalogRef = z.infer<typeof CatalogRefSchema>;

/** What starts a catalog workflow (and, after continue-as-new, where it stood). */
export const StartCatalogSchema = z.strictObject({
  authority: AuthoritySchema,
  year: CatalogYearSchema,
  carried: z.unknown().optional(),
});
export type StartCatalog = z.input<typeof StartCatalogSchema>;

const request = { requestId, actor: ActorSchema };
const uniqueItems = (items: CatalogItem[]) => new Set(items.map((i) => i.itemId)).size === items.length;

/** The draft (replaces the items drafted so far); only while drafting. */
export const DraftCatalogSchema = z.strictObject({
  ...request,
  items: z.array(CatalogItemSchema).min(1, 'list at least one matter').max(500).refine(uniqueItems, 'item ids must be unique'),
});
/** Sent to the party committee at the same level for its agreement. */
export const SubmitCatalogSchema = z.strictObject({ ...request, submittedOn: isoDate });
/** The party committee's agreement (经同级党委同意): who agreed, when, under what reference. */
export const RecordApprovalSchema = z.strictObject({ ...request, agreedBy: text(200), agreedOn: isoDate, reference: text(300) });
/** Published to the public (a notice). */
export const PublishCatalogSchema = z.strictObject({ ...request, documentNumber: text(100) });
/** A matter added during the year, with its reason (a notice). */
export const AddCatalogItemSchema = z.strictObject({ ...request, item: CatalogItemSchema, reason: text(2000) });
/** A matter removed during the year, with its reason (a notice). */
export const RemoveCatalogItemSchema = z.strictObject({ ...request, itemId: code, reason: text(2000) });
/** Closed before the timer at year end (e.g. after the year's summary is made). */
export const CloseCatalogSchema = z.strictObject({ ...request, reason: text(2000) });
/** Sent by the client when a decision starts, on an item or off-catalog with its reason (no actor: the system tells it). */
export const DecisionStartedSchema = z
  .strictObject({
    requestId,
    decisionId: code,
    title: text(300),
    itemId: code.optional(),
    offCatalogReason: text(2000).optional(),
  })
  .refine((v) => (v.itemId === undefined) !== (v.offCatalogReason === undefined), { message: 'name the catalog item or give the off-catalog reason, not both' });
export type DecisionStarted = z.infer<typeof DecisionStartedSchema>;

interface CatalogActionRule {
  schema: z.ZodType<{ requestId: string; actor: z.infer<typeof ActorSchema> }>;
  roles: readonly Role[];
  basis: string;
}

/**
 * The catalog's actions: the government office (办公室, here the meetingSecretary role) or the head draws it up and
 * adjusts it; the agreement is recorded by them as the committee gave it. Supervisors read.
 */
export const CATALOG_ACTIONS = {
  draftCatalog: { schema: DraftCatalogSchema, roles: ['meetingSecretary', 'headOfGovernment'], basis: 'Decree 713 art. 3; seed 004' },
  submitCatalog: { schema: SubmitCatalogSchema, roles: ['meetingSecretary', 'headOfGovernment'], basis: 'Decree 713 art. 3' },
  recordApproval: { schema: RecordApprovalSchema, roles: ['meetingSecretary', 'headOfGovernment'], basis: 'Decree 713 art. 3 (经同级党委同意)' },
  publishCatalog: { schema: PublishCatalogSchema, roles: ['meetingSecretary', 'headOfGovernment'], basis: 'Decree 713 art. 3 (向社会公布); seed 004' },
  addCatalogItem: { schema: AddCatalogItemSchema, roles: ['meetingSecretary', 'headOfGovernment'], basis: 'Decree 713 art. 3 (根据实际情况调整)' },
  removeCatalogItem: { schema: RemoveCatalogItemSchema, roles: ['meetingSecretary', 'headOfGovernment'], basis: 'Decree 713 art. 3 (根据实际情况调整)' },
  closeCatalog: { schema: CloseCatalogSchema, roles: ['meetingSecretary', 'headOfGovernment'], basis: 'seed 004 (年度目录)' },
} as const satisfies Record<string, CatalogActionRule>;

export type CatalogActionName = keyof typeof CATALOG_ACTIONS;
export const CATALOG_ACTION_NAMES = Object.keys(CATALOG_ACTIONS) as CatalogActionName[];
export const isCatalogActionName = (name: string): name is CatalogActionName => Object.hasOwn(CATALOG_ACTIONS, name);
export type CatalogActionInput<A extends CatalogActionName> = z.input<(typeof CATALOG_ACTIONS)[A]['schema']>;
export type CatalogActionArgs<A extends CatalogActionName> = z.infer<(typeof CATALOG_ACTIONS)[A]['schema']>;

export function catalogRoleRefusal(action: CatalogActionName, role: Role): string | undefined {
  const allowed: readonly Role[] = CATALOG_ACTIONS[action].roles;
  if (allowed.includes(role)) return undefined;
  return `${action} is for ${allowed.join(' or ')}, not ${role} (${CATALOG_ACTIONS[action].basis}).`;
}

export const CatalogStateSchema = z.enum(['drafting', 'submitted', 'approved', 'published', 'closed']);
export type CatalogState = z.infer<typeof CatalogStateSchema>;

export const CatalogEntrySchema = CatalogItemSchema.extend({
  /** listed: in the catalog; removed: taken out during the year. */
  status: z.enum(['listed', 'removed']),
  /** In the catalog as published, or added during the year. */
  origin: z.enum(['catalog', 'adjustment']),
  addedReason: z.string().optional(),
  removedReason: z.string().optional(),
  /** Decisions started on this item. */
  decisions: z.array(z.string()),
});
export type CatalogEntry = z.infer<typeof CatalogEntrySchema>;

export const OffCatalogDecisionSchema = z.object({ decisionId: z.string(), title: z.string(), reason: z.string(), at: z.string() });

export const YearEndSchema = z.object({
  closedAt: z.string(),
  /** How it closed: at the end of 31 December (Beijing time), or by an explicit close. */
  by: z.enum(['yearEnd', 'explicit']),
  /** Items listed at the close on which no decision started. */
  neverStarted: z.array(CatalogItemSchema.pick({ itemId: true, title: true, undertakingUnit: true, plannedQuarter: true })),
  offCatalog: z.array(OffCatalogDecisionSchema),
});
export type YearEnd = z.infer<typeof YearEndSchema>;

/** What the `catalogStatus` query (and the workflow's result) returns. */
export const CatalogStatusSchema = z.object({
  authority: AuthoritySchema,
  year: z.number().int(),
  state: CatalogStateSchema,
  items: z.array(CatalogEntrySchema),
  approval: z.object({ agreedBy: z.string(), agreedOn: z.string(), reference: z.string() }).optional(),
  publishedOn: z.string().optional(),
  documentNumber: z.string().optional(),
  /** Adjustments made after publication, each published as a notice. */
  changes: z.number().int(),
  offCatalog: z.array(OffCatalogDecisionSchema),
  yearEnd: YearEndSchema.optional(),
  events: z.number().int(),
  history: z.array(HistoryEntrySchema),
});
export type CatalogStatus = z.infer<typeof CatalogStatusSchema>;

/** The end of 31 December of `year`, Beijing time. */
export const yearEndsAt = (year: number) => new Date(`${year + 1}-01-01T00:00:00+08:00`);

/** Why a decision may not name this item of this catalog, or undefined if it may. */
export function catalogRefRefusal(s: Pick<CatalogStatus, 'state' | 'items' | 'year' | 'authority'>, itemId: string): string | undefined {
  const name = `${s.authority.code}'s ${s.year} catalog`;
  if (s.state !== 'published') return `${name} is ${s.state === 'closed' ? 'closed' : 'not yet published'}: a decision names an item of a published catalog (${CATALOG_BASIS.catalog}).`;
  const item = s.items.find((i) => i.itemId === itemId);
  if (!item) return `${name} has no item ${itemId}.`;
  if (item.status === 'removed') return `item ${itemId} was removed from ${name} (${item.removedReason}).`;
  return undefined;
}
