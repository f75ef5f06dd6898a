/**
 * Public comments at scale (公开征求意见, arts. 15, 18): kept in the comment store, never one by one in a workflow's
 * history. The same text from the same submitter counts once; identical texts from many submitters (a campaign)
 * form one group, counted; the adoption report answers each group (adopted or not, with the reason).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { text } from '../domain/schemas';
import type { Db, Queryable } from './db';

/** A group whose text this many distinct submitters sent is reported as a campaign (集中反映的意见). */
export const CAMPAIGN_MIN_SUBMITTERS = 20;

export const CommentChannelSchema = z.enum(['web', 'nats', 'letter', 'email', 'hearing']);

export const CommentSchema = z.strictObject({
  /** Who sent it: an account id, or a digest of a name and contact for letters. */
  submitter: text(200),
  text: text(20_000),
  channel: CommentChannelSchema.default('web'),
  /**
   * When it was received, for the comments of a consultation held elsewhere (补录) recorded after its period:
   * within that period, on its original notice. Live comments leave it out (received now).
   */
  receivedAt: z.iso.datetime({ offset: true }).optional(),
});
export type CommentInput = z.input<typeof CommentSchema>;
export type Comment = z.output<typeof CommentSchema>;

/** A batch of comments for one decision: at most this many per call. */
export const MAX_BATCH = 5000;
export const CommentBatchSchema = z.array(CommentSchema).min(1).max(MAX_BATCH);

export const AdoptionSchema = z.strictObject({
  groupId: z.number().int().positive(),
  adopted: z.boolean(),
  reason: text(5000),
});
export type Adoption = z.infer<typeof AdoptionSchema>;
/** Answers to the adoption report, at most this many in one call. */
export const MAX_ANSWERS = 1000;
export const AdoptionBatchSchema = z.strictObject({ answers: z.array(AdoptionSchema).min(1).max(MAX_ANSWERS) });

/** Refused: the consultation is not open (not opened yet, or its period over). */
export class CommentIntakeClosed extends Error {
  override name = 'CommentIntakeClosed';
}

/** Texts that differ only in width, spacing or case of Latin letters are the same comment. */
export function normalizeComment(text: string): string {
  return text.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();
}

const digest = (text: string) => createHash('sha256').update(normalizeComment(text)).digest('hex');

export const IngestResultSchema = z.object({
  /** New comments stored. */
  accepted: z.number().int(),
  /** The same text again from the same submitter: not counted twice. */
  duplicates: z.number().int(),
  /** Comments received for the decision so far, in all. */
  total: z.number().int(),
});
export type IngestResult = z.infer<typeof IngestResultSchema>;

/** Whether the consultation accepts comments at `now`: opened, not closed, its period not over. */
async function intakeOpen(q: Queryable, decisionId: string, now: Date): Promise<void> {
  const [c] = await q.query<{ closes_at: Date | string | null; closed_at: unknown }>(
    'SELECT closes_at, closed_at FROM consultations WHERE decision_id = $1',
    [decisionId],
  );
  if (!c) throw new CommentIntakeClosed(`${decisionId} has no open consultation (art. 15).`);
  if (c.closed_at || (c.closes_at && new Date(c.closes_at as string).getTime() <= now.getTime())) {
    throw new CommentIntakeClosed(`The comment period of ${decisionId} is over${c.closes_at ? ` (it closed at ${new Date(c.closes_at as string).toISOString()})` : ''}.`);
  }
}

/**
 * A batch of comments received by a consultation held elsewhere (补录), each with its time: the consultation must be
 * recorded as such, and every time within its period (from its notice to its close).
 */
