/**
 * The embedded default: the procedure record in PGlite (Postgres in WebAssembly, a folder in the data directory),
 * with the same schema, hash chain and queries as on PostgreSQL, and kept across a restart of the process. Also, on
 * the store alone: records keyed by kind and id, where a decision stands stored as its events say (never derived),
 * the comment store following the consultation, and a record of the older schema migrated in place.
 */
import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EVENT_SCHEMA_V1, type ProcedureEvent, type RecordKind, type Standing } from '../domain/events';
import type { StepName } from '../domain/procedure';
import { commentCounts, commentTally, ingestComments } from '../store/comments';
import { openDb, type Db } from '../store/db';
import { MIGRATIONS } from '../store/schema';
import { applyEvent, entryHash, GENESIS_HASH, getDecision, idReuseRefusal, listDecisions, recordExists, recordOf, verifyRecord } from '../store/record';

const root = mkdtempSync(path.join(tmpdir(), 'juece-pglite-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => path.join(root, `db-${++dirs}`);

const at = (day: number) => new Date(Date.UTC(2026, 10, day, 2)).toISOString();

const standing = (status: string, openSteps: StepName[] = [], extra: Partial<Standing> = {}): Standing => ({
  status,
  openSteps,
  currentStep: openSteps.at(-1) ?? null,
  nextDeadline: null,
  overdue: false,
  ...extra,
});

/** Events of one record (kind and id), numbered 1, 2, 3, … as its workflow numbers them. */
function recordOfEvents(kind: RecordKind, decisionId: string) {
  let seq = 0;
  return (type: ProcedureEvent['type'], extra: Partial<ProcedureEvent> = {}): ProcedureEvent => ({
    schema: EVENT_SCHEMA_V1,
    kind,
    decisionId,
    authority: 'shifan-gov',
    seq: ++seq,
    type,
    at: at(seq),
    summary: `${type} #${seq}`,
    workflowId: `${kind === 'enforcement' ? 'enforcement' : 'decision'}-${decisionId}`,
    runId: 'run-1',
    ...extra,
  });
}

const commentPeriod = (dueAt: string, type: 'deadlineSet' | 'deadlineRecomputed' = 'deadlineSet') => ({
  step: 'publicParticipation' as const,
  deadline: { rule: 'commentPeriod', term: '征求意见期限', basis: 'art. 15', jurisdiction: 'CN', from: '2026-11-03', date: dueAt.slice(0, 10), dueAt, provisional: type === 'deadlineSet', provisionalYears: [], reminders: [], calendarVersion: 'test' },
});

async function applyAll(db: Db, events: ProcedureEvent[]): Promise<void> {
  for (const e of events) expect((await applyEvent(db, e)).outcome, `${e.kind} ${e.decisionId} #${e.seq} ${e.type}`).toBe('applied');
}

describe('the procedure record on PGlite', () => {
  it('keeps the chain, the decision list and the comments across a reopen', async () => {
    const dir = freshDir();
    const first = await openDb({ dir });
    expect(first.kind).toBe('pglite');
    const event = recordOfEvents('majorDecision', 'emb-1');
    const due = { rule: 'commentPeriod', dueAt: '2099-12-03T16:00:00.000Z', provisional: false };
    const events = [
      event('decisionStarted', { details: { title: '示范市停车收费调整方案', undertakingUnit: '示范市发展和改革委员会' }, standing: standing('inProgress') }),
      event('stepOpened', { step: 'publicParticipation', standing: standing('inProgress', ['publicParticipation']) }),
      event('deadlineSet', { ...commentPeriod(due.dueAt), standing: standing('inProgress', ['publicParticipation'], { nextDeadline: due }) }),
    ];
    await applyAll(first, events);
    expect((await applyEvent(first, events[1]!)).outcome).toBe('duplicate');
    expect((await applyEvent(first, { ...events[2]!, seq: 9 })).outcome).toBe('held');
    expect(await ingestComments(first, 'emb-1', [{ submitter: 'a', text: '同意', channel: 'web' }, { submitter: 'b', text: '同意', channel: 'web' }])).toMatchObject({
      accepted: 2,
      total: 2,
    });
    await first.close();

    const again = await openDb({ dir });
    // Event 9 came before 4-8: held, and the record says it is incomplete (the chain itself is whole).
    expect(await verifyRecord(again, 'majorDecision', 'emb-1')).toMatchObject({
      entries: 3,
      ok: false,
      chainOk: true,
      complete: false,
      known: 9,
      held: 1,
      missing: [{ from: 4, to: 8 }],
      reason: 'incomplete: its workflow has published 9 events, the record holds 3 (missing 4-8)',
    });
    expect(await getDecision(again, 'majorDecision', 'emb-1')).toMatchObject({
      kind: 'majorDecision',
      title: '示范市停车收费调整方案',
      undertakingUnit: '示范市发展和改革委员会',
      status: 'inProgress',
      openSteps: ['publicParticipation'],
      currentStep: 'publicParticipation',
      deadlineRule: 'commentPeriod',
      nextDeadline: '2099-12-03T16:00:00.000Z',
      deadlineProvisional: false,
    });
    expect((await listDecisions(again, { step: 'publicParticipation' })).map((d) => d.decisionId)).toEqual(['emb-1']);
    expect(await commentTally(again, 'emb-1')).toMatchObject({ comments: 2, groups: 1 });
    expect(await commentCounts(again, 'emb-1')).toEqual({ received: 2, groups: 1, campaigns: 0 });
    await again.close();
  });
});

describe('records keyed by kind and id, standing stored as it comes', () => {
  it('keeps a decision and an enforcement case of the same id as two separate verified chains', async () => {
    const db = await openDb({ dir: freshDir() });
    try {
      const decision = recordOfEvents('majorDecision', 'same-1');
      const enforcement = recordOfEvents('enforcement', 'same-1');
      // Interleaved, as two workflows publish them: each seq 1, 2, 3 belongs to its own chain.
      await applyAll(db, [
        decision('decisionStarted', { details: { title: '示范市公交票价调整', undertakingUnit: '示范市交通运输局' }, standing: standing('inProgress') }),
        enforcement('enforcementDecisionRecorded', { details: { title: '行政处罚决定书 2026-001' }, standing: standing('awaitingPublication') }),
        decision('stepOpened', { step: 'publicParticipation', standing: standing('inProgress', ['publicParticipation']) }),
        enforcement('noticePublished', { standing: standing('published') }),
        decision('stepOpened', { step: 'expertReview', standing: standing('inProgress', ['publicParticipation', 'expertReview']) }),
      ]);
      expect(await recordExists(db, 'same-1')).toEqual(['majorDecision', 'enforcement']);
      expect(await recordExists(db, 'other-1')).toEqual([]);
      expect(await idReuseRefusal(db, 'same-1')).toBe('decision id same-1 is already used by a major decision and an enforcement case; a decision id is never reused.');
      expect(await idReuseRefusal(db, 'other-1')).toBeUndefined();

      expect(await verifyRecord(db, 'majorDecision', 'same-1')).toMatchObject({ kind: 'majorDecision', decisionId: 'same-1', entries: 3, ok: true, complete: true });
      expect(await verifyRecord(db, 'enforcement', 'same-1')).toMatchObject({ kind: 'enforcement', decisionId: 'same-1', entries: 2, ok: true });
      expect((await recordOf(db, 'majorDecision', 'same-1')).map((r) => r.event.type)).toEqual(['decisionStarted', 'stepOpened', 'stepOpened']);
      expect((await recordOf(db, 'enforcement', 'same-1')).map((r) => r.event.type)).toEqual(['enforcementDecisionRecorded', 'noticePublished']);
      expect(await getDecision(db, 'majorDecision', 'same-1')).toMatchObject({ title: '示范市公交票价调整', status: 'inProgress', openSteps: ['publicParticipation', 'expertReview'], events: 3 });
      expect(await getDecision(db, 'enforcement', 'same-1')).toMatchObject({ title: '行政处罚决定书 2026-001', status: 'published', openSteps: [], events: 2 });
      expect((await listDecisions(db, { kind: 'enforcement' })).map((d) => [d.kind, d.decisionId])).toEqual([['enforcement', 'same-1']]);
      expect((await listDecisions(db, {})).map((d) => d.kind).sort()).toEqual(['enforcement', 'majorDecision']);

      // An entry moved from one chain into the other shows.
      await db.query(`UPDATE record_entries SET event = jsonb_set(event, '{kind}', '"enforcement"') WHERE kind = 'majorDecision' AND decision_id = 'same-1' AND seq = 2`);
      const [moved] = await db.query<{ prev_hash: string; event: unknown }>(`SELECT prev_hash, event FROM record_entries WHERE kind = 'majorDecision' AND decision_id = 'same-1' AND seq = 2`);
      await db.query(`UPDATE record_entries SET hash = $1 WHERE kind = 'majorDecision' AND decision_id = 'same-1' AND seq = 2`, [entryHash(moved!.prev_hash, moved!.event)]);
      expect(await verifyRecord(db, 'majorDecision', 'same-1')).toMatchObject({ ok: false, brokenAt: 2, reason: 'its columns differ from the event it records' });
      expect((await verifyRecord(db, 'enforcement', 'same-1')).ok).toBe(true);
    } finally {
      await db.close();
    }
  });

  it("stores exactly the last event's standing, whatever its type, and keeps it through events that say none", async () => {
    const db = await openDb({ dir: freshDir() });
    try {
      const cases: [RecordKind, string, ProcedureEvent[]][] = [];
      const add = (kind: RecordKind, id: string, build: (e: ReturnType<typeof recordOfEvents>) => ProcedureEvent[]) => cases.push([kind, id, build(recordOfEvents(kind, id))]);
      add('majorDecision', 'st-withdrawn', (e) => [
        e('decisionStarted', { standing: standing('inProgress') }),
        e('stepOpened', { step: 'publicParticipation', standing: standing('inProgress', ['publicParticipation']) }),
        e('decisionWithdrawn', { standing: standing('withdrawn') }),
        // The withdrawal's notice and the archiving after it leave it withdrawn (the old read model said inExecution).
        e('noticePublished', { standing: standing('withdrawn') }),
        e('archived', { standing: standing('withdrawn') }),
      ]);
      add('majorDecision', 'st-rejected', (e) => [
        e('decisionStarted', { standing: standing('inProgress') }),
        e('stepOpened', { step: 'collectiveDecision', standing: standing('inProgress', ['collectiveDecision']) }),
        e('stepCompleted', { step: 'collectiveDecision', standing: standing('rejected') }),
        e('archived', { standing: standing('rejected') }),
      ]);
      add('majorDecision', 'st-deferred', (e) => [
        e('decisionStarted', { standing: standing('inProgress') }),
        e('stepOpened', { step: 'collectiveDecision', standing: standing('inProgress', ['collectiveDecision']) }),
        e('decisionDeferred', { step: 'collectiveDecision', standing: standing('deferred') }),
      ]);
      add('majorDecision', 'st-suspended', (e) => [
        e('decisionStarted', { standing: standing('inProgress') }),
        e('archived', { standing: standing('inExecution', ['execution']) }),
        e('executionSuspended', { step: 'execution', standing: standing('suspended', ['execution']) }),
      ]);
      add('majorDecision', 'st-stopped', (e) => [
        e('decisionStarted', { standing: standing('inProgress') }),
        e('archived', { standing: standing('inExecution', ['execution']) }),
        e('executionSuspended', { standing: standing('suspended', ['execution']) }),
        e('executionResumed', { standing: standing('inExecution', ['execution']) }),
        e('executionStopped', { standing: standing('stopped') }),
      ]);
      add('enforcement', 'st-published', (e) => [
        e('enforcementDecisionRecorded', { standing: standing('awaitingPublication', [], { nextDeadline: { rule: 'penaltyPublication', dueAt: at(20), provisional: false } }) }),
        e('deadlineReminder', { standing: standing('awaitingPublication', [], { nextDeadline: { rule: 'penaltyPublication', dueAt: at(20), provisional: false }, overdue: true }) }),
        e('noticePublished', { standing: standing('published') }),
      ]);
      add('enforcement', 'st-takendown', (e) => [
        e('enforcementDecisionRecorded', { standing: standing('awaitingPublication') }),
        e('noticePublished', { standing: standing('published') }),
        e('noticeTakenDown', { standing: standing('takenDown') }),
      ]);
      for (const [, , events] of cases) await applyAll(db, events);

      for (const [kind, id, events] of cases) {
        const last = events.at(-1)!.standing!;
        expect(await getDecision(db, kind, id), id).toMatchObject({ kind, status: last.status, openSteps: last.openSteps, currentStep: last.currentStep, nextDeadline: null, overdue: false });
        expect((await listDecisions(db, { kind, status: last.status })).map((d) => d.decisionId), id).toContain(id);
        expect((await verifyRecord(db, kind, id)).ok, id).toBe(true);
      }
      expect((await listDecisions(db, { status: 'rejected' })).map((d) => d.decisionId)).toEqual(['st-rejected']);
      expect((await listDecisions(db, { status: 'inExecution' })).map((d) => d.decisionId)).toEqual([]);

      // An event that says nothing of where it stands (a run from before) leaves the row as it was.
      const later = recordOfEvents('majorDecision', 'st-old');
      const overdue = { rule: 'legalityReviewTime', dueAt: at(9), provisional: true };
      await applyAll(db, [
        later('decisionStarted', { standing: standing('inProgress', ['legalityReview'], { nextDeadline: overdue, overdue: true }) }),
        later('deadlineMet', { kind: undefined }),
      ]);
      expect(await getDecision(db, 'majorDecision', 'st-old')).toMatchObject({
        status: 'inProgress',
        openSteps: ['legalityReview'],
        deadlineRule: 'legalityReviewTime',
        nextDeadline: at(9),
        deadlineProvisional: true,
        overdue: true,
        events: 2,
      });
      // And a record begun by such an event stands nowhere known.
      const older = recordOfEvents('majorDecision', 'st-older');
      await applyAll(db, [older('decisionStarted', { kind: undefined }), older('stepOpened', { kind: undefined, step: 'publicParticipation' })]);
      expect(await getDecision(db, 'majorDecision', 'st-older')).toMatchObject({ status: 'unknown', openSteps: [], currentStep: null, nextDeadline: null, overdue: false });
    } finally {
      await db.close();
    }
  });

  it('keeps the comment store on the comment period: set, recomputed, closed; an enforcement case of the same id touches nothing', async () => {
    const db = await openDb({ dir: freshDir() });
    try {
      const e = recordOfEvents('majorDecision', 'cp-1');
      const c = recordOfEvents('enforcement', 'cp-1');
      const first = '2099-12-03T16:00:00.000Z';
      const recomputed = '2099-12-04T16:00:00.000Z';
      await applyAll(db, [
        e('decisionStarted', { standing: standing('inProgress') }),
        e('deadlineSet', { ...commentPeriod(first), standing: standing('inProgress', ['publicParticipation']) }),
      ]);
      const consultation = async () => (await db.query<{ closes_at: Date; closed_at: Date | null }>("SELECT closes_at, closed_at FROM consultations WHERE decision_id = 'cp-1'"))[0];
      expect((await consultation())!.closes_at.toISOString()).toBe(first);
      await applyAll(db, [e('deadlineRecomputed', { ...commentPeriod(recomputed, 'deadlineRecomputed'), standing: standing('inProgress', ['publicParticipation']) })]);
      expect((await consultation())!.closes_at.toISOString()).toBe(recomputed);
      await applyAll(db, [
        c('enforcementDecisionRecorded', { standing: standing('awaitingPublication') }),
        c('decisionWithdrawn', { standing: standing('withdrawn') }),
      ]);
      expect((await consultation())!.closed_at).toBeNull();
      await applyAll(db, [e('commentPeriodClosed', { step: 'publicParticipation', standing: standing('inProgress', ['publicParticipation']) })]);
      expect((await consultation())!.closed_at?.toISOString()).toBe(at(4));
    } finally {
      await db.close();
    }
  });
});

describe('a record of the older schema', () => {
  it('is migrated in place: keyed by kind and id, each kind backfilled, every chain still verified', async () => {
    const dir = freshDir();
    const lite = await PGlite.create(dir);
    await lite.query('CREATE TABLE schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    for (const [i, sql] of MIGRATIONS.slice(0, 2).entries()) {
      for (const statement of sql.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean)) await lite.query(statement);
      await lite.query('INSERT INTO schema_migrations (version) VALUES ($1)', [i + 1]);
    }
    // Rows as the old code wrote them: kind from the first event's type, or 'unknown'; events without kind or standing.
    const old: [string, string, ProcedureEvent['type'], string][] = [
      ['old-d', 'majorDecision', 'decisionStarted', 'decision-old-d'],
      ['old-e', 'enforcement', 'enforcementDecisionRecorded', 'enforcement-old-e'],
      ['old-u', 'unknown', 'stepOpened', 'enforcement-old-u'],
      ['old-v', 'unknown', 'stepOpened', 'decision-old-v'],
    ];
    for (const [id, kind, type, workflowId] of old) {
      let prev = GENESIS_HASH;
      for (const seq of [1, 2]) {
        const event = { schema: EVENT_SCHEMA_V1, decisionId: id, authority: 'shifan-gov', seq, type: seq === 1 ? type : 'deadlineSet', at: at(seq), summary: `${id} #${seq}`, workflowId, runId: 'r' };
        const hash = entryHash(prev, event);
        if (seq === 1) {
          await lite.query(
            `INSERT INTO decisions (decision_id, authority, kind, title, status, last_seq, last_hash, started_at, updated_at) VALUES ($1,'shifan-gov',$2,$1,'inProgress',2,'',$3,$3)`,
            [id, kind, at(1)],
          );
        }
        await lite.query('INSERT INTO record_entries (decision_id, seq, type, at, summary, event, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)', [
          id, seq, event.type, event.at, event.summary, JSON.stringify(event), prev, hash,
        ]);
        prev = hash;
      }
      await lite.query('UPDATE decisions SET last_hash = $2 WHERE decision_id = $1', [id, prev]);
    }
    await lite.close();

    const db = await openDb({ dir });
    try {
      const expected: Record<string, RecordKind> = { 'old-d': 'majorDecision', 'old-e': 'enforcement', 'old-u': 'enforcement', 'old-v': 'majorDecision' };
      for (const [id, kind] of Object.entries(expected)) {
        expect(await recordExists(db, id), id).toEqual([kind]);
        expect(await verifyRecord(db, kind, id), id).toMatchObject({ kind, decisionId: id, entries: 2, ok: true });
      }
      const kinds = await db.query<{ kind: string; decision_id: string }>('SELECT DISTINCT kind, decision_id FROM record_entries ORDER BY decision_id');
      expect(kinds.map((r) => [r.decision_id, r.kind])).toEqual(Object.entries(expected));
      // The old records go on: an event of the run after them is appended to its chain.
      expect((await applyEvent(db, { schema: EVENT_SCHEMA_V1, decisionId: 'old-d', authority: 'shifan-gov', seq: 3, type: 'stepOpened', at: at(3), summary: 'old-d #3', workflowId: 'decision-old-d', runId: 'r' })).outcome).toBe('applied');
      expect(await verifyRecord(db, 'majorDecision', 'old-d')).toMatchObject({ ok: true, entries: 3 });
      // Keys and the foreign key are over kind and id now.
      await expect(db.query(`INSERT INTO record_entries (kind, decision_id, seq, type, at, summary, event, prev_hash, hash) VALUES ('enforcement', 'old-d', 1, 'x', now(), 'x', '{}', 'x', 'x')`)).rejects.toThrow(/foreign key/);
      await expect(db.query(`UPDATE decisions SET kind = 'unknown' WHERE decision_id = 'old-v'`)).rejects.toThrow(/decisions_kind|check/);
    } finally {
      await db.close();
    }
  });
});
