/**
 * The procedure record on a real PostgreSQL (Debian's, started by globalSetup), fed by the projector from the real
 * JetStream stream of decisions run on the dev server: every event once and in order, hash-chained so that tampering
 * shows, the decision list by step and status, and a projector killed mid-stream that resumes losing nothing.
 */
import { AckPolicy, DeliverPolicy, type NatsConnection } from 'nats';
import { EVENTS_STREAM, EVENTS_SUBJECT_PREFIX } from '../domain/events';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { JueceClient } from '../client';
import { readDecisionEvents } from '../client/events';
import { retroactiveConsultation, sampleInput, sampleProposal } from '../client/sample';
import { startProjector } from '../projector/projector';
import { openDb, type Db } from '../store/db';
import { getDecision, listDecisions, recordOf, verifyRecord } from '../store/record';
import { createTestDatabase, eventCount, expectWholeHistory, fullDecision as runFullDecision, startDevHarness, uniqueId, type DevHarness } from './helpers';

let client: JueceClient;
let dev: DevHarness;
let nc: NatsConnection;

beforeAll(async () => {
  dev = await startDevHarness({ prefix: 'rec' });
  ({ client, nc } = dev);
});

afterAll(async () => {
  await dev?.stop();
});

const fullDecision = (prefix: string) => runFullDecision(client, prefix);