async function recordedElsewhere(q: Queryable, decisionId: string, batch: Comment[]): Promise<void> {
  const [c] = await q.query<{ closes_at: Date | string | null; retroactive: { noticeDate: string; noticeReference: string } | string | null }>(
    'SELECT closes_at, retroactive FROM consultations WHERE decision_id = $1',
    [decisionId],
  );
  const notice = typeof c?.retroactive === 'string' ? JSON.parse(c.retroactive) : c?.retroactive;
  if (!notice) throw new CommentIntakeClosed(`Comments with their own receivedAt are for a consultation of ${decisionId} held elsewhere (补录), and it has none.`);
  if (!c!.closes_at) throw new CommentIntakeClosed(`The period of ${decisionId}'s consultation is not known yet; try again shortly.`);
  const from = Date.parse(`${notice.noticeDate}T00:00:00+08:00`);
  const to = new Date(c!.closes_at as string).getTime();
  const outside = batch.findIndex((m) => !m.receivedAt || Date.parse(m.receivedAt) < from || Date.parse(m.receivedAt) > to);
  if (outside >= 0) {
    throw new CommentIntakeClosed(
      `Comment ${outside + 1}: a comment recorded for the consultation held elsewhere (${notice.noticeReference}) must give its receivedAt within its period, ` +
        `${new Date(from).toISOString()} to ${new Date(to).toISOString()}.`,
    );
  }
}

/** Stores a batch of comments in one transaction: all of it, or none. */
export function ingestComments(db: Db, decisionId: string, batch: Comment[], now = new Date()): Promise<IngestResult> {
  return db.tx(async (q) => {
    if (batch.some((c) => c.receivedAt)) await recordedElsewhere(q, decisionId, batch);
    else await intakeOpen(q, decisionId, now);
    // One group per distinct text in the batch, created if new.
    const byHash = new Map<string, string>();
    for (const c of batch) {
      const h = digest(c.text);
      if (!byHash.has(h)) byHash.set(h, c.text);
    }
    const hashes = [...byHash.keys()];
    const newGroups = await q.query(
      `INSERT INTO comment_groups (decision_id, text_hash, text, first_at)
       SELECT $1, h, t, $4 FROM unnest($2::text[], $3::text[]) AS x(h, t)
       ON CONFLICT (decision_id, text_hash) DO NOTHING
       RETURNING id`,
      [decisionId, hashes, hashes.map((h) => byHash.get(h)), now],
    );
    const groups = await q.query<{ id: string; text_hash: string }>(
      'SELECT id, text_hash FROM comment_groups WHERE decision_id = $1 AND text_hash = ANY($2::text[])',
      [decisionId, hashes],
    );
    const groupOf = new Map(groups.map((g) => [g.text_hash, String(g.id)]));
    const inserted = await q.query<{ group_id: string }>(
      `INSERT INTO comments (decision_id, group_id, submitter, channel, received_at)
       SELECT $1, g, s, c, r FROM unnest($2::bigint[], $3::text[], $4::text[], $5::timestamptz[]) AS x(g, s, c, r)
       ON CONFLICT (decision_id, submitter, group_id) DO NOTHING
       RETURNING group_id`,
      [decisionId, batch.map((c) => groupOf.get(digest(c.text))), batch.map((c) => c.submitter), batch.map((c) => c.channel), batch.map((c) => c.receivedAt ?? now.toISOString())],
    );
    const added = new Map<string, number>();
    for (const r of inserted) added.set(String(r.group_id), (added.get(String(r.group_id)) ?? 0) + 1);
    if (!added.size) {
      const [{ received }] = (await q.query<{ received: string }>('SELECT received FROM consultations WHERE decision_id = $1', [decisionId])) as [{ received: string }];
      return { accepted: 0, duplicates: batch.length, total: Number(received) };
    }
    // The groups grow, and those that reach CAMPAIGN_MIN_SUBMITTERS with this batch become campaigns.
    const [{ campaigns }] = (await q.query<{ campaigns: string }>(
      `WITH grown AS (
         UPDATE comment_groups g SET comments = g.comments + x.n
         FROM unnest($1::bigint[], $2::int[]) AS x(id, n) WHERE g.id = x.id
         RETURNING g.comments AS grown_to, x.n AS n)
       SELECT count(*) FILTER (WHERE grown_to >= $3 AND grown_to - n < $3) AS campaigns FROM grown`,
      [[...added.keys()], [...added.values()], CAMPAIGN_MIN_SUBMITTERS],
    )) as [{ campaigns: string }];
    // The consultation's counts, kept with its comments (the row is locked until the batch commits).
    const [{ received }] = (await q.query<{ received: string }>(
      'UPDATE consultations SET received = received + $2, text_groups = text_groups + $3, campaigns = campaigns + $4 WHERE decision_id = $1 RETURNING received',
      [decisionId, inserted.length, newGroups.length, Number(campaigns)],
    )) as [{ received: string }];
    return { accepted: inserted.length, duplicates: batch.length - inserted.length, total: Number(received) };
  });
}

