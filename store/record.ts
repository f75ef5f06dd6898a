/**
 * The procedure record (read model): each procedure event appended once, in order, hash-chained to the one before,
 * one record per kind and id (a major decision, an enforcement case), and where each stands as its workflow said in
 * the last event (stored, never derived). Lives beyond Temporal's retention (lifetime accountability, 决策终身责任追究,
 * art. 40).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ProcedureEventSchema, RecordKindSchema, recordKindOf, type ProcedureEvent, type RecordKind, type Standing } from '../domain/events';
import type { Db, Queryable } from './db';

/** The chain's anchor: the "previous hash" of a decision's first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with keys sorted at every level: the same event always hashes the same, whatever stored it. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function entryHash(prevHash: string, event: unknown): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(event)).digest('hex');
}

interface DecisionRow {
  status: string;
  current_step: string | null;
  open_steps: string[];
  next_deadline: Date | string | null;
  deadline_rule: string | null;
  deadline_provisional: boolean;
  overdue: boolean;
  assignees: Assignee[];
  last_seq: number;
  last_hash: string;
}

/** A person asked who has yet to answer, with the step (the event's `standing.assignees`). */
export interface Assignee {
  id: string;
  step: string;
}

type StandingColumns = Pick<DecisionRow, 'status' | 'current_step' | 'open_steps' | 'next_deadline' | 'deadline_rule' | 'deadline_provisional' | 'overdue' | 'assignees'>;

/** A new record whose first event says nothing of where it stands (older runs only). */
const UNKNOWN_STANDING: StandingColumns = {
  status: 'unknown',
  current_step: null,
  open_steps: [],
  next_deadline: null,
  deadline_rule: null,
  deadline_provisional: false,
  overdue: false,
  assignees: [],
};

export type ApplyOutcome = 'applied' | 'duplicate' | 'held';

export interface ApplyResult {
  outcome: ApplyOutcome;
  /** What this call appended, in order: the event, and the held events it let through. */
  recorded: ProcedureEvent[];
}

/**
 * Appends one event to its record (kind and id), in one transaction, and stores where the decision stands as the
 * event says (its workflow is the one writer of that; nothing is derived here). Idempotent: an event already
 * recorded is a 'duplicate'. An event whose predecessor is missing is 'held' in the record's own table (never left
 * unacknowledged in the stream, where it would hold up every other decision); it is appended, with any held after it,
 * as soon as the missing event comes, from the stream or from the workflow (see projector/repair.ts).
 */
export function applyEvent(db: Db, e: ProcedureEvent, o: { releaseHeld?: boolean } = {}): Promise<ApplyResult> {
  // Looking for held events costs a query per event; a projector that knows none are held skips it (a held event
  // whose predecessor came meanwhile is let through by its maintenance: see releaseHeld).
  const releaseHeld = o.releaseHeld ?? true;
  const kind = recordKindOf(e);
  return db.tx(async (q) => {
    const [row] = await q.query<DecisionRow & Record<string, unknown>>('SELECT * FROM decisions WHERE kind = $1 AND decision_id = $2 FOR UPDATE', [
      kind,
      e.decisionId,
    ]);
    const lastSeq = row ? Number(row.last_seq) : 0;
    if (e.seq <= lastSeq) return { outcome: 'duplicate', recorded: [] };
    if (e.seq !== lastSeq + 1) {
      await q.query('INSERT INTO held_events (kind, decision_id, seq, event) VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING', [kind, e.decisionId, e.seq, JSON.stringify(e)]);
      return { outcome: 'held', recorded: [] };
    }
    const recorded: ProcedureEvent[] = [];
    let current: DecisionRow | undefined = row;
    for (let next: ProcedureEvent | undefined = e; next; ) {
      current = await append(q, kind, current, next);
      recorded.push(next);
      // The next event, if it was held; and this one, if it was held too and came again (from the workflow).
      if (!releaseHeld) break;
      const held: { seq: number; event: ProcedureEvent }[] = await q.query<{ seq: number; event: ProcedureEvent }>(
        'DELETE FROM held_events WHERE kind = $1 AND decision_id = $2 AND seq <= $3 RETURNING seq, event',
        [kind, e.decisionId, next.seq + 1],
      );
      const after: number = next.seq + 1;
      const following = held.find((h) => Number(h.seq) === after);
      next = following ? ProcedureEventSchema.parse(following.event) : undefined;
    }
    return { outcome: 'applied', recorded };
  });
}

