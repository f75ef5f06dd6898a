/**
 * The projector: consumes the procedure events from JetStream with a durable consumer and appends them to the
 * procedure record. Each event is acknowledged only after its transaction commits, so a projector killed at any
 * moment resumes where it stopped, and the record's idempotence makes a redelivered event a no-op. Each event goes to
 * the record of its kind and id and carries where the decision stands; the projector stores it and derives nothing.
 */
import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import { ensureEventsStream } from '../activities/events';
import { EVENTS_STREAM, EVENTS_SUBJECT_PREFIX, ProcedureEventSchema, recordKindOf, type RecordKind } from '../domain/events';
import type { Db } from '../store/db';
import { applyEvent } from '../store/record';

export const PROJECTOR_CONSUMER = 'juece-projector';

export interface ProjectorStats {
  applied: number;
  duplicates: number;
  /** Events waiting for an earlier one of the same decision (redelivered later). */
  gaps: number;
  /** Messages that are not procedure events: logged and dropped. */
  rejected: number;
  /** Database failures: the event is redelivered. */
  failures: number;
  lastError?: string;
}

export interface Projector {
  stats: ProjectorStats;
  /** Resolves once the consumer has nothing pending and every delivered event is settled. */
  idle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface ProjectorOptions {
  nc: NatsConnection;
  db: Db;
  /** Durable consumer name (one per read model). */
  durable?: string;
  log?: (line: string) => void;
  /** Called after each applied event (the benchmarks time it). */
  onApplied?: (decisionId: string, seq: number, kind: RecordKind) => void;
}

export async function startProjector(o: ProjectorOptions): Promise<Projector> {
  const durable = o.durable ?? PROJECTOR_CONSUMER;
  const log = o.log ?? (() => {});
  const jsm = await o.nc.jetstreamManager();
  await ensureEventsStream(jsm);
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
    });
  }
  const consumer = await o.nc.jetstream().consumers.get(EVENTS_STREAM, durable);
  const stats: ProjectorStats = { applied: 0, duplicates: 0, gaps: 0, rejected: 0, failures: 0 };
  let inFlight = 0;
  let stopped = false;
  let messages: ConsumerMessages | undefined;

  const handle = async (m: JsMsg) => {
    const parsed = ProcedureEventSchema.safeParse(safeJson(m));
    if (!parsed.success) {
      stats.rejected++;
      log(`projector: dropped message ${m.seq} on ${m.subject}: not a procedure event`);
      return m.term();
    }
    const e = parsed.data;
    try {
      const outcome = await applyEvent(o.db, e);
      if (outcome === 'gap') {
        stats.gaps++;
        return m.nak(1000);
      }
      if (outcome === 'duplicate') stats.duplicates++;
      else {
        stats.applied++;
        o.onApplied?.(e.decisionId, e.seq, recordKindOf(e));
      }
      m.ack();
    } catch (err) {
      stats.failures++;
      const message = (err as Error).message;
      if (stats.lastError !== message) log(`projector: cannot record ${recordKindOf(e)} ${e.decisionId} #${e.seq} yet (${message}); it will be redelivered`);
      stats.lastError = message;
      m.nak(2000);
    }
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        messages = await consumer.consume({ max_messages: 256 });
        for await (const m of messages) {
          inFlight++;
          try {
            await handle(m);
          } finally {
            inFlight--;
          }
          if (stopped) break;
        }
      } catch (err) {
        if (!stopped) {
          log(`projector: consumer interrupted (${(err as Error).message}); resuming`);
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    }
  })();

  return {
    stats,
    async idle(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const info = await jsm.consumers.info(EVENTS_STREAM, durable);
        if (info.num_pending === 0 && info.num_ack_pending === 0 && inFlight === 0) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`the projector is still behind after ${timeoutMs} ms`);
    },
    async stop() {
      stopped = true;
      await messages?.close();
      await loop;
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