/** Who answered a group in the adoption report (the token's holder). */
export const AdoptionActorSchema = z.object({ id: z.string(), name: z.string(), organisation: z.string() });
export type AdoptionActor = z.infer<typeof AdoptionActorSchema>;

export const CommentGroupSchema = z.object({
  groupId: z.number().int(),
  text: z.string(),
  /** Distinct submitters of this text. */
  comments: z.number().int(),
  campaign: z.boolean(),
  adopted: z.boolean().nullable(),
  reason: z.string().nullable(),
  /** Who answered it and when (answers recorded before these were kept have neither). */
  answeredBy: AdoptionActorSchema.nullable(),
  answeredAt: z.string().nullable(),
});
export type CommentGroup = z.infer<typeof CommentGroupSchema>;

export interface CommentTally {
  decisionId: string;
  comments: number;
  groups: number;
  campaigns: number;
  /** Groups not yet answered in the adoption report. */
  unanswered: number;
  /** The groups, largest first (at most `limit`). */
  top: CommentGroup[];
}

/** Counts for a decision's comments, and its largest groups. */
export async function commentTally(db: Queryable, decisionId: string, limit = 20): Promise<CommentTally> {
  const t = await keptCounts(db, decisionId);
  const rows = await db.query(
    `SELECT ${GROUP_COLUMNS} FROM comment_groups WHERE decision_id = $1 ORDER BY comments DESC, id LIMIT $2`,
    [decisionId, limit],
  );
  return { decisionId, comments: t.received, groups: t.groups, campaigns: t.campaigns, unanswered: t.groups - t.answered, top: rows.map(groupOf) };
}

/** The counts the consultation keeps as comments come in and groups are answered (migration 10); none: zeros. */
async function keptCounts(db: Queryable, decisionId: string): Promise<CommentCounts & { answered: number }> {
  const [t] = await db.query<{ received: string; text_groups: string; campaigns: string; answered_groups: string }>(
    'SELECT received, text_groups, campaigns, answered_groups FROM consultations WHERE decision_id = $1',
    [decisionId],
  );
  return { received: Number(t?.received ?? 0), groups: Number(t?.text_groups ?? 0), campaigns: Number(t?.campaigns ?? 0), answered: Number(t?.answered_groups ?? 0) };
}

export const CommentCountsSchema = z.object({
  /** Comments received, each submitter counted once per text. */
  received: z.number().int(),
  /** Distinct texts. */
  groups: z.number().int(),
  /** Groups sent by CAMPAIGN_MIN_SUBMITTERS or more submitters (集中反映的意见). */
  campaigns: z.number().int(),
});
export type CommentCounts = z.infer<typeof CommentCountsSchema>;

/** A decision's comment counts (the comment store is their one source; the workflow is never told them). */
export async function commentCounts(db: Queryable, decisionId: string): Promise<CommentCounts> {
  const { received, groups, campaigns } = await keptCounts(db, decisionId);
  return { received, groups, campaigns };
}

const GROUP_COLUMNS = 'id, text, comments, adopted, reason, answered_by, answered_at';

const groupOf = (r: Record<string, unknown>): CommentGroup => ({
  groupId: Number(r.id),
  text: String(r.text),
  comments: Number(r.comments),
  campaign: Number(r.comments) >= CAMPAIGN_MIN_SUBMITTERS,
  adopted: (r.adopted as boolean | null) ?? null,
  reason: (r.reason as string | null) ?? null,
  answeredBy: (typeof r.answered_by === 'string' ? JSON.parse(r.answered_by) : (r.answered_by as AdoptionActor | null)) ?? null,
  answeredAt: r.answered_at ? new Date(r.answered_at as string).toISOString() : null,
});

export interface CommentGroupQuery {
  /** Only campaigns (true), or only the other groups (false). */
  campaign?: boolean;
  /** Only groups answered in the adoption report (true), or not yet (false). */
  answered?: boolean;
  limit?: number;
  offset?: number;
}