/** Lets through the held events of a record whose missing event has come meanwhile; returns how many. */
export async function releaseHeld(db: Db, kind: RecordKind, decisionId: string): Promise<number> {
  // Held events the record has since taken by another way are dropped.
  await db.query(
    `DELETE FROM held_events h USING decisions d WHERE h.kind = $1 AND h.decision_id = $2 AND d.kind = h.kind AND d.decision_id = h.decision_id AND h.seq <= d.last_seq`,
    [kind, decisionId],
  );
  const [next] = await db.query<{ event: ProcedureEvent }>(
    `SELECT h.event FROM held_events h JOIN decisions d ON d.kind = h.kind AND d.decision_id = h.decision_id
     WHERE h.kind = $1 AND h.decision_id = $2 AND h.seq = d.last_seq + 1`,
    [kind, decisionId],
  );
  if (!next) return 0;
  return (await applyEvent(db, ProcedureEventSchema.parse(next.event))).recorded.length;
}

/** Appends `e` (the next event) to the record whose head is `row` (none yet for a first event); returns the new head. */
async function append(q: Queryable, kind: RecordKind, row: DecisionRow | undefined, e: ProcedureEvent): Promise<DecisionRow> {
  const prevHash = row?.last_hash ?? GENESIS_HASH;
  const hash = entryHash(prevHash, e);
  const next = e.standing ? standingColumns(e.standing) : (row ?? UNKNOWN_STANDING);
  const columns = [next.status, next.current_step, next.open_steps, next.next_deadline, next.deadline_rule, next.deadline_provisional, next.overdue, JSON.stringify(next.assignees ?? [])];
  if (!row) {
    await q.query(
      `INSERT INTO decisions (kind, decision_id, authority, title, undertaking_unit, status, current_step, open_steps, next_deadline,
         deadline_rule, deadline_provisional, overdue, assignees, last_seq, last_hash, started_at, updated_at, known_seq)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$16,$14)`,
      [kind, e.decisionId, e.authority, titleOf(e), undertakingUnitOf(e), ...columns, e.seq, hash, e.at],
    );
  } else {
    await q.query(
      `UPDATE decisions SET status=$3, current_step=$4, open_steps=$5, next_deadline=$6, deadline_rule=$7, deadline_provisional=$8,
         overdue=$9, assignees=$10, last_seq=$11, last_hash=$12, updated_at=$13, known_seq=GREATEST(known_seq, $11), settled=false WHERE kind=$1 AND decision_id=$2`,
      [kind, e.decisionId, ...columns, e.seq, hash, e.at],
    );
  }
  await q.query(
    'INSERT INTO record_entries (kind, decision_id, seq, type, at, step, summary, event, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)',
    [kind, e.decisionId, e.seq, e.type, e.at, e.step ?? null, e.summary, JSON.stringify(e), prevHash, hash],
  );
  if (kind === 'majorDecision') await consultationEffects(q, e);
  return { ...next, last_seq: e.seq, last_hash: hash };
}

/** The row's columns for where the event says the decision stands. */
function standingColumns(s: Standing): StandingColumns {
  return {
    status: s.status,
    current_step: s.currentStep,
    open_steps: s.openSteps,
    next_deadline: s.nextDeadline?.dueAt ?? null,
    deadline_rule: s.nextDeadline?.rule ?? null,
    deadline_provisional: s.nextDeadline?.provisional ?? false,
    overdue: s.overdue,
    assignees: s.assignees ?? [],
  };
}

function titleOf(e: ProcedureEvent): string {
  const title = e.details?.title;
  return typeof title === 'string' ? title : e.summary;
}

