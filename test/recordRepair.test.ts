/**
 * The procedure record never loses an event, on the real servers (dev server, JetStream, PostgreSQL): an event
 * removed from the stream is put back from its workflow, in order, without an operator, and until then the record
 * says it is incomplete; a crowd of decisions waiting behind gaps does not hold up a fresh one; the operator's
 * `juece record check` lists and repairs what is behind.
 */
import { AckPolicy, DeliverPolicy, type NatsConnection } from 'nats';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { JueceClient } from '../client';
import { ensureEventsStream } from '../activities/events';
import { decisionSubjects } from '../client/events';
import { EVENTS_STREAM, EVENTS_SUBJECT_PREFIX, eventMessageId, eventSubject, type ProcedureEvent } from '../domain/events';
import { startProjector, type Projector, type ProjectorOptions } from '../projector/projector';
import { verifyAgainstSource } from '../projector/repair';
import { temporalEventSource } from '../projector/source';
import { openDb, type Db } from '../store/db';
import { recordOf, verifyRecord } from '../store/record';
import { createTestDatabase, fullDecision as runFullDecision, startDevHarness, syntheticEvent, uniqueId, until, type DevHarness } from './helpers';

const root = path.resolve(__dirname, '..');
let dev: DevHarness;
let client: JueceClient;
let nc: NatsConnection;

beforeAll(async () => {
  dev = await startDevHarness({ prefix: 'repair' });
  ({ client, nc } = dev);
});
afterAll(async () => dev?.stop());

const fullDecision = (prefix: string) => runFullDecision(client, prefix);

