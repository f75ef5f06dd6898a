/**
 * The record checks itself against its one writer. A record is behind its workflow when the stream lost an event
 * (an event held behind a gap shows it at once; the last events of a decision, with nothing after them, show only
 * against the workflow). Repair reads the missing events from the workflow's history (projector/source.ts) and
 * appends them in order, so the hash chain is whole again; the events held after them follow. Used by the projector
 * (on its own, without an operator) and by `juece record check [--repair]`.
 */
import type { RecordKind } from '../domain/events';
import type { Db, Queryable } from '../store/db';
import { applyEvent, verifyRecord, type Verification } from '../store/record';
import type { EventSource, SourceHorizon } from './source';
import { ownsSql, type Partition } from './partition';

/**
 * A record's verification against its workflow as it is now: incomplete whenever the workflow has published more
 * than the record holds (while Temporal still has it; past retention the record is judged alone).
 */
export async function verifyAgainstSource(db: Queryable, source: EventSource, kind: RecordKind, decisionId: string): Promise<Verification> {
  try {
    // The workflow unchanged since the record was last checked against it: what the check found still holds, and
    // the history need not be read again (a describe, not a history download).
    const [row] = await db.query<{ source_mark: string | null }>('SELECT source_mark FROM decisions WHERE kind = $1 AND decision_id = $2', [kind, decisionId]);
    const mark = row?.source_mark ? await source.mark(kind, decisionId) : undefined;
    if (mark && mark === row?.source_mark) return verifyRecord(db, kind, decisionId);
    const horizon = await source.horizon(kind, decisionId);
    return verifyRecord(db, kind, decisionId, horizon?.seq);
  } catch (err) {
    // Never "verified" on the record's word alone while its workflow could not be asked.
    return verifyRecord(db, kind, decisionId, 0, `its workflow could not be read (${(err as Error).message})`);
  }
}

export interface CheckResult {
  kind: RecordKind;
  decisionId: string;
  /** Entries in the record before the check. */
  recorded: number;
  /** Events the workflow has published (undefined: Temporal no longer has the workflow, the record stands alone). */
  published?: number;
  /** Events recorded from the workflow by this check. */
  repaired: number;
  /** Held events (from the stream) appended after them. */
  released: number;
  /** Events the workflow published that neither the stream nor its history could give (past retention). */
  lost: number[];
  /** The workflow has closed and the record holds all of it. */
  settled: boolean;
}

interface Head {
  lastSeq: number;
  exists: boolean;
}

async function headOf(db: Queryable, kind: RecordKind, decisionId: string): Promise<Head> {
  const [row] = await db.query<{ last_seq: number }>('SELECT last_seq FROM decisions WHERE kind = $1 AND decision_id = $2', [kind, decisionId]);
  return { lastSeq: row ? Number(row.last_seq) : 0, exists: Boolean(row) };
}

/**
 * Appends the events after the record's last one, up to `upTo`, from the workflow's history, in order; stops at the
 * first the history no longer has. Idempotent with the projector: an event it appends first is a duplicate here.
 * `repaired`: events taken from the workflow; `released`: held events (from the stream) that could follow them.
 */
export async function fillFromSource(
  db: Db,
  source: EventSource,
  kind: RecordKind,
  decisionId: string,
  upTo: number,
): Promise<{ repaired: number; released: number; lost: number[] }> {
  const { lastSeq } = await headOf(db, kind, decisionId);
  if (upTo <= lastSeq) return { repaired: 0, released: 0, lost: [] };
  const events = await source.events(kind, decisionId, lastSeq + 1, upTo);
  let repaired = 0;
  let released = 0;
  for (const e of events) {
    const { lastSeq: now } = await headOf(db, kind, decisionId);
    if (e.seq <= now) continue; // appended meanwhile (by the stream, or released after an earlier one)
    if (e.seq !== now + 1) break;
    const r = await applyEvent(db, e);
    if (r.outcome === 'applied') {
      repaired++;
      released += r.recorded.length - 1;
    }
  }
  const after = await headOf(db, kind, decisionId);
  const held = await db.query<{ seq: number }>('SELECT seq FROM held_events WHERE kind = $1 AND decision_id = $2', [kind, decisionId]);
  const have = new Set([...events.map((e) => e.seq), ...held.map((h) => Number(h.seq))]);
  const lost: number[] = [];
  for (let seq = after.lastSeq + 1; seq <= upTo; seq++) if (!have.has(seq)) lost.push(seq);
  return { repaired, released, lost };
}