function undertakingUnitOf(e: ProcedureEvent): string | null {
  const unit = e.details?.undertakingUnit;
  return typeof unit === 'string' ? unit : null;
}

/**
 * The comment store follows a major decision's consultation: its closing time, set or recomputed on the calendar,
 * and when it closed (征求意见, arts. 15, 18).
 */
async function consultationEffects(q: Queryable, e: ProcedureEvent): Promise<void> {
  const retroactive = e.type === 'consultationOpened' && e.details?.recordType === '补录' ? e.details.retroactive : undefined;
  if (retroactive) {
    await q.query(
      `INSERT INTO consultations (decision_id, authority, retroactive) VALUES ($1,$2,$3)
       ON CONFLICT (decision_id) DO UPDATE SET retroactive = EXCLUDED.retroactive`,
      [e.decisionId, e.authority, JSON.stringify(retroactive)],
    );
  }
  if ((e.type === 'deadlineSet' || e.type === 'deadlineRecomputed') && e.deadline?.rule === 'commentPeriod') {
    await q.query(
      `INSERT INTO consultations (decision_id, authority, closes_at) VALUES ($1,$2,$3)
       ON CONFLICT (decision_id) DO UPDATE SET closes_at = EXCLUDED.closes_at`,
      [e.decisionId, e.authority, e.deadline.dueAt],
    );
  }
  if (e.type === 'commentPeriodClosed' || e.type === 'decisionWithdrawn') {
    await q.query('UPDATE consultations SET closed_at = $2 WHERE decision_id = $1 AND closed_at IS NULL', [e.decisionId, e.at]);
  }
}

export const VerificationSchema = z.object({
  kind: RecordKindSchema,
  decisionId: z.string(),
  entries: z.number().int(),
  /** The chain is whole and the record holds every event its workflow is known to have published. */
  ok: z.boolean(),
  /** Every entry matches its hash and its predecessor's. */
  chainOk: z.boolean(),
  /** No event the workflow is known to have published is missing from the record. */
  complete: z.boolean(),
  /** Events the workflow is known to have published (at least `entries`). */
  known: z.number().int(),
  /** Events that came after a missing one, held until it is recorded. */
  held: z.number().int(),
  /** The runs of events known to be missing (neither recorded nor held), first to last. */
  missing: z.array(z.object({ from: z.number().int(), to: z.number().int() })),
  /** The first entry that does not match its hash, its predecessor's, or its own event. */
  brokenAt: z.number().int().optional(),
  reason: z.string().optional(),
});
export type Verification = z.infer<typeof VerificationSchema>;

/**
 * Recomputes a record's hash chain from its first entry (any edited, removed or reordered entry shows) and says
 * whether the record is complete: it is not while the workflow is known to have published more than the record
 * holds, from an event held behind a gap, a check against the workflow (known_seq), or `knownFromSource` (what the
 * caller has just read from the workflow itself).
 */
