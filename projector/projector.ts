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
 *
 * Scale-out (projector/partition.ts): N projectors keep one record, each the decisions of its partition, on a durable
 * consumer of its own; each reads the whole stream, applies the events of its partition's decisions and acknowledges
 * the others at once, and looks for gaps and checks records only in its partition. One partition (the default) is
 * the whole record, as before.
 */
import { AckPolicy, DeliverPolicy, type Consumer, type ConsumerConfig, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import { ensureEventsStream } from '../activities/events';
import { EVENTS_STREAM, EVENTS_SUBJECT_PREFIX, ProcedureEventSchema, recordKindOf, type RecordKind } from '../domain/events';
import type { Db } from '../store/db';
import { applyEvent, releaseHeld } from '../store/record';
import { owns, partitionDurable, WHOLE_RECORD, type Partition } from './partition';
import { checkRecords, fillFromSource, heldGaps, unsettledAfter, unsettledRecords, type CheckTarget } from './repair';
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
  /** Events of decisions in other partitions: acknowledged and left to their projectors. */
  otherPartitions: number;
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
  /** Durable consumer name (one per read model); a partition's consumer is `<durable>-p<index>of<count>`. */
  durable?: string;
  /** The partition of the record this projector keeps (default: the whole record). */
  partition?: Partition;
  /** The workflows, read back through Temporal: gaps are repaired from them. Without it gaps are held and reported. */
  source?: EventSource;
  /**
   * A consumer made new (none yet under this durable) reads the stream from this time, not from its beginning: for a
   * read model of what happens from now on (each test's own record, on a stream all the tests share).
   */
  startAt?: Date;
  /** JetStream replicas of the events stream (3 on a three-node cluster). */
  replicas?: number;
  /** How long an event may wait for a missing predecessor before the record is repaired from the workflow. */
  graceMs?: number;
  /** How often records not yet settled are checked against their workflow (0: never). */
  checkEveryMs?: number;
  /** At most this many records per check. */
  checkBatch?: number;
  /** A line for the operator, with the ids it concerns (kind, decisionId, workflowId) and its level (default info). */
  log?: (line: string, fields?: ProjectorLogFields, level?: 'info' | 'warn' | 'error') => void;
  /** Called after each applied event (the benchmarks time it). */
  onApplied?: (decisionId: string, seq: number, kind: RecordKind) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startProjector(o: ProjectorOptions): Promise<Projector> {
  const part = o.partition ?? WHOLE_RECORD;
  const durable = partitionDurable(o.durable ?? PROJECTOR_CONSUMER, part);
  const log = o.log ?? (() => {});
  const graceMs = o.graceMs ?? 3_000;
  const checkEveryMs = o.checkEveryMs ?? 30_000;
  const checkBatch = o.checkBatch ?? 100;
  const jsm = await o.nc.jetstreamManager();
  const stats: ProjectorStats = { applied: 0, duplicates: 0, held: 0, gapsOpen: 0, repaired: 0, unrepairable: 0, streamLosses: 0, checked: 0, stalls: 0, rejected: 0, otherPartitions: 0, failures: 0 };

  const consumerConfig = (from: Partial<ConsumerConfig> = { deliver_policy: DeliverPolicy.All }): Partial<ConsumerConfig> => ({
    durable_name: durable,
    filter_subject: `${EVENTS_SUBJECT_PREFIX}.>`,
    ...from,
    ack_policy: AckPolicy.Explicit,
    // What a projector that died was handed comes back this soon to the next one (a redelivery is harmless).
    ack_wait: 5 * 1_000_000_000,
    max_ack_pending: 1000,
    num_replicas: o.replicas ?? 0,
  });
  const openConsumer = async (): Promise<Consumer> => {
    await ensureEventsStream(jsm, o.replicas);
    try {
      await jsm.consumers.info(EVENTS_STREAM, durable);
    } catch {
      await jsm.consumers.add(EVENTS_STREAM, consumerConfig(o.startAt ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: o.startAt.toISOString() } : undefined));
    }
    return o.nc.jetstream().consumers.get(EVENTS_STREAM, durable);
  };
  await openConsumer();

  let inFlight = 0;
  let stopped = false;
  /** Set when the consumer must be made anew, reading the stream again from this time. */
  let resetFrom: Date | undefined;
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
  /** A call to Temporal or the database that hangs does not hold a loop for ever (nor its timer the process, once answered). */
  const bounded = async <T>(what: string, p: Promise<T>, ms = 30_000): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms)))]);
    } finally {
      clearTimeout(timer);
    }
  };

  /** What this projector (or the last one on this durable) knew of the stream: the last message it handled. */
  interface StreamMark {
    /** The last message handled: its stream sequence, message id and time. */
    last?: { seq: number; id: string; at: string };
    deleted: number;
  }
  const [saved] = await o.db.query<{ stats: { stream?: StreamMark; watermark?: string } }>('SELECT stats FROM projector_status WHERE name = $1', [durable]).catch(() => []);
  let mark: StreamMark = saved?.stats.stream ?? { deleted: -1 };
  // Workflows started since this are looked for when checking for records that never began.
  let watermark = saved?.stats.watermark ? new Date(saved.stats.watermark) : new Date(Date.now() - 24 * 3600_000);
  let lastActivity = Date.now();
  /** Some event was held (by this projector, or another as seen at the last look): appends look for held successors. */
  let heldSeen = true;

  /** Where this message stands in the stream: the last one handled, whoever's it was. */
  const handled = (m: JsMsg) => {
    mark.last = { seq: m.seq, id: m.headers?.get('Nats-Msg-Id') ?? '', at: new Date(Math.floor(m.info.timestampNanos / 1e6)).toISOString() };
  };
  const handle = async (m: JsMsg) => {
    lastActivity = Date.now();
    const json = safeJson(m);
    const id = (json as { decisionId?: unknown } | undefined)?.decisionId;
    if (typeof id === 'string' && !owns(part, id)) {
      // Another partition's decision: its projector applies it.
      stats.otherPartitions++;
      handled(m);
      return m.ack();
    }
    const parsed = ProcedureEventSchema.safeParse(json);
    if (!parsed.success) {
      // Dropped by every partition's consumer; counted and logged by the first partition's projector only.
      if (part.index === 0) {
        stats.rejected++;
        log(`projector: dropped message ${m.seq} on ${m.subject}: not a procedure event`, { streamSeq: m.seq, subject: m.subject }, 'warn');
      }
      return m.term();
    }
    const e = parsed.data;
    try {
      const { outcome, recorded } = await applyEvent(o.db, e, { releaseHeld: heldSeen });
      if (outcome === 'held') {
        heldSeen = true;
        stats.held++;
      } else if (outcome === 'duplicate') stats.duplicates++;
      applied(recorded);
      handled(m);
      m.ack();
    } catch (err) {
      stats.failures++;
      const message = (err as Error).message;
      if (stats.lastError !== message) {
        log(`projector: cannot record ${recordKindOf(e)} ${e.decisionId} #${e.seq} yet (${message}); it will be redelivered`, { kind: recordKindOf(e), decisionId: e.decisionId, workflowId: e.workflowId, seq: e.seq }, 'warn');
      }
      stats.lastError = message;
      // Backs off: 1 s, 2 s, 4 s … up to 30 s between deliveries of the same event.
      m.nak(Math.min(30_000, 1000 * 2 ** Math.min(5, m.info.redeliveryCount - 1)));
    }
  };
  /** Events that came through the stream and are now in the record (some let through after a held gap). */
  const applied = (recorded: { decisionId: string; seq: number; kind?: RecordKind; workflowId: string }[] | number) => {
    if (typeof recorded === 'number') return void (stats.applied += recorded);
    for (const r of recorded) {
      stats.applied++;
      o.onApplied?.(r.decisionId, r.seq, recordKindOf(r));
    }
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        if (resetFrom) {
          const from = resetFrom;
          resetFrom = undefined;
          await jsm.consumers.delete(EVENTS_STREAM, durable).catch(() => undefined);
          await jsm.consumers.add(EVENTS_STREAM, consumerConfig({ deliver_policy: DeliverPolicy.StartTime, opt_start_time: from.toISOString() }));
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
          if (stopped || resetFrom) break;
        }
      } catch (err) {
        if (!stopped) {
          log(`projector: consumer interrupted (${(err as Error).message}); resuming`, {}, 'warn');
          await pause(1000);
        }
      }
    }
  })();

  let lastProblem = '';
  const problem = (what: string, err: unknown) => {
    const line = `projector: ${what}: ${(err as Error).message}`;
    if (line !== lastProblem) log(line, {}, 'warn');
    lastProblem = line;
  };
  /** Events found lost beyond repair are counted and logged once each. */
  const reportedLost = new Set<string>();
  const lostBeyondRepair = (key: string, seqs: number[]) => {
    const fresh = seqs.filter((seq) => !reportedLost.has(`${key}#${seq}`));
    for (const seq of fresh) reportedLost.add(`${key}#${seq}`);
    stats.unrepairable += fresh.length;
    if (fresh.length) log(`projector: ${key}: events ${fresh.join(', ')} are lost from the stream and from the workflow's history; the record stays incomplete`, idsOf(key), 'error');
  };

  // 1. Gaps: held events let through once their predecessor is in, or repaired from the workflow after `graceMs`.
  const backoff = new Map<string, { at: number; delay: number }>();
  const reportedGaps = new Set<string>();
  const repairGaps = async () => {
    const all = await heldGaps(o.db, part);
    heldSeen = all.length > 0;
    for (const g of all) if (g.first <= g.lastSeq + 1) applied(await releaseHeld(o.db, g.kind, g.decisionId));
    const gaps = all.filter((g) => g.first > g.lastSeq + 1);
    stats.gapsOpen = gaps.length;
    const open = new Set<string>();
    for (const g of gaps) {
      const key = `${g.kind} ${g.decisionId}`;
      open.add(key);
      if (!reportedGaps.has(key)) {
        log(`projector: ${key}: ${g.held} event(s) up to #${g.top} wait for an earlier one missing from the stream`, idsOf(key), 'warn');
        reportedGaps.add(key);
      }
      const b = backoff.get(key);
      if (!o.source || g.ageMs < graceMs || (b && b.at > Date.now()) || stopped) continue;
      try {
        const { repaired, released, lost } = await bounded(`repairing ${key}`, fillFromSource(o.db, o.source, g.kind, g.decisionId, g.top));
        stats.repaired += repaired;
        applied(released);
        if (lost.length) {
          lostBeyondRepair(key, lost);
          backoff.set(key, { at: Date.now() + 10 * 60_000, delay: 10 * 60_000 });
        } else {
          log(`projector: ${key}: ${repaired} event(s) missing from the stream recorded from the workflow's history; the chain is whole again`, idsOf(key));
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

  // 2. The stream's own losses, and a consumer that stopped delivering.
  const checkStream = async () => {
    const [stream, consumer] = await Promise.all([jsm.streams.info(EVENTS_STREAM), jsm.consumers.info(EVENTS_STREAM, durable)]);
    const deleted = stream.state.num_deleted ?? 0;
    const losses: string[] = [];
    const last = mark.last;
    if (last) {
      // The last message recorded must still be in the stream, under its number: a stream cut short (a damaged file)
      // loses it, or hands its number to a later message.
      const found = await jsm.streams.getMessage(EVENTS_STREAM, { seq: last.seq }).then(
        (sm) => sm.header?.get('Nats-Msg-Id') ?? '',
        () => undefined,
      );
      if (found === undefined) losses.push(`no longer holds message ${last.seq}, the last one recorded (it ends at ${stream.state.last_seq})`);
      else if (found !== last.id) losses.push(`holds another message under number ${last.seq}, the last one recorded: it went back and numbered new messages from there`);
    }
    if (mark.deleted >= 0 && deleted > mark.deleted) losses.push(`has ${deleted - mark.deleted} message(s) fewer than it had (deleted, or lost from a damaged file)`);
    mark.deleted = deleted;
    if (losses.length) {
      stats.streamLosses++;
      log(`projector: the events stream ${losses.join('; ')}. Every record not yet settled is checked against its workflow now.`, {}, 'error');
      fullSweep = { after: undefined };
      mark.last = undefined;
      // An older server keeps the consumer's floor above a stream that went back: later events would never come.
      if (consumer.delivered.stream_seq > stream.state.last_seq && last) {
        log('projector: the consumer is ahead of the stream; reading it again from a minute before the last message recorded');
        resetFrom = new Date(new Date(last.at).getTime() - 60_000);
        await messages?.close();
      }
      return;
    }
    if (consumer.num_pending > 0 && inFlight === 0 && Date.now() - lastActivity > 15_000) {
      // Events wait and none has come for a while (a pull lost with a server that went away): pull afresh.
      stats.stalls++;
      log(`projector: ${consumer.num_pending} event(s) wait in the stream but none came for ${Math.round((Date.now() - lastActivity) / 1000)} s; pulling again`);
      lastActivity = Date.now();
      await messages?.close();
    }
  };

  // 3. Records against their workflows: a batch of the longest unchecked each time, the workflows started lately, and
  // after a loss from the stream every record not yet settled (a page at a time).
  let fullSweep: { after?: { kind: string; decisionId: string } } | undefined;
  const sweep = async () => {
    if (!o.source) return;
    const since = watermark;
    const started = new Date(Date.now() - 60_000); // visibility lags a little: look back a minute next time
    const targets = new Map<string, CheckTarget>();
    for (const r of await unsettledRecords(o.db, checkBatch, part)) targets.set(`${r.kind} ${r.decisionId}`, r);
    if (fullSweep) {
      const page = await unsettledAfter(o.db, fullSweep.after, checkBatch * 5, part);
      for (const r of page) targets.set(`${r.kind} ${r.decisionId}`, r);
      fullSweep = page.length < checkBatch * 5 ? undefined : { after: page.at(-1) };
    }
    for (const r of await bounded('listing recent workflows', o.source.startedSince(since, 1000))) {
      if (!owns(part, r.decisionId)) continue;
      const key = `${r.kind} ${r.decisionId}`;
      if (!targets.has(key)) targets.set(key, { ...r, mark: null });
    }
    // While the stream still has events for the consumer, a record behind its workflow may only be waiting for them:
    // note what is known, repair nothing yet.
    const repair = await jsm.consumers.info(EVENTS_STREAM, durable).then(
      (c) => c.num_pending === 0,
      () => false, // the stream cannot say: wait
    );
    const results = await bounded('checking records against their workflows', checkRecords(o.db, o.source, [...targets.values()], { repair, graceMs }), 120_000);
    watermark = started;
    stats.checked += results.length;
    for (const r of results) {
      stats.repaired += r.repaired;
      applied(r.released);
      if (r.repaired) log(`projector: ${r.kind} ${r.decisionId}: ${r.repaired} event(s) its workflow published were not in the record; recorded from the workflow's history`, { kind: r.kind, decisionId: r.decisionId });
      lostBeyondRepair(`${r.kind} ${r.decisionId}`, r.lost);
    }
  };

  const saveStatus = () =>
    o.db.query(
      `INSERT INTO projector_status (name, stats, updated_at) VALUES ($1, $2, now()) ON CONFLICT (name) DO UPDATE SET stats = EXCLUDED.stats, updated_at = now()`,
      [durable, JSON.stringify({ ...stats, ...(part.count > 1 ? { partition: part } : {}), stream: mark, watermark: watermark.toISOString() })],
    );

  const every = (ms: number, what: string, job: () => Promise<void>) =>
    (async () => {
      while (!stopped) {
        await job().catch((err) => problem(what, err));
        await pause(ms);
      }
    })();
  const loops = [
    every(500, 'cannot look for gaps', repairGaps),
    every(2_000, 'cannot compare the consumer with the stream', () => bounded('asking the stream', checkStream(), 10_000)),
    every(5_000, 'cannot save the status', async () => void (await saveStatus())),
    (async () => {
      let lastSweep = Date.now();
      while (!stopped) {
        if (o.source && (fullSweep || (checkEveryMs > 0 && Date.now() - lastSweep >= checkEveryMs))) {
          lastSweep = Date.now();
          await sweep().catch((err) => problem('cannot check the records against their workflows', err));
        }
        await pause(500);
      }
    })(),
  ];

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
      await Promise.race([Promise.all([closing, loop, ...loops]), sleep(2_000)]);
      await Promise.race([saveStatus().catch(() => undefined), sleep(500)]);
    },
  };
}

export interface ProjectorLogFields {
  kind?: string;
  decisionId?: string;
  workflowId?: string;
  [field: string]: unknown;
}

/** The ids in a record's key ("majorDecision d-1"). */
function idsOf(key: string): ProjectorLogFields {
  const [kind, decisionId] = key.split(' ');
  return { kind, decisionId };
}

function safeJson(m: JsMsg): unknown {
  try {
    return m.json();
  } catch {
    return undefined;
  }
}
