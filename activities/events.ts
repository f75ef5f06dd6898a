/**
 * Publishing procedure events to NATS JetStream. Only activities touch NATS; the workflow calls them in order.
 */
import { RetentionPolicy, StorageType, type JetStreamManager, type NatsConnection } from 'nats';
import { EVENTS_STREAM, EVENTS_SUBJECT_PREFIX, eventMessageId, eventSubject, ProcedureEventSchema, type ProcedureEvent } from '../domain/events';

/** Creates the events stream if it does not exist yet (file storage: events survive a NATS restart). */
export function ensureEventsStream(jsm: JetStreamManager): Promise<void> {
  return ensureStream(jsm, EVENTS_STREAM, EVENTS_SUBJECT_PREFIX);
}

/** Creates a file-stored JetStream stream over `<prefix>.>` if it does not exist yet. */
export async function ensureStream(jsm: JetStreamManager, name: string, prefix: string): Promise<void> {
  try {
    await jsm.streams.info(name);
  } catch {
    await jsm.streams.add({
      name,
      subjects: [`${prefix}.>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      // Long enough that a publish retried after a short outage is still recognised as a duplicate.
      duplicate_window: 10 * 60 * 1_000_000_000,
    });
  }
}

export function createEventActivities(nc: NatsConnection) {
  let streamReady: Promise<void> | undefined;
  const js = nc.jetstream();

  /** Publishes one procedure event; retried by Temporal until NATS takes it, deduplicated by its message id. */
  async function publishEvent(event: ProcedureEvent): Promise<{ stream: string; seq: number; duplicate: boolean }> {
    const e = ProcedureEventSchema.parse(event);
    streamReady ??= nc.jetstreamManager().then(ensureEventsStream);
    try {
      await streamReady;
    } catch (err) {
      streamReady = undefined;
      throw err;
    }
    const ack = await js.publish(eventSubject(e), JSON.stringify(e), { msgID: eventMessageId(e) });
    return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
  }

  /**
   * Publishes a batch of one workflow's events in order, each acknowledged before the next; a retry after a
   * partial failure republishes the batch and JetStream drops the ones it already has (message ids).
   */
  async function publishEvents(events: ProcedureEvent[]): Promise<{ published: number; duplicates: number }> {
    let duplicates = 0;
    for (const e of events) if ((await publishEvent(e)).duplicate) duplicates++;
    return { published: events.length - duplicates, duplicates };
  }

  return { publishEvent, publishEvents };
}
