/**
 * The projector: consumes the procedure events from JetStream with a durable consumer and appends them to the
 * procedure record. Each event is acknowledged only after its transaction commits, so a projector killed at any
 * moment resumes where it stopped, and the record's idempotence makes a redelivered event a no-op. Each event goes to
 * the record of its kind and id and carries where the decision stands; the projector stores it and derives nothing.
 *
 * The record never silently loses an event (Decree 713 arts. 38-41: the record is the evidence):
 * - an event that comes before an earlier one of its decision is held in the record's own table and acknowledged,
 *   so one decision's gap never holds up another's;
 * - a gap that outlasts `graceMs` is repaired from the workflow's history (projector/source.ts), without an operator;
 * - every `checkEveryMs`, records not yet settled and workflows started lately are checked against their workflow, so
 *   the last events of a decision, with nothing after them to reveal the gap, are found too;
 * - a stream that comes back with fewer messages than it had handed out (a damaged file) is reported and read again
 *   from its start, so the events published after it do not slip under the consumer's acknowledged floor.
 */
import { AckPolicy, DeliverPolicy, type Consumer, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import { ensureEventsStream } from '../activities/events';
import { EVENTS_STREAM, EVENTS_SUBJECT_PREFIX, ProcedureEventSchema, recordKindOf, type RecordKind } from '../domain/events';
import type { Db } from '../store/db';
import { applyEvent, releaseHeld } from '../store/record';
import { checkRecords, fillFromSource, heldGaps, unsettledRecords, type CheckTarget } from './repair';
import type { EventSource } from './source';

export const PROJECTOR_CONSUMER = 'juece-projector';

export interface ProjectorStats {
  applied: number;
  duplicates: number;
  /** Events that came before an earlier one of their decision: held in the record until it is there. */
  held: number;
  /** Records with a gap open now (events held behind a missing one). */
  gapsOpen: number;
  /** Events recorded from their workflow's history because the stream had lost them. */
  repaired: number;
  /** Events lost from the stream that the workflow's history no longer has either (retention): reported, not healed. */
  unrepairable: number;
  /** Times the stream was found to hold fewer messages than it had handed out (its file lost some). */
  streamLosses: number;
  /** Records checked against their workflow. */
  checked: number;
  /** Times the consumer had events waiting but delivered none for 15 s and was pulled afresh. */
  stalls: number;
  /** Messages that are not procedure events: logged and dropped. */
  rejected: number;
  /** Database failures: the event is redelivered, later each time. */
  failures: number;
  lastError?: string;
}

export interface Projector {
  stats: ProjectorStats;
  /** Resolves once the consumer has nothing pending and every delivered event is settled. */
  idle(timeoutMs?: number): Promise<void>;
  /** Stops within a few seconds in every state (a stalled database, a server away). */
  stop(): Promise<void>;
}

export interface ProjectorOptions {
  nc: NatsConnection;
  db: Db;
  /** Durable consumer name (one per read model). */
  durable?: string;
  /** The workflows, read back through Temporal: gaps are repaired from them. Without it gaps are held and reported. */
  source?: EventSource;
  /** JetStream replicas of the events stream (3 on a three-node cluster). */
  replicas?: number;
  /** How long an event may wait for a missing predecessor before the record is repaired from the workflow. */
  graceMs?: number;
  /** How often records not yet settled are checked against their workflow (0: never). */
  checkEveryMs?: number;
  /** At most this many records per check. */
  checkBatch?: number;
  log?: (line: string) => void;
  /** Called after each applied event (the benchmarks time it). */
  onApplied?: (decisionId: string, seq: number, kind: RecordKind) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startProjector(o: ProjectorOptions): Promise<Projector> {
  const durable = o.durable ?? PROJECTOR_CONSUMER;
  const log = o.log ?? (() => {});
  const graceMs = o.graceMs ?? 3_000;
  const checkEveryMs = o.checkEveryMs ?? 30_000;
  const checkBatch = o.checkBatch ?? 100;
  const jsm = await o.nc.jetstreamManager();
  const stats: ProjectorStats = { applied: 0, duplicates: 0, held: 0, gapsOpen: 0, repaired: 0, unrepairable: 0, streamLosses: 0, checked: 0, stalls: 0, rejected: 0, failures: 0 };

  const openConsumer = async (): Promise<Consumer> => {
    await ensureEventsStream(jsm, o.replicas);
    try {
      await jsm.consumers.info(EVENTS_STREAM, durable);
    } catch {
      await jsm.consumers.add(EVENTS_STREAM, {
        durable_name: durable,
        filter_subject: `${EVENTS_SUBJECT_PREFIX}.>`,
        deliver_policy: DeliverPolicy.All,
        ack_policy: AckPolicy.Explicit,
        // What a projector that died was handed comes back this soon to the next one (a redelivery is harmless).
        ack_wait: 5 * 1_000_000_000,
        max_ack_pending: 1000,
        num_replicas: o.replicas ?? 0,
      });
    }
    return o.nc.jetstream().consumers.get(EVENTS_STREAM, durable);
  };
  await openConsumer();

  let inFlight = 0;
  let stopped = false;
  let resetting = false;
  let messages: ConsumerMessages | undefined;
  const wake = new Set<() => void>();
  /** Sleeps, but not past a stop. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wake.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      wake.add(done);
    });

  const handle = async (m: JsMsg) => {
    const parsed = ProcedureEventSchema.safeParse(safeJson(m));
    if (!parsed.success) {
      stats.rejected++;
      log(`projector: dropped message ${m.seq} on ${m.subject}: not a procedure event`);
      return m.term();
    }
    const e = parsed.data;
    try {
      const { outcome, recorded } = await applyEvent(o.db, e, { releaseHeld: heldSeen });
      if (outcome === 'held') heldSeen = true;
      highest = Math.max(highest, m.seq);
      lastDelivery = Date.now();
      if (outcome === 'held') stats.held++;
      else if (outcome === 'duplicate') stats.duplicates++;
      for (const r of recorded) {
        stats.applied++;
        o.onApplied?.(r.decisionId, r.seq, recordKindOf(r));
      }
      m.ack();
    } catch (err) {
      stats.failures++;
      const message = (err as Error).message;
      if (stats.lastError !== message) log(`projector: cannot record ${recordKindOf(e)} ${e.decisionId} #${e.seq} yet (${message}); it will be redelivered`);
      stats.lastError = message;
      // Backs off: 1 s, 2 s, 4 s … up to 30 s between deliveries of the same event.
      m.nak(Math.min(30_000, 1000 * 2 ** Math.min(5, m.info.redeliveryCount - 1)));
    }
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        if (resetting) {
          await jsm.consumers.delete(EVENTS_STREAM, durable).catch(() => undefined);
          resetting = false;
        }
        const consumer = await openConsumer();
        // Short pulls with heartbeats: a pull lost with a server (a leader paused or killed) is noticed within seconds.
        messages = await consumer.consume({ max_messages: 256, expires: 5_000 });
        for await (const m of messages) {
          inFlight++;
          try {
            await handle(m);
          } finally {
            inFlight--;
          }
          if (stopped || resetting) break;
        }
      } catch (err) {
        if (!stopped) {
          log(`projector: consumer interrupted (${(err as Error).message}); resuming`);
          await pause(1000);
        }
      }
    }
  })();

  // Gaps, the stream's own losses, and the check against the workflows.
  const backoff = new Map<string, { at: number; delay: number }>();
  const reportedGaps = new Set<string>();
  let lastProblem = '';
  const problem = (what: string, err: unknown) => {
    const line = `projector: ${what}: ${(err as Error).message}`;
    if (line !== lastProblem) log(line);
    lastProblem = line;
  };

  const repairGaps = async () => {
    const all = await heldGaps(o.db);
    heldSeen = all.length > 0;
    // Held events whose missing predecessor has come meanwhile go through now; the rest wait on a real gap.
    for (const g of all) if (g.first <= g.lastSeq + 1) await releaseHeld(o.db, g.kind, g.decisionId);
    const gaps = all.filter((g) => g.first > g.lastSeq + 1);
    stats.gapsOpen = gaps.length;
    const open = new Set<string>();
    for (const g of gaps) {
      const key = `${g.kind} ${g.decisionId}`;
      open.add(key);
      if (!reportedGaps.has(key)) {
        log(`projector: ${key}: ${g.held} event(s) up to #${g.top} wait for an earlier one missing from the stream`);
        reportedGaps.add(key);
      }
      const b = backoff.get(key);
      if (!o.source || Date.now() - g.since.getTime() < graceMs || (b && b.at > Date.now()) || stopped) continue;
      try {
        const { repaired, lost } = await fillFromSource(o.db, o.source, g.kind, g.decisionId, g.top);
        stats.repaired += repaired;
        if (lost.length) {
          stats.unrepairable += lost.length;
          log(`projector: ${key}: events ${lost.join(', ')} are lost from the stream and from the workflow's history; the record stays incomplete`);
          backoff.set(key, { at: Date.now() + 10 * 60_000, delay: 10 * 60_000 });
        } else {
          log(`projector: ${key}: ${repaired} event(s) missing from the stream recorded from the workflow's history; the chain is whole again`);
          backoff.delete(key);
        }
      } catch (err) {
        const delay = Math.min(60_000, (b?.delay ?? 500) * 2);
        backoff.set(key, { at: Date.now() + delay, delay });
        problem(`cannot repair ${key} yet`, err);
      }
    }
    for (const key of reportedGaps) if (!open.has(key)) reportedGaps.delete(key);
  };

  // What the stream held when last looked at: a stream that goes back, or loses messages from its middle, lost them.
  let seen: { lastSeq: number; deleted: number } | undefined;
  /** The highest stream sequence this projector has recorded or skipped. */
  let highest = 0;
  let lastDelivery = Date.now();
  /** Some event was held (by this projector, or another as seen at the last look): appends look for held successors. */
  let heldSeen = true;
  const checkStream = async () => {
    const [stream, consumer] = await Promise.all([jsm.streams.info(EVENTS_STREAM), jsm.consumers.info(EVENTS_STREAM, durable)]);
    const { last_seq: lastSeq, num_deleted: deleted = 0 } = stream.state;
    const lost = (what: string) => {
      stats.streamLosses++;
      log(`projector: the events stream ${what}. Every record not yet settled is checked against its workflow now.`);
      sweepAll = true;
    };
    if (seen && lastSeq < seen.lastSeq) lost(`went back from message ${seen.lastSeq} to ${lastSeq}: it lost ${seen.lastSeq - lastSeq} or more messages (a damaged file?)`);
    else if (seen && deleted > seen.deleted) lost(`has ${deleted - seen.deleted} message(s) fewer than it had (deleted, or lost from a damaged file)`);
    seen = { lastSeq: Math.max(lastSeq, highest), deleted };
    // An older server keeps the consumer's floor above a stream that went back: later events would never come.
    const handedOut = consumer.delivered.stream_seq;
    if (handedOut > lastSeq && !resetting) {
      log(`projector: the consumer was handed message ${handedOut} but the stream ends at ${lastSeq}; reading the stream again from its start`);
      resetting = true;
      await messages?.close();
    } else if (consumer.num_pending > 0 && inFlight === 0 && Date.now() - lastDelivery > 15_000) {
      // Events wait and none has come for a while (a pull lost with a server that went away): pull afresh.
      stats.stalls++;
      log(`projector: ${consumer.num_pending} event(s) wait in the stream but none came for ${Math.round((Date.now() - lastDelivery) / 1000)} s; pulling again`);
      lastDelivery = Date.now();
      await messages?.close();
    }
  };

  let watermark = new Date(Date.now() - 24 * 3600_000);
  /** After a loss from the stream: check every record not yet settled, not one batch of them. */
  let sweepAll = false;
  const sweep = async () => {
    if (!o.source) return;
    const all = sweepAll;
    sweepAll = false;
    const since = watermark;
    const started = new Date(Date.now() - 60_000); // visibility lags a little: look back a minute next time
    const recent = await o.source.startedSince(since);
    const targets = new Map<string, CheckTarget>();
    for (let offset = 0; ; offset += checkBatch) {
      const batch = await unsettledRecords(o.db, checkBatch, offset);
      for (const r of batch) targets.set(`${r.kind} ${r.decisionId}`, { kind: r.kind, decisionId: r.decisionId, mark: r.mark });
      if (!all || batch.length < checkBatch || stopped) break;
    }
    for (const r of recent) {
      const key = `${r.kind} ${r.decisionId}`;
      if (!targets.has(key)) targets.set(key, { kind: r.kind, decisionId: r.decisionId, mark: null });
    }
    const results = await checkRecords(o.db, o.source, [...targets.values()], { repair: true, graceMs });
    watermark = started;
    stats.checked += results.length;
    for (const r of results) {
      stats.repaired += r.repaired;
      stats.unrepairable += r.lost.length;
      if (r.repaired) log(`projector: ${r.kind} ${r.decisionId}: ${r.repaired} event(s) its workflow published were not in the record; recorded from the workflow's history`);
      if (r.lost.length) log(`projector: ${r.kind} ${r.decisionId}: events ${r.lost.join(', ')} are lost from the stream and from the workflow's history`);
    }
  };

  const saveStatus = () =>
    o.db.query(
      `INSERT INTO projector_status (name, stats, updated_at) VALUES ($1, $2, now()) ON CONFLICT (name) DO UPDATE SET stats = EXCLUDED.stats, updated_at = now()`,
      [durable, JSON.stringify({ ...stats, stream: seen && { ...seen, lastSeq: Math.max(seen.lastSeq, highest) } })],
    );
  // A loss while no projector ran shows against what the last one saw.
  const [saved] = await o.db.query<{ stats: { stream?: typeof seen } }>('SELECT stats FROM projector_status WHERE name = $1', [durable]).catch(() => []);
  seen = saved?.stats.stream;

  const maintenance = (async () => {
    let lastStream = 0;
    let lastSweep = Date.now();
    let lastStatus = 0;
    while (!stopped) {
      await repairGaps().catch((err) => problem('cannot look for gaps', err));
      if (Date.now() - lastStream >= 2_000) {
        lastStream = Date.now();
        await checkStream().catch((err) => problem('cannot compare the consumer with the stream', err));
      }
      if (o.source && (sweepAll || (checkEveryMs > 0 && Date.now() - lastSweep >= checkEveryMs))) {
        lastSweep = Date.now();
        await sweep().catch((err) => problem('cannot check the records against their workflows', err));
      }
      if (Date.now() - lastStatus >= 5_000) {
        lastStatus = Date.now();
        await saveStatus().catch(() => undefined);
      }
      await pause(500);
    }
  })();

  return {
    stats,
    async idle(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const info = await jsm.consumers.info(EVENTS_STREAM, durable);
        if (info.num_pending === 0 && info.num_ack_pending === 0 && inFlight === 0) return;
        await sleep(50);
      }
      throw new Error(`the projector is still behind after ${timeoutMs} ms`);
    },
    async stop() {
      stopped = true;
      for (const w of [...wake]) w();
      // A transaction stuck on a database that went away does not hold the stop: what it had is redelivered.
      const closing = messages?.close().catch(() => undefined);
      await Promise.race([Promise.all([closing, loop, maintenance]), sleep(2_000)]);
      await Promise.race([saveStatus().catch(() => undefined), sleep(500)]);
    },
  };
}

function safeJson(m: JsMsg): unknown {
  try {
    return m.json();
  } catch {
    return undefined;
  }
}