/** One decision's messages in the stream: its events by sequence number, with the stream sequence of each. */
async function streamMessages(authority: string, decisionId: string, count: number): Promise<Map<number, { streamSeq: number; event: ProcedureEvent }>> {
  const jsm = await nc.jetstreamManager();
  for (let attempt = 0; attempt < 100; attempt++) {
    const info = await jsm.consumers.add(EVENTS_STREAM, {
      filter_subject: decisionSubjects(authority, decisionId),
      deliver_policy: DeliverPolicy.All,
      ack_policy: AckPolicy.None,
      inactive_threshold: 30 * 1_000_000_000,
    });
    if (info.num_pending >= count) {
      const consumer = await nc.jetstream().consumers.get(EVENTS_STREAM, info.name);
      const found = new Map<number, { streamSeq: number; event: ProcedureEvent }>();
      for await (const m of await consumer.fetch({ max_messages: info.num_pending, expires: 5_000 })) {
        const event = m.json<ProcedureEvent>();
        found.set(event.seq, { streamSeq: m.seq, event });
        if (found.size === info.num_pending) break;
      }
      return found;
    }
    await jsm.consumers.delete(EVENTS_STREAM, info.name);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${decisionId}: fewer than ${count} events in the stream`);
}

/** A durable consumer for a fresh record, starting at the stream's end (earlier tests' events are not this record's). */
async function freshConsumer(): Promise<string> {
  const jsm = await nc.jetstreamManager();
  await ensureEventsStream(jsm);
  const durable = uniqueId('proj-repair');
  await jsm.consumers.add(EVENTS_STREAM, {
    durable_name: durable,
    filter_subject: `${EVENTS_SUBJECT_PREFIX}.>`,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: (await jsm.streams.info(EVENTS_STREAM)).state.last_seq + 1,
    ack_policy: AckPolicy.Explicit,
    ack_wait: 5 * 1_000_000_000,
    max_ack_pending: 1000,
  });
  return durable;
}

describe('a record that heals its own gaps', () => {
  let db: Db;
  let databaseUrl: string;
  beforeAll(async () => {
    databaseUrl = await createTestDatabase('repair');
    db = await openDb({ url: databaseUrl });
  });
  afterAll(async () => db?.close());

  const projectorWith = async (durable: string, o: Partial<ProjectorOptions> = {}, lines: string[] = []): Promise<Projector> =>
    startProjector({ nc, db, durable, log: (l) => lines.push(l), ...o });

  it('puts an event lost from the stream back in the record, in order, from the workflow; says "incomplete" until then', async () => {
    const durable = await freshConsumer();
    const [a, b] = await Promise.all([fullDecision('lost-a'), fullDecision('lost-b')]);
    const stored = await streamMessages(a.authority, a.decisionId, a.events);
    const fifth = stored.get(5)!;
    expect(fifth.event.seq).toBe(5);
    // The server loses an acknowledged message (JetStream's delete-message call stands for it).
    await (await nc.jetstreamManager()).streams.deleteMessage(EVENTS_STREAM, fifth.streamSeq);

    // A projector that cannot reach the workflows holds what comes after the hole and says so.
    const lines: string[] = [];
    const blind = await projectorWith(durable, { checkEveryMs: 0 }, lines);
    try {
      await blind.idle();
      // Reported once, when first found: under load the projector may look before every later event has come.
      const reported = new RegExp(`majorDecision ${a.decisionId}: \\d+ event\\(s\\) up to #\\d+ wait for an earlier one missing from the stream`);
      await until('the gap reported', 20_000, async () => lines.some((l) => reported.test(l)));
      await until('every later event held', 20_000, async () => blind.stats.held === a.events - 5);
      expect(blind.stats).toMatchObject({ held: a.events - 5, gapsOpen: 1, repaired: 0 });
      expect(await recordOf(db, 'majorDecision', a.decisionId)).toHaveLength(4);
      expect(await verifyRecord(db, 'majorDecision', a.decisionId)).toMatchObject({
        ok: false,
        chainOk: true,
        complete: false,
        entries: 4,
        known: a.events,
        held: a.events - 5,
        missing: [{ from: 5, to: 5 }],
      });
      // The other decision is untouched by A's trouble.
      expect(await verifyRecord(db, 'majorDecision', b.decisionId)).toMatchObject({ ok: true, complete: true, entries: b.events });
    } finally {
      await blind.stop();
    }

    // The operator's check lists it (and exits 5) before anything is repaired.
    const env = { ...process.env, JUECE_DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: client.taskQueue };
    const check = spawnSync(process.execPath, ['bin/juece.js', 'record', 'check'], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
    expect(check.status, check.stderr).toBe(5);
    expect(check.stdout).toContain(`majorDecision ${a.decisionId}: record 4 of ${a.events} events its workflow published (run with --repair to fill it)`);
    expect(check.stdout).toContain('1 record(s) still incomplete');

    // With the workflows in reach, the projector repairs it on its own.
    const healing = await projectorWith(durable, { source: temporalEventSource(client.client, { taskQueue: client.taskQueue }), graceMs: 1_000 }, lines);
    try {
      await until('the record repaired', 60_000, async () => (await verifyRecord(db, 'majorDecision', a.decisionId)).ok && healing.stats.repaired > 0);
      const record = await recordOf(db, 'majorDecision', a.decisionId);
      expect(record.map((r) => r.seq)).toEqual(Array.from({ length: a.events }, (_, i) => i + 1));
      // What went back is the event as it was published, and every other entry is as the stream had it.
      expect(record[4]!.event).toEqual(fifth.event);
      for (const r of record) expect(r.event).toEqual(stored.get(r.seq)!.event);
      expect(healing.stats.repaired).toBe(1);
      expect(lines.some((l) => l.includes(`majorDecision ${a.decisionId}: 1 event(s) missing from the stream recorded from the workflow's history`))).toBe(true);
      expect(await db.query('SELECT * FROM held_events')).toEqual([]);
    } finally {
      await healing.stop();
    }
  });

  it('finds the last events of a decision lost from the stream, with nothing after them, by checking the workflow', async () => {
    const durable = await freshConsumer();
    const c = await fullDecision('tail');
    const stored = await streamMessages(c.authority, c.decisionId, c.events);
    const jsm = await nc.jetstreamManager();
    for (const seq of [c.events - 1, c.events]) await jsm.streams.deleteMessage(EVENTS_STREAM, stored.get(seq)!.streamSeq);
    const lines: string[] = [];
    const source = temporalEventSource(client.client, { taskQueue: client.taskQueue });
    // Checked against the workflow, the record says what it lacks (the stream alone cannot tell).
    expect(await verifyAgainstSource(db, source, 'majorDecision', c.decisionId)).toMatchObject({ ok: false, complete: false, known: c.events });
    const projector = await projectorWith(durable, { source, graceMs: 500, checkEveryMs: 2_000 }, lines);
    try {
      await until('the tail recorded', 60_000, async () => (await verifyAgainstSource(db, source, 'majorDecision', c.decisionId)).ok && projector.stats.repaired > 0);
      expect((await recordOf(db, 'majorDecision', c.decisionId)).map((r) => r.event)).toEqual([...stored.values()].sort((x, y) => x.event.seq - y.event.seq).map((m) => m.event));
      expect(lines.some((l) => l.includes(`majorDecision ${c.decisionId}: 2 event(s) its workflow published were not in the record`))).toBe(true);
      // The workflow has closed and the record holds all of it: settled, not checked again.
      await until('settled', 10_000, async () => (await db.query<{ settled: boolean }>('SELECT settled FROM decisions WHERE decision_id = $1', [c.decisionId]))[0]?.settled);
    } finally {
      await projector.stop();
    }
  });

  it('does not let 2,000 events held behind the gaps of 200 decisions delay a fresh decision', async () => {
    const durable = await freshConsumer();
    const js = nc.jetstream();
    const base = (id: string, seq: number) => syntheticEvent(id, seq, 'stall-gov');
    const stalled = uniqueId('stall');
    // 200 decisions whose first event the stream never had: 10 events each wait behind it.
    const pending: Promise<unknown>[] = [];
    for (let d = 0; d < 200; d++) {
      for (let seq = 2; seq <= 11; seq++) {
        const e = base(`${stalled}-${d}`, seq);
        pending.push(js.publish(eventSubject(e), JSON.stringify(e), { msgID: eventMessageId(e) }));
      }
      if (pending.length >= 500) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    const projector = await projectorWith(durable, { source: temporalEventSource(client.client, { taskQueue: client.taskQueue }), graceMs: 500, checkEveryMs: 0 });
    try {
      const fresh = uniqueId('fresh');
      const publishedAt = Date.now();
      for (let seq = 1; seq <= 11; seq++) {
        const e = base(fresh, seq);
        await js.publish(eventSubject(e), JSON.stringify(e), { msgID: eventMessageId(e) });
      }
      await until('the fresh record complete', 30_000, async () => (await verifyRecord(db, 'majorDecision', fresh)).ok);
      const delay = Date.now() - publishedAt;
      console.log(`fresh decision recorded ${delay} ms after its events, behind 2,000 held events of 200 decisions`);
      expect(delay).toBeLessThan(10_000);
      const [held] = await db.query<{ n: string }>('SELECT count(*) AS n FROM held_events WHERE decision_id LIKE $1', [`${stalled}-%`]);
      expect(Number(held!.n)).toBe(2000);
      // Nothing is left unacknowledged: the held events are in the record's table, not in the consumer's window.
      const jsm = await nc.jetstreamManager();
      await until('every delivered event acknowledged', 5_000, async () => (await jsm.consumers.info(EVENTS_STREAM, durable)).num_ack_pending === 0);
      expect(await verifyRecord(db, 'majorDecision', `${stalled}-7`)).toMatchObject({ ok: false, complete: false, known: 11, held: 10, missing: [{ from: 1, to: 1 }] });
    } finally {
      await projector.stop();
      await db.query('DELETE FROM held_events WHERE decision_id LIKE $1', [`${stalled}-%`]);
    }
  });
});
