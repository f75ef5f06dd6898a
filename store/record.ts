/**
 * The procedure record (read model): each procedure event appended once, in order, hash-chained to the one before,
 * and the decision's current state derived from the events. Lives beyond Temporal's retention (lifetime
 * accountability, 决策终身责任追究, art. 40).
 */
import { createHash } from 'node:crypto';
import type { ProcedureEvent } from '../domain/events';
import type { EventType } from '../domain/schemas';
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

/** The status a decision (or enforcement case) is in after an event of this type; others leave it unchanged. */
const STATUS_AFTER: Partial<Record<EventType, string>> = {
  decisionStarted: 'inProgress',
  decisionDeferred: 'deferred',
  decisionRejected: 'rejected',
  decisionWithdrawn: 'withdrawn',
  decisionAdopted: 'adopted',
  decisionPublished: 'published',
  archived: 'inExecution',
  executionSuspended: 'suspended',
  executionResumed: 'inExecution',
  executionStopped: 'stopped',
  enforcementDecisionRecorded: 'awaitingPublication',
  noticePublished: 'published',
  noticeTakenDown: 'takenDown',
};

const FIRST_EVENTS: Partial<Record<EventType, string>> = { decisionStarted: 'majorDecision', enforcementDecisionRecorded: 'enforcement' };

interface DecisionRow {
  status: string;
  current_step: string | null;
  open_steps: string[];
  next_deadline: Date | string | null;
  deadline_rule: string | null;
  deadline_provisional: boolean;
  overdue: boolean;
  last_seq: number;
  last_hash: string;
}

export type ApplyOutcome = 'applied' | 'duplicate' | 'gap';

/**
 * Appends one event to the record, in one transaction. Idempotent: an event already recorded is a 'duplicate';
 * an event whose predecessor is missing is a 'gap' and nothing is stored (the caller redelivers it later).
 */
export function applyEvent(db: Db, e: ProcedureEvent): Promise<ApplyOutcome> {
  return db.tx(async (q) => {
    const [row] = await q.query<DecisionRow & Record<string, unknown>>('SELECT * FROM decisions WHERE decision_id = $1 FOR UPDATE', [e.decisionId]);
    const lastSeq = row ? Number(row.last_seq) : 0;
    if (e.seq <= lastSeq) return 'duplicate';
    if (e.seq !== lastSeq + 1) return 'gap';
    const prevHash = row?.last_hash ?? GENESIS_HASH;
    const hash = entryHash(prevHash, e);
    const next = deriveState(row, e);
    if (!row) {
      await q.query(
        `INSERT INTO decisions (decision_id, authority, kind, title, status, current_step, open_steps, next_deadline, deadline_rule,
           deadline_provisional, overdue, last_seq, last_hash, started_at, updated_at, undertaking_unit)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$14,$15)`,
        [e.decisionId, e.authority, FIRST_EVENTS[e.type] ?? 'unknown', titleOf(e), next.status, next.current_step, next.open_steps,
          next.next_deadline, next.deadline_rule, next.deadline_provisional, next.overdue, e.seq, hash, e.at,
          typeof e.details?.undertakingUnit === 'string' ? e.details.undertakingUnit : null],
      );
    } else {
      await q.query(
        `UPDATE decisions SET status=$2, current_step=$3, open_steps=$4, next_deadline=$5, deadline_rule=$6, deadline_provisional=$7,
           overdue=$8, last_seq=$9, last_hash=$10, updated_at=$11 WHERE decision_id=$1`,
        [e.decisionId, next.status, next.current_step, next.open_steps, next.next_deadline, next.deadline_rule, next.deadline_provisional,
          next.overdue, e.seq, hash, e.at],
      );
    }
    await q.query(
      'INSERT INTO record_entries (decision_id, seq, type, at, step, summary, event, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)',
      [e.decisionId, e.seq, e.type, e.at, e.step ?? null, e.summary, JSON.stringify(e), prevHash, hash],
    );
    await consultationEffects(q, e);
    return 'applied';
  });
}