export async function verifyRecord(db: Queryable, kind: RecordKind, decisionId: string, knownFromSource = 0, unconfirmed?: string): Promise<Verification> {
  const rows = await db.query<{ seq: number; type: string; summary: string; step: string | null; event: ProcedureEvent; prev_hash: string; hash: string }>(
    'SELECT seq, type, summary, step, event, prev_hash, hash FROM record_entries WHERE kind = $1 AND decision_id = $2 ORDER BY seq',
    [kind, decisionId],
  );
  const [head] = await db.query<{ last_hash: string; last_seq: number; known_seq: number }>(
    'SELECT last_hash, last_seq, known_seq FROM decisions WHERE kind = $1 AND decision_id = $2',
    [kind, decisionId],
  );
  const heldSeqs = (await db.query<{ seq: number }>('SELECT seq FROM held_events WHERE kind = $1 AND decision_id = $2 AND seq > $3 ORDER BY seq', [kind, decisionId, rows.length])).map(
    (r) => Number(r.seq),
  );
  const known = Math.max(rows.length, Number(head?.known_seq ?? 0), heldSeqs.at(-1) ?? 0, knownFromSource);
  const missing = missingRuns(rows.length, known, new Set(heldSeqs));
  const complete = known <= rows.length;
  const base = { kind, decisionId, entries: rows.length, known, held: heldSeqs.length, missing, complete };
  const incomplete = complete ? undefined : `incomplete: its workflow has published ${known} events, the record holds ${rows.length}${missing.length ? ` (missing ${missing.map((m) => (m.from === m.to ? m.from : `${m.from}-${m.to}`)).join(', ')})` : ''}`;
  const broken = (seq: number, reason: string): Verification => ({ ...base, ok: false, chainOk: false, brokenAt: seq, reason });
  let prev = GENESIS_HASH;
  for (const [i, r] of rows.entries()) {
    const seq = Number(r.seq);
    if (seq !== i + 1) return broken(i + 1, `entry ${i + 1} is missing`);
    if (r.prev_hash !== prev) return broken(seq, 'its link to the previous entry does not match');
    if (entryHash(prev, r.event) !== r.hash) return broken(seq, 'its content does not match its hash');
    if (!columnsMatch(r, kind, decisionId)) return broken(seq, 'its columns differ from the event it records');
    prev = r.hash;
  }
  if (!head) {
    if (rows.length) return broken(1, 'the decision row is missing');
    return { ...base, ok: false, chainOk: true, reason: incomplete ?? 'no such decision' };
  }
  if (head.last_hash !== prev || Number(head.last_seq) !== rows.length) return broken(rows.length, 'the chain does not end where the decision says');
  if (!incomplete && unconfirmed) return { ...base, ok: false, chainOk: true, reason: `completeness not confirmed: ${unconfirmed}` };
  return { ...base, ok: complete, chainOk: true, ...(incomplete ? { reason: incomplete } : {}) };
}

/** The seqs after `recorded` up to `known` that are neither recorded nor held, as runs. */
function missingRuns(recorded: number, known: number, held: Set<number>): { from: number; to: number }[] {
  const runs: { from: number; to: number }[] = [];
  for (let seq = recorded + 1; seq <= known; seq++) {
    if (held.has(seq)) continue;
    const last = runs.at(-1);
    if (last && last.to === seq - 1) last.to = seq;
    else runs.push({ from: seq, to: seq });
  }
  return runs;
}

/** An entry's columns say what its event says, and it belongs to this record (not moved from another one). */
function columnsMatch(r: { seq: number; type: string; summary: string; step: string | null; event: ProcedureEvent }, kind: RecordKind, decisionId: string): boolean {
  const e = r.event;
  return e.seq === Number(r.seq) && e.type === r.type && e.summary === r.summary && (e.step ?? null) === r.step && e.decisionId === decisionId && recordKindOf(e) === kind;
}

/** A person asked who has yet to answer, with the step. */
const AssigneeSchema = z.object({ id: z.string(), step: z.string() });

/** A decision (or case, or catalog) as the record's list knows it: where it stands as its last event said. */
export const DecisionSummarySchema = z.object({
  kind: RecordKindSchema,
  decisionId: z.string(),
  authority: z.string(),
  title: z.string(),
  undertakingUnit: z.string().nullable(),
  /** Where it stands, as the last event that said so: a DecisionStatusValue or an EnforcementState ('unknown' for older runs). */
  status: z.string(),
  currentStep: z.string().nullable(),
  openSteps: z.array(z.string()),
  nextDeadline: z.string().nullable(),
  deadlineRule: z.string().nullable(),
  deadlineProvisional: z.boolean(),
  overdue: z.boolean(),
  /** Who is asked and has yet to answer, each with the step. */
  assignees: z.array(AssigneeSchema),
  events: z.number().int(),
  startedAt: z.string(),
  updatedAt: z.string(),
});
export type DecisionSummary = z.infer<typeof DecisionSummarySchema>;