async function eventsInNats(authority: string, decisionId: string, count: number) {
  for (let i = 0; i < 200; i++) {
    const got = await readDecisionEvents(nc, authority, decisionId);
    if (got.length >= count) return got;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${decisionId}: fewer than ${count} events in NATS`);
}

describe('the procedure record', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openDb({ url: await createTestDatabase('record') });
  });
  afterAll(async () => db?.close());

  it('holds every event of a decision once, in order and hash-chained, and lists decisions by the step they wait on', async () => {
    const projector = await startProjector({ nc, db, durable: uniqueId('proj') });
    try {
      const done = await fullDecision('rec');
      const waitingProposal = sampleProposal(uniqueId('rec-wait'));
      const waiting = await client.startDecision(waitingProposal);
      await waiting.openConsultation(sampleInput.openConsultation(retroactiveConsultation()));
      await waiting.assignExperts(sampleInput.assignExperts());
      await waiting.submitExpertOpinion(sampleInput.expertOpinion());
      await waiting.completeExpertReview(sampleInput.completeExpertReview());
      await waiting.completeRiskAssessment(sampleInput.riskAssessment());
      for (let i = 0; i < 100 && !(await waiting.status()).history.some((e) => e.type === 'commentPeriodClosed'); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      await waiting.completePublicParticipation(sampleInput.publicParticipationReport());
      const published = await eventsInNats(done.authority, done.decisionId, done.events);
      // The waiting decision's notice may still be going out: wait until what it recorded is all in the record.
      let waitingEvents = 0;
      while (waitingEvents !== eventCount(await waiting.status())) {
        waitingEvents = eventCount(await waiting.status());
        await eventsInNats(done.authority, waitingProposal.decisionId, waitingEvents);
        await projector.idle();
      }

      const decisionId = done.decisionId;
      const record = await recordOf(db, 'majorDecision', decisionId);
      expect(record.map((r) => r.event)).toEqual(published);
      expectWholeHistory(record.map((r) => r.event), await done.d.status());
      expect(record[0]!.prevHash).toBe('0'.repeat(64));
      expect(record.slice(1).every((r, i) => r.prevHash === record[i]!.hash)).toBe(true);

      expect(await verifyRecord(db, 'majorDecision', decisionId)).toMatchObject({ kind: 'majorDecision', decisionId, entries: done.events, ok: true, complete: true });
      // Where it stands is what its last event said.
      expect(await getDecision(db, 'majorDecision', decisionId)).toMatchObject({ status: 'stopped', openSteps: [], kind: 'majorDecision', events: done.events });
      expect(record.at(-1)!.event.standing).toMatchObject({ status: 'stopped', openSteps: [] });

      const waitingId = waitingProposal.decisionId;
      expect(await getDecision(db, 'majorDecision', waitingId)).toMatchObject({ status: 'inProgress', openSteps: ['legalityReview'], events: waitingEvents });
      const onLegality = await listDecisions(db, { step: 'legalityReview', authority: done.authority });
      expect(onLegality.map((x) => x.decisionId)).toContain(waitingId);
      expect(onLegality.map((x) => x.decisionId)).not.toContain(decisionId);
      expect((await listDecisions(db, { status: 'stopped' })).map((x) => x.decisionId)).toContain(decisionId);
      expect(projector.stats.failures).toBe(0);
      await waiting.handle.terminate('test done');
    } finally {
      await projector.stop();
    }
  });

  it('shows an edited, forged or removed entry when the chain is verified', async () => {
    const [some] = await listDecisions(db, { kind: 'majorDecision', status: 'stopped', limit: 1 });
    const id = some!.decisionId;
    const verify = () => verifyRecord(db, 'majorDecision', id);
    const entry = `kind = 'majorDecision' AND decision_id = $1`;
    expect((await verify()).ok).toBe(true);

    await db.query(`UPDATE record_entries SET summary = '已经通过合法性审查' WHERE ${entry} AND seq = 5`, [id]);
    expect(await verify()).toMatchObject({ ok: false, brokenAt: 5, reason: 'its columns differ from the event it records' });

    // Forging the event too (consistently with its column) breaks its hash.
    await db.query(`UPDATE record_entries SET event = jsonb_set(event, '{summary}', '"已经通过合法性审查"') WHERE ${entry} AND seq = 5`, [id]);
    expect(await verify()).toMatchObject({ ok: false, brokenAt: 5, reason: 'its content does not match its hash' });

    // Rehashing the forged entry does not help: the next entry's link no longer matches.
    const [row] = await db.query<{ prev_hash: string; event: unknown }>(`SELECT prev_hash, event FROM record_entries WHERE ${entry} AND seq = 5`, [id]);
    const { entryHash } = await import('../store/record');
    await db.query(`UPDATE record_entries SET hash = $2 WHERE ${entry} AND seq = 5`, [id, entryHash(row!.prev_hash, row!.event)]);
    expect(await verify()).toMatchObject({ ok: false, brokenAt: 6, reason: 'its link to the previous entry does not match' });

    await db.query(`DELETE FROM record_entries WHERE ${entry} AND seq = 3`, [id]);
    expect(await verify()).toMatchObject({ ok: false, brokenAt: 3, reason: 'entry 3 is missing' });
  });

  it('resumes after the projector process is killed mid-stream, losing and duplicating nothing', async () => {
    // The stream holds every earlier test's events too: this record's consumer starts where these decisions do.
    const jsm = await nc.jetstreamManager();
    const startSeq = (await jsm.streams.info(EVENTS_STREAM)).state.last_seq + 1;
    const decisions = await Promise.all([fullDecision('kill-a'), fullDecision('kill-b'), fullDecision('kill-c')]);
    const ids = decisions.map((x) => x.decisionId);
    const expected = await Promise.all(decisions.map((x, i) => eventsInNats(x.authority, ids[i]!, x.events)));
    const url = await createTestDatabase('killed');
    const target = await openDb({ url });
    const durable = uniqueId('proj-killed');
    await jsm.consumers.add(EVENTS_STREAM, {
      durable_name: durable,
      filter_subject: `${EVENTS_SUBJECT_PREFIX}.>`,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: startSeq,
      ack_policy: AckPolicy.Explicit,
      ack_wait: 5 * 1_000_000_000,
      max_ack_pending: 1000,
    });
    const recorded = async () =>
      Number((await target.query<{ n: string }>('SELECT count(*) AS n FROM record_entries WHERE decision_id = ANY($1)', [ids]))[0]!.n);
    const total = expected.reduce((n, e) => n + e.length, 0);
    try {
      const first = projectorProcess(url, durable);
      let atKill = 0;
      for (let i = 0; i < 3000 && atKill === 0; i++) {
        atKill = Number((await target.query<{ n: string }>('SELECT count(*) AS n FROM record_entries'))[0]!.n);
        if (atKill === 0) await new Promise((r) => setTimeout(r, 10));
      }
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
      expect(await recorded()).toBeLessThan(total);

      const second = projectorProcess(url, durable);
      try {
        for (let i = 0; i < 600 && (await recorded()) < total; i++) await new Promise((r) => setTimeout(r, 100));
      } finally {
        second.kill('SIGTERM');
        await new Promise((r) => second.once('exit', r));
      }
      expect(await recorded()).toBe(total);
      // All of it through the stream: nothing had to be taken from the workflows.
      const [status] = await target.query<{ stats: { repaired: number; streamLosses: number } }>('SELECT stats FROM projector_status WHERE name = $1', [durable]);
      expect(status?.stats).toMatchObject({ repaired: 0, streamLosses: 0 });
      for (const [i, id] of ids.entries()) {
        const record = await recordOf(target, 'majorDecision', id);
        expect(record.map((r) => r.event)).toEqual(expected[i]);
        expect((await verifyRecord(target, 'majorDecision', id)).ok).toBe(true);
      }
    } finally {
      await target.close();
    }
  });
});

function projectorProcess(databaseUrl: string, durable: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'projector/main.ts'], {
    cwd: path.resolve(__dirname, '..'),
    env: { ...process.env, NATS_URL: inject('natsUrl'), TEMPORAL_ADDRESS: inject('temporalAddress'), JUECE_DATABASE_URL: databaseUrl, JUECE_PROJECTOR_NAME: durable },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.on('data', (b: Buffer) => process.stderr.write(`[projector] ${b}`));
  return child;
}