function titleOf(e: ProcedureEvent): string {
  const title = e.details?.title;
  return typeof title === 'string' ? title : e.summary;
}

function deriveState(row: DecisionRow | undefined, e: ProcedureEvent): Omit<DecisionRow, 'last_seq' | 'last_hash'> {
  const s = {
    status: row?.status ?? 'inProgress',
    current_step: row?.current_step ?? null,
    open_steps: [...(row?.open_steps ?? [])],
    next_deadline: row?.next_deadline ?? null,
    deadline_rule: row?.deadline_rule ?? null,
    deadline_provisional: row?.deadline_provisional ?? false,
    overdue: row?.overdue ?? false,
  };
  // A major decision's notices (consultation, hearing, publication) do not change where it stands.
  const kind = (row as { kind?: string } | undefined)?.kind ?? FIRST_EVENTS[e.type];
  const noticeOfDecision = kind === 'majorDecision' && (e.type === 'noticePublished' || e.type === 'noticeTakenDown');
  const after = noticeOfDecision ? undefined : STATUS_AFTER[e.type];
  s.status = after ?? (s.status === 'deferred' && e.type === 'stepOpened' ? 'inProgress' : s.status);
  if (e.step && e.type === 'stepOpened' && !s.open_steps.includes(e.step)) s.open_steps.push(e.step);
  if (e.step && (e.type === 'stepCompleted' || e.type === 'stepSkipped')) s.open_steps = s.open_steps.filter((x) => x !== e.step);
  if (e.type === 'stepOpened' || e.type === 'stepReturned') s.current_step = e.step ?? s.current_step;
  if (e.type === 'decisionWithdrawn' || e.type === 'decisionRejected' || e.type === 'executionStopped') s.open_steps = [];
  if ((e.type === 'deadlineSet' || e.type === 'deadlineRecomputed') && e.deadline) {
    s.next_deadline = e.deadline.dueAt;
    s.deadline_rule = e.deadline.rule;
    s.deadline_provisional = e.deadline.provisional;
    s.overdue = false;
  }
  if (e.type === 'deadlineOverdue') s.overdue = true;
  const settled =
    e.type === 'deadlineMet' || e.type === 'deadlineMissed' || e.type === 'commentPeriodClosed' || e.type === 'decisionWithdrawn' || (e.type === 'noticeTakenDown' && !noticeOfDecision);
  if (settled && (e.type !== 'commentPeriodClosed' || s.deadline_rule === 'commentPeriod')) {
    s.next_deadline = null;
    s.deadline_rule = null;
    s.deadline_provisional = false;
    s.overdue = false;
  }
  return s;
}