export interface CheckTarget {
  kind: RecordKind;
  decisionId: string;
  /** The workflow's mark when the record was last checked: unchanged (and nothing known missing), no need to read it. */
  mark?: string | null;
}

/**
 * Compares records with their workflows and notes what was found (known_seq, checked_at, source_mark, settled). With
 * `repair`, the records still behind after `graceMs` (events in flight arrive by then; waited once for the whole
 * batch) are filled from the workflow's history.
 */
export async function checkRecords(
  db: Db,
  source: EventSource,
  targets: CheckTarget[],
  o: { repair: boolean; graceMs?: number; onResult?: (r: CheckResult) => void },
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const behind: { r: CheckResult; horizon: SourceHorizon }[] = [];
  const note = (r: CheckResult, h: SourceHorizon | undefined, lastSeq: number) => {
    r.settled = Boolean(h?.closed && lastSeq >= h.seq);
    return h
      ? db.query(
          `UPDATE decisions SET known_seq = GREATEST(known_seq, $3), checked_at = now(), source_mark = $4, settled = $5 WHERE kind = $1 AND decision_id = $2`,
          [r.kind, r.decisionId, h.seq, h.mark, r.settled],
        )
      : // Temporal no longer has the workflow (retention): nothing more can come; the record stands alone.
        db.query('UPDATE decisions SET checked_at = now(), settled = true WHERE kind = $1 AND decision_id = $2', [r.kind, r.decisionId]);
  };
  for (const t of targets) {
    const head = await headOf(db, t.kind, t.decisionId);
    const r: CheckResult = { kind: t.kind, decisionId: t.decisionId, recorded: head.lastSeq, repaired: 0, released: 0, lost: [], settled: false };
    results.push(r);
    if (t.mark && head.exists && (await source.mark(t.kind, t.decisionId)) === t.mark) {
      // Nothing has happened in the workflow since it was last read, and the record held all of it then.
      const [row] = await db.query<{ known_seq: number }>('SELECT known_seq FROM decisions WHERE kind = $1 AND decision_id = $2', [t.kind, t.decisionId]);
      if (Number(row?.known_seq ?? 0) <= head.lastSeq) {
        r.published = Number(row?.known_seq ?? 0);
        await db.query('UPDATE decisions SET checked_at = now() WHERE kind = $1 AND decision_id = $2', [t.kind, t.decisionId]);
        continue;
      }
    }
    const horizon = await source.horizon(t.kind, t.decisionId);
    r.published = horizon?.seq;
    if (horizon && horizon.seq > head.lastSeq) behind.push({ r, horizon });
    else await note(r, horizon, head.lastSeq);
  }
  if (behind.length && o.repair && o.graceMs) await new Promise((done) => setTimeout(done, o.graceMs));
  for (const { r, horizon } of behind) {
    let head = await headOf(db, r.kind, r.decisionId);
    if (o.repair && horizon.seq > head.lastSeq) {
      const filled = await fillFromSource(db, source, r.kind, r.decisionId, horizon.seq);
      r.repaired = filled.repaired;
      r.released = filled.released;
      r.lost = filled.lost;
      head = await headOf(db, r.kind, r.decisionId);
    }
    await note(r, horizon, head.lastSeq);
  }
  for (const r of results) o.onResult?.(r);
  return results;
}