/** What a list may be sorted by (ascending; `-` before it for descending), each with its column. */
const SORT_COLUMNS = {
  nextDeadline: 'next_deadline',
  startedAt: 'started_at',
  updatedAt: 'updated_at',
  title: 'title',
  decisionId: 'decision_id',
} as const;
type SortKey = keyof typeof SORT_COLUMNS;
const SORT_KEYS = Object.keys(SORT_COLUMNS) as SortKey[];
export const DecisionSortSchema = z.enum([...SORT_KEYS, ...SORT_KEYS.map((k) => `-${k}` as const)] as [SortKey | `-${SortKey}`, ...(SortKey | `-${SortKey}`)[]]);
export type DecisionSort = z.infer<typeof DecisionSortSchema>;
/** Nearest deadline first: what is due comes first, decisions holding no deadline last. */
export const DEFAULT_SORT: DecisionSort = 'nextDeadline';
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** One page of a list, with how many match in all. */
export const DecisionPageSchema = z.object({
  /** Decisions matching the filter, in all (not only on this page). */
  total: z.number().int().min(0),
  limit: z.number().int(),
  offset: z.number().int(),
  sort: DecisionSortSchema,
  decisions: z.array(DecisionSummarySchema),
});
export type DecisionPage = z.infer<typeof DecisionPageSchema>;

export interface DecisionFilter {
  /** Major decisions or enforcement cases. */
  kind?: RecordKind;
  authority?: string;
  /** Decisions this office undertakes. */
  undertakingUnit?: string;
  /** Decisions with this step open. */
  step?: string;
  /** Decisions on which this person (actor id) is asked and has yet to answer. */
  assignee?: string;
  status?: string;
  overdue?: boolean;
  /** The order (default nearest deadline first); ties by id. */
  sort?: DecisionSort;
  limit?: number;
  offset?: number;
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v === null || v === undefined ? null : new Date(String(v)).toISOString());

function summaryOf(r: Record<string, unknown>): DecisionSummary {
  return {
    kind: r.kind as RecordKind,
    decisionId: String(r.decision_id),
    authority: String(r.authority),
    title: String(r.title),
    undertakingUnit: (r.undertaking_unit as string | null) ?? null,
    status: String(r.status),
    currentStep: (r.current_step as string | null) ?? null,
    openSteps: (r.open_steps as string[]) ?? [],
    nextDeadline: iso(r.next_deadline),
    deadlineRule: (r.deadline_rule as string | null) ?? null,
    deadlineProvisional: Boolean(r.deadline_provisional),
    overdue: Boolean(r.overdue),
    assignees: (r.assignees as Assignee[] | null) ?? [],
    events: Number(r.last_seq),
    startedAt: iso(r.started_at)!,
    updatedAt: iso(r.updated_at)!,
  };
}