/** The comment store follows the consultation: its closing time, and when it closed (arts. 15, 18). */
async function consultationEffects(q: Queryable, e: ProcedureEvent): Promise<void> {
  if (e.type === 'deadlineSet' && e.deadline?.rule === 'commentPeriod') {
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

export interface Verification {
  decisionId: string;
  entries: number;
  ok: boolean;
  /** The first entry that does not match its hash, its predecessor's, or its own event. */
  brokenAt?: number;
  reason?: string;
}

/** Recomputes a decision's hash chain from its first entry: any edited, removed or reordered entry shows. */
export async function verifyRecord(db: Queryable, decisionId: string): Promise<Verification> {
  const rows = await db.query<{ seq: number; type: string; summary: string; step: string | null; event: ProcedureEvent; prev_hash: string; hash: string }>(
    'SELECT seq, type, summary, step, event, prev_hash, hash FROM record_entries WHERE decision_id = $1 ORDER BY seq',
    [decisionId],
  );
  const [head] = await db.query<{ last_hash: string; last_seq: number }>('SELECT last_hash, last_seq FROM decisions WHERE decision_id = $1', [decisionId]);
  let prev = GENESIS_HASH;
  const broken = (seq: number, reason: string): Verification => ({ decisionId, entries: rows.length, ok: false, brokenAt: seq, reason });
  for (const [i, r] of rows.entries()) {
    const seq = Number(r.seq);
    if (seq !== i + 1) return broken(i + 1, `entry ${i + 1} is missing`);
    if (r.prev_hash !== prev) return broken(seq, 'its link to the previous entry does not match');
    if (entryHash(prev, r.event) !== r.hash) return broken(seq, 'its content does not match its hash');
    if (r.event.seq !== seq || r.event.type !== r.type || r.event.summary !== r.summary || (r.event.step ?? null) !== r.step) {
      return broken(seq, 'its columns differ from the event it records');
    }
    prev = r.hash;
  }
  if (!head) return rows.length ? broken(1, 'the decision row is missing') : { decisionId, entries: 0, ok: false, reason: 'no such decision' };
  if (head.last_hash !== prev || Number(head.last_seq) !== rows.length) return broken(rows.length, 'the chain does not end where the decision says');
  return { decisionId, entries: rows.length, ok: true };
}

export interface DecisionSummary {
  decisionId: string;
  authority: string;
  kind: string;
  title: string;
  undertakingUnit: string | null;
  status: string;
  currentStep: string | null;
  openSteps: string[];
  nextDeadline: string | null;
  deadlineRule: string | null;
  deadlineProvisional: boolean;
  overdue: boolean;
  events: number;
  startedAt: string;
  updatedAt: string;
}

export interface DecisionFilter {
  authority?: string;
  /** Decisions this office undertakes. */
  undertakingUnit?: string;
  /** Decisions with this step open. */
  step?: string;
  status?: string;
  overdue?: boolean;
  limit?: number;
  offset?: number;
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v === null || v === undefined ? null : new Date(String(v)).toISOString());

function summaryOf(r: Record<string, unknown>): DecisionSummary {
  return {
    decisionId: String(r.decision_id),
    authority: String(r.authority),
    kind: String(r.kind),
    title: String(r.title),
    undertakingUnit: (r.undertaking_unit as string | null) ?? null,
    status: String(r.status),
    currentStep: (r.current_step as string | null) ?? null,
    openSteps: (r.open_steps as string[]) ?? [],
    nextDeadline: iso(r.next_deadline),
    deadlineRule: (r.deadline_rule as string | null) ?? null,
    deadlineProvisional: Boolean(r.deadline_provisional),
    overdue: Boolean(r.overdue),
    events: Number(r.last_seq),
    startedAt: iso(r.started_at)!,
    updatedAt: iso(r.updated_at)!,
  };
}

/** Decisions by authority, open step, status and overdue deadline; nearest deadline first. */
export async function listDecisions(db: Queryable, f: DecisionFilter = {}): Promise<DecisionSummary[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.authority) add('authority = ?', f.authority);
  if (f.undertakingUnit) add('undertaking_unit = ?', f.undertakingUnit);
  if (f.step) add('open_steps @> ARRAY[?]::text[]', f.step);
  if (f.status) add('status = ?', f.status);
  if (f.overdue !== undefined) add('overdue = ?', f.overdue);
  params.push(Math.min(f.limit ?? 100, 1000), f.offset ?? 0);
  const rows = await db.query(
    `SELECT * FROM decisions ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY next_deadline ASC NULLS LAST, decision_id LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  return rows.map(summaryOf);
}

export async function getDecision(db: Queryable, decisionId: string): Promise<DecisionSummary | undefined> {
  const [row] = await db.query('SELECT * FROM decisions WHERE decision_id = $1', [decisionId]);
  return row ? summaryOf(row) : undefined;
}

export interface RecordEntry {
  seq: number;
  hash: string;
  prevHash: string;
  event: ProcedureEvent;
}

/** The decision's whole procedure record, in order, with each entry's hash. */
export async function recordOf(db: Queryable, decisionId: string): Promise<RecordEntry[]> {
  const rows = await db.query<{ seq: number; hash: string; prev_hash: string; event: ProcedureEvent }>(
    'SELECT seq, hash, prev_hash, event FROM record_entries WHERE decision_id = $1 ORDER BY seq',
    [decisionId],
  );
  return rows.map((r) => ({ seq: Number(r.seq), hash: r.hash, prevHash: r.prev_hash, event: r.event }));
}