/** Records that may still be behind their workflow (not settled), the longest unchecked first; of one partition if given. */
export async function unsettledRecords(db: Queryable, limit: number, partition?: Partition): Promise<CheckTarget[]> {
  const own = ownsSql(partition, 'decision_id', 2);
  const rows = await db.query<{ kind: RecordKind; decision_id: string; source_mark: string | null }>(
    `SELECT kind, decision_id, source_mark FROM decisions WHERE NOT settled${own.sql} ORDER BY checked_at NULLS FIRST, decision_id LIMIT $1`,
    [limit, ...own.params],
  );
  return rows.map((r) => ({ kind: r.kind, decisionId: r.decision_id, mark: r.source_mark }));
}

/** Every record not yet settled (of one partition if given), a page at a time in key order (after a loss from the stream). */
export async function unsettledAfter(
  db: Queryable,
  after: { kind: string; decisionId: string } | undefined,
  limit: number,
  partition?: Partition,
): Promise<CheckTarget[]> {
  const own = ownsSql(partition, 'decision_id', 4);
  const rows = await db.query<{ kind: RecordKind; decision_id: string; source_mark: string | null }>(
    `SELECT kind, decision_id, source_mark FROM decisions WHERE NOT settled AND (kind, decision_id) > ($1, $2)${own.sql} ORDER BY kind, decision_id LIMIT $3`,
    [after?.kind ?? '', after?.decisionId ?? '', limit, ...own.params],
  );
  return rows.map((r) => ({ kind: r.kind, decisionId: r.decision_id, mark: r.source_mark }));
}

/** Records with events held (of one partition if given): how long, the lowest and highest held, and the last recorded (0: none yet). */
export async function heldGaps(db: Queryable, partition?: Partition): Promise<{ kind: RecordKind; decisionId: string; ageMs: number; first: number; top: number; held: number; lastSeq: number }[]> {
  // The age is the database's own reckoning (held_at is its clock), not this machine's.
  const own = ownsSql(partition, 'h.decision_id', 1);
  const rows = await db.query<{ kind: RecordKind; decision_id: string; age_ms: number; first: number; top: number; held: number; last_seq: number | null }>(
    `SELECT h.kind, h.decision_id, extract(epoch FROM now() - min(h.held_at)) * 1000 AS age_ms, min(h.seq) AS first, max(h.seq) AS top,
       count(*) AS held, max(d.last_seq) AS last_seq
     FROM held_events h LEFT JOIN decisions d ON d.kind = h.kind AND d.decision_id = h.decision_id WHERE true${own.sql} GROUP BY h.kind, h.decision_id`,
    own.params,
  );
  return rows.map((r) => ({
    kind: r.kind,
    decisionId: r.decision_id,
    ageMs: Number(r.age_ms),
    first: Number(r.first),
    top: Number(r.top),
    held: Number(r.held),
    lastSeq: Number(r.last_seq ?? 0),
  }));
}

/** Records known to be incomplete: events held behind a gap, or fewer entries than their workflow is known to have published. */
export async function incompleteRecords(db: Queryable, limit = 1000): Promise<{ kind: RecordKind; decisionId: string; recorded: number; known: number }[]> {
  const rows = await db.query<{ kind: RecordKind; decision_id: string; recorded: number; known: number }>(
    `SELECT kind, decision_id, max(recorded) AS recorded, max(known) AS known FROM (
       SELECT kind, decision_id, last_seq AS recorded, known_seq AS known FROM decisions WHERE known_seq > last_seq
       UNION ALL
       SELECT h.kind, h.decision_id, COALESCE(d.last_seq, 0), max(h.seq) FROM held_events h
         LEFT JOIN decisions d ON d.kind = h.kind AND d.decision_id = h.decision_id GROUP BY h.kind, h.decision_id, d.last_seq
         HAVING max(h.seq) > COALESCE(d.last_seq, 0)
     ) t GROUP BY kind, decision_id ORDER BY kind, decision_id LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({ kind: r.kind, decisionId: r.decision_id, recorded: Number(r.recorded), known: Number(r.known) }));
}