/** The WHERE clause and its parameters for a filter. */
function whereOf(f: DecisionFilter): { where: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.kind) add('kind = ?', f.kind);
  if (f.authority) add('authority = ?', f.authority);
  if (f.undertakingUnit) add('undertaking_unit = ?', f.undertakingUnit);
  if (f.step) add('open_steps @> ARRAY[?]::text[]', f.step);
  if (f.assignee) add('assignees @> ?::jsonb', JSON.stringify([{ id: f.assignee }]));
  if (f.status) add('status = ?', f.status);
  if (f.overdue !== undefined) add('overdue = ?', f.overdue);
  return { where: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

/** ORDER BY for a sort: the column (empty values last either way), then id and kind, so pages never overlap. */
function orderOf(sort: DecisionSort = DEFAULT_SORT): string {
  const desc = sort.startsWith('-');
  const column = SORT_COLUMNS[(desc ? sort.slice(1) : sort) as SortKey];
  return `${column} ${desc ? 'DESC' : 'ASC'} NULLS LAST, decision_id, kind`;
}

/** Decisions by kind, authority, open step, status and overdue deadline; nearest deadline first unless sorted otherwise. */
export async function listDecisions(db: Queryable, f: DecisionFilter = {}): Promise<DecisionSummary[]> {
  const { where, params } = whereOf(f);
  params.push(Math.min(f.limit ?? DEFAULT_LIMIT, MAX_LIMIT), f.offset ?? 0);
  const rows = await db.query(`SELECT * FROM decisions ${where} ORDER BY ${orderOf(f.sort)} LIMIT $${params.length - 1} OFFSET $${params.length}`, params);
  return rows.map(summaryOf);
}

/** How many decisions match the filter (its limit and offset aside). */
export async function countDecisions(db: Queryable, f: DecisionFilter = {}): Promise<number> {
  const { where, params } = whereOf(f);
  const [row] = await db.query<{ total: string | number }>(`SELECT count(*) AS total FROM decisions ${where}`, params);
  return Number(row?.total ?? 0);
}

/** A page of `listDecisions` with the total that match, the limit, offset and sort it was made with. */
export async function decisionPage(db: Queryable, f: DecisionFilter = {}): Promise<DecisionPage> {
  const limit = Math.min(f.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
  const offset = f.offset ?? 0;
  const sort = f.sort ?? DEFAULT_SORT;
  const [total, decisions] = await Promise.all([countDecisions(db, f), listDecisions(db, { ...f, limit, offset, sort })]);
  return { total, limit, offset, sort, decisions };
}

export async function getDecision(db: Queryable, kind: RecordKind, decisionId: string): Promise<DecisionSummary | undefined> {
  const [row] = await db.query('SELECT * FROM decisions WHERE kind = $1 AND decision_id = $2', [kind, decisionId]);
  return row ? summaryOf(row) : undefined;
}

/** The kinds under which this id has a record: a decision id, once used, is never used again (for either kind). */
export async function recordExists(db: Queryable, decisionId: string): Promise<RecordKind[]> {
  // Catalogs have ids of their own (<authority>-<year>): they never take a decision's or a case's id.
  const rows = await db.query<{ kind: RecordKind }>("SELECT kind FROM decisions WHERE decision_id = $1 AND kind <> 'catalog' ORDER BY kind DESC", [decisionId]);
  return rows.map((r) => r.kind);
}

/** For many ids at once: each id the record holds, with the kinds it is held under (catalogs left out). */
export async function recordedKinds(db: Queryable, ids: string[]): Promise<Map<string, RecordKind[]>> {
  const out = new Map<string, RecordKind[]>();
  if (!ids.length) return out;
  const rows = await db.query<{ decision_id: string; kind: RecordKind }>("SELECT decision_id, kind FROM decisions WHERE decision_id = ANY($1) AND kind <> 'catalog'", [ids]);
  for (const r of rows) out.set(r.decision_id, [...(out.get(r.decision_id) ?? []), r.kind]);
  return out;
}

const KIND_NAMES: Record<RecordKind, string> = { majorDecision: 'a major decision', enforcement: 'an enforcement case', catalog: 'an annual catalog' };

/** Why a new decision may not take this id (it is in the record already), or undefined when it may. */
export async function idReuseRefusal(db: Queryable, decisionId: string): Promise<string | undefined> {
  const kinds = await recordExists(db, decisionId);
  if (!kinds.length) return undefined;
  return `decision id ${decisionId} is already used by ${kinds.map((k) => KIND_NAMES[k]).join(' and ')}; a decision id is never reused.`;
}

export const RecordEntrySchema = z.object({ seq: z.number().int(), hash: z.string(), prevHash: z.string(), event: ProcedureEventSchema });
export type RecordEntry = z.infer<typeof RecordEntrySchema>;

/** A record's every entry, in order, with each entry's hash. */
export async function recordOf(db: Queryable, kind: RecordKind, decisionId: string): Promise<RecordEntry[]> {
  const rows = await db.query<{ seq: number; hash: string; prev_hash: string; event: ProcedureEvent }>(
    'SELECT seq, hash, prev_hash, event FROM record_entries WHERE kind = $1 AND decision_id = $2 ORDER BY seq',
    [kind, decisionId],
  );
  return rows.map((r) => ({ seq: Number(r.seq), hash: r.hash, prevHash: r.prev_hash, event: r.event }));
}