export const CommentGroupPageSchema = z.object({
  decisionId: z.string(),
  /** Groups matching the query, in all. */
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  /** Largest first (then oldest first). */
  groups: z.array(CommentGroupSchema),
});
export type CommentGroupPage = z.infer<typeof CommentGroupPageSchema>;

/** A decision's comment groups, largest first, a page at a time, optionally only campaigns or only unanswered ones. */
export async function commentGroups(db: Queryable, decisionId: string, o: CommentGroupQuery = {}): Promise<CommentGroupPage> {
  const limit = o.limit ?? 100;
  const offset = o.offset ?? 0;
  const where = ['decision_id = $1'];
  const params: unknown[] = [decisionId];
  if (o.campaign !== undefined) {
    params.push(CAMPAIGN_MIN_SUBMITTERS);
    where.push(`comments ${o.campaign ? '>=' : '<'} $${params.length}`);
  }
  if (o.answered !== undefined) where.push(`adopted IS ${o.answered ? 'NOT ' : ''}NULL`);
  const filter = where.join(' AND ');
  const total = (await keptTotal(db, decisionId, o)) ?? Number((await db.query<{ total: string }>(`SELECT count(*) AS total FROM comment_groups WHERE ${filter}`, params))[0]?.total ?? 0);
  const rows = await db.query(
    `SELECT ${GROUP_COLUMNS} FROM comment_groups WHERE ${filter} ORDER BY comments DESC, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, limit, offset],
  );
  return { decisionId, total, limit, offset, groups: rows.map(groupOf) };
}

/** The number of groups matching one filter (or none), from the consultation's kept counts; undefined for both filters. */
async function keptTotal(db: Queryable, decisionId: string, o: CommentGroupQuery): Promise<number | undefined> {
  if (o.campaign !== undefined && o.answered !== undefined) return undefined;
  const t = await keptCounts(db, decisionId);
  if (o.campaign !== undefined) return o.campaign ? t.campaigns : t.groups - t.campaigns;
  if (o.answered !== undefined) return o.answered ? t.answered : t.groups - t.answered;
  return t.groups;
}

/** An answer names a group that is not one of the decision's. */
export class UnknownCommentGroup extends Error {
  override name = 'UnknownCommentGroup';
  constructor(
    readonly decisionId: string,
    readonly groupId: number,
    /** Its place among the answers given. */
    readonly index: number,
  ) {
    super(`Comment group ${groupId} is not a group of ${decisionId}.`);
  }
}

/**
 * Answers comment groups in the adoption report (采纳情况, arts. 18, 29), all or none; a group of another decision
 * is refused (UnknownCommentGroup). A group answered again keeps the latest answer, with who gave it and when.
 */
export async function recordAdoption(db: Db, decisionId: string, answers: Adoption[], by?: AdoptionActor, at = new Date()): Promise<void> {
  await db.tx(async (q) => {
    let newlyAnswered = 0;
    for (const [i, a] of answers.entries()) {
      const updated = await q.query<{ was_open: boolean }>(
        `UPDATE comment_groups g SET adopted = $3, reason = $4, answered_by = $5, answered_at = $6
         FROM (SELECT id, adopted IS NULL AS was_open FROM comment_groups WHERE decision_id = $1 AND id = $2 FOR UPDATE) o
         WHERE g.id = o.id RETURNING o.was_open`,
        [decisionId, a.groupId, a.adopted, a.reason, by ? JSON.stringify(by) : null, at],
      );
      if (!updated.length) throw new UnknownCommentGroup(decisionId, a.groupId, i);
      if (updated[0]!.was_open) newlyAnswered++;
    }
    if (newlyAnswered) await q.query('UPDATE consultations SET answered_groups = answered_groups + $2 WHERE decision_id = $1', [decisionId, newlyAnswered]);
  });
}

/**
 * The adoption report, streamed: every group with its answer, largest first, read `pageSize` at a time after the last
 * one read (by size and id, on the size index), never all at once: a consultation may hold millions of groups.
 */
export async function* adoptionReportGroups(db: Queryable, decisionId: string, pageSize = 2000): AsyncGenerator<CommentGroup> {
  const select = `SELECT ${GROUP_COLUMNS} FROM comment_groups WHERE decision_id = $1`;
  let rows = await db.query(`${select} ORDER BY comments DESC, id LIMIT $2`, [decisionId, pageSize]);
  while (rows.length) {
    for (const r of rows) yield groupOf(r);
    if (rows.length < pageSize) return;
    const last = { comments: Number(rows.at(-1)!.comments), id: Number(rows.at(-1)!.id) };
    // After the last one read: the rest of its size, then the smaller ones; each a range of the size index.
    rows = await db.query(`${select} AND comments = $2 AND id > $3 ORDER BY id LIMIT $4`, [decisionId, last.comments, last.id, pageSize]);
    if (rows.length < pageSize) {
      rows = rows.concat(await db.query(`${select} AND comments < $2 ORDER BY comments DESC, id LIMIT $3`, [decisionId, last.comments, pageSize - rows.length]));
    }
  }
}

/** The whole adoption report in memory, largest first: for a consultation of a size that fits (else adoptionReportGroups). */
export async function adoptionReport(db: Queryable, decisionId: string): Promise<CommentGroup[]> {
  const groups: CommentGroup[] = [];
  for await (const g of adoptionReportGroups(db, decisionId)) groups.push(g);
  return groups;
}

/**
 * When the undertaking unit filed the consultation's report (征求意见采纳情况, arts. 18, 29): the record's
 * publicParticipation stepCompleted, or none yet. Until then the groups' answers are the office's working papers.
 */
export async function adoptionReportFiledAt(db: Queryable, decisionId: string): Promise<string | undefined> {
  const [row] = await db.query<{ at: string | Date }>(
    "SELECT at FROM record_entries WHERE kind = 'majorDecision' AND decision_id = $1 AND type = 'stepCompleted' AND step = 'publicParticipation' ORDER BY seq LIMIT 1",
    [decisionId],
  );
  return row ? new Date(row.at).toISOString() : undefined;
}

export interface OpenConsultation {
  decisionId: string;
  title: string;
  undertakingUnit: string | null;
  /** The end of the comment period on the official calendar, once the record has it. */
  closesAt: string | null;
}

/** An authority's consultations open for comments now, the soonest to close first (征求意见, art. 15). */
export async function openConsultations(db: Queryable, authority: string, now = new Date()): Promise<OpenConsultation[]> {
  const rows = await db.query<{ decision_id: string; title: string; undertaking_unit: string | null; closes_at: string | Date | null }>(
    `SELECT d.decision_id, d.title, d.undertaking_unit, c.closes_at FROM consultations c
     JOIN decisions d ON d.kind = 'majorDecision' AND d.decision_id = c.decision_id
     WHERE d.authority = $1 AND c.closed_at IS NULL AND c.retroactive IS NULL AND (c.closes_at IS NULL OR c.closes_at > $2)
     ORDER BY c.closes_at ASC NULLS LAST, d.decision_id LIMIT 500`,
    [authority, now],
  );
  return rows.map((r) => ({ decisionId: r.decision_id, title: r.title, undertakingUnit: r.undertaking_unit, closesAt: r.closes_at ? new Date(r.closes_at).toISOString() : null }));
}

/** One consultation as the public sees it: its decision, its period, whether it takes comments now. */
export async function consultationOf(db: Queryable, decisionId: string): Promise<(OpenConsultation & { authority: string; closed: boolean }) | undefined> {
  const [r] = await db.query<{ decision_id: string; title: string; undertaking_unit: string | null; authority: string; closes_at: string | Date | null; closed_at: unknown }>(
    `SELECT d.decision_id, d.title, d.undertaking_unit, d.authority, c.closes_at, c.closed_at FROM consultations c
     JOIN decisions d ON d.kind = 'majorDecision' AND d.decision_id = c.decision_id WHERE c.decision_id = $1`,
    [decisionId],
  );
  if (!r) return undefined;
  const closesAt = r.closes_at ? new Date(r.closes_at).toISOString() : null;
  return { decisionId: r.decision_id, title: r.title, undertakingUnit: r.undertaking_unit, authority: r.authority, closesAt, closed: Boolean(r.closed_at) || (closesAt !== null && Date.parse(closesAt) <= Date.now()) };
}
