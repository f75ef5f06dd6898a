/**
 * The embedded default: the procedure record in PGlite (Postgres in WebAssembly, a folder in the data directory),
 * with the same schema, hash chain and queries as on PostgreSQL, and kept across a restart of the process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EVENT_SCHEMA_V1, type ProcedureEvent } from '../domain/events';
import { commentTally, ingestComments } from '../store/comments';
import { openDb } from '../store/db';
import { applyEvent, getDecision, listDecisions, verifyRecord } from '../store/record';

const dir = mkdtempSync(path.join(tmpdir(), 'juece-pglite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let seq = 0;
const at = (day: number) => new Date(Date.UTC(2026, 10, day, 2)).toISOString();
const event = (type: ProcedureEvent['type'], extra: Partial<ProcedureEvent> = {}): ProcedureEvent => ({
  schema: EVENT_SCHEMA_V1,
  decisionId: 'emb-1',
  authority: 'shifan-gov',
  seq: ++seq,
  type,
  at: at(seq),
  summary: `${type} #${seq}`,
  workflowId: 'decision-emb-1',
  runId: 'run-1',
  ...extra,
});

describe('the procedure record on PGlite', () => {
  it('keeps the chain, the decision list and the comments across a reopen', async () => {
    const first = await openDb({ dir });
    expect(first.kind).toBe('pglite');
    const events = [
      event('decisionStarted', { details: { title: '示范市停车收费调整方案', undertakingUnit: '示范市发展和改革委员会' } }),
      event('stepOpened', { step: 'publicParticipation' }),
      event('deadlineSet', {
        step: 'publicParticipation',
        deadline: { rule: 'commentPeriod', term: '征求意见期限', basis: 'art. 15', jurisdiction: 'CN', from: '2026-11-03', date: '2099-12-03', dueAt: '2099-12-03T16:00:00.000Z', provisional: false, reminders: [], crossed: [] } as never,
      }),
    ];
    for (const e of events) expect(await applyEvent(first, e)).toBe('applied');
    expect(await applyEvent(first, events[1]!)).toBe('duplicate');
    expect(await applyEvent(first, event('stepCompleted', { seq: 9 }))).toBe('gap');
    seq = 3;
    expect(await ingestComments(first, 'emb-1', [{ submitter: 'a', text: '同意', channel: 'web' }, { submitter: 'b', text: '同意', channel: 'web' }])).toMatchObject({
      accepted: 2,
      total: 2,
    });
    await first.close();

    const again = await openDb({ dir });
    expect(await verifyRecord(again, 'emb-1')).toEqual({ decisionId: 'emb-1', entries: 3, ok: true });
    expect(await getDecision(again, 'emb-1')).toMatchObject({
      title: '示范市停车收费调整方案',
      undertakingUnit: '示范市发展和改革委员会',
      openSteps: ['publicParticipation'],
      deadlineRule: 'commentPeriod',
      nextDeadline: '2099-12-03T16:00:00.000Z',
    });
    expect((await listDecisions(again, { step: 'publicParticipation' })).map((d) => d.decisionId)).toEqual(['emb-1']);
    expect(await commentTally(again, 'emb-1')).toMatchObject({ comments: 2, groups: 1 });
    await again.close();
  });
});
