/**
 * Publishing procedure events to NATS JetStream. Only activities touch NATS; the workflow calls them in order.
 */
import { RetentionPolicy, StorageType, type JetStreamManager, type NatsConnection, type StreamInfo } from 'nats';
import { EVENTS_STREAM, EVENTS_SUBJECT_PREFIX, eventMessageId, eventSubject, ProcedureEventSchema, type ProcedureEvent } from '../domain/events';

/**
 * Creates the events stream if it does not exist yet (file storage: events survive a NATS restart), with `replicas`
 * copies (3 on a three-node cluster), or raises an existing stream's replicas to that number.
 */
export function ensureEventsStream(jsm: JetStreamManager, replicas = 1): Promise<void> {
  return ensureStream(jsm, EVENTS_STREAM, EVENTS_SUBJECT_PREFIX, replicas);
}

/**
 * Creates a file-stored JetStream stream over `<prefix>.>` with `replicas` copies if it does not exist yet; an
 * existing stream with fewer replicas is updated to that number (never lowered: a stream made for a cluster keeps
 * its copies when one process asks for the default).
 */
export async function ensureStream(jsm: JetStreamManager, name: string, prefix: string, replicas = 1): Promise<void> {
  let info: StreamInfo | undefined;
  try {
    info = await jsm.streams.info(name);
  } catch (err) {
    if (!isStreamNotFound(err)) throw err;
  }
  if (!info) {
    try {
      await jsm.streams.add({
        name,
        subjects: [`${prefix}.>`],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        num_replicas: replicas,
        // Long enough that a publish retried after a short outage is still recognised as a duplicate.
        duplicate_window: 10 * 60 * 1_000_000_000,
      });
      return;
    } catch (err) {
      // Another process created it meanwhile: check its replicas below.
      if (!/already in use|already exists/i.test(String((err as Error).message))) throw err;
      info = await jsm.streams.info(name);
    }
  }
  if ((info.config.num_replicas ?? 1) < replicas) {
    await jsm.streams.update(name, { num_replicas: replicas });
  }
}

/** JetStream's "stream not found" (API error 10059). */
function isStreamNotFound(err: unknown): boolean {
  const e = err as { code?: string | number; api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10059 || /stream not found/i.test(String(e?.message ?? ''));
}

export function createEventActivities(nc: NatsConnection, opts: { replicas?: number } = {}) {
  let streamReady: Promise<void> | undefined;
  const js = nc.jetstream();

  /** Publishes one procedure event; retried by Temporal until NATS takes it, deduplicated by its message id. */
  async function publishEvent(event: ProcedureEvent): Promise<{ stream: string; seq: number; duplicate: boolean }> {
    const e = ProcedureEventSchema.parse(event);
    streamReady ??= nc.jetstreamManager().then((jsm) => ensureEventsStream(jsm, opts.replicas ?? 1));
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

  /**
   * publishEvents as a local activity (release 11, run by the worker inside the workflow task): it answers with the
   * events it published, so that the marker its result is recorded in holds them, as an activity's input does, and the
   * workflow's history stays the source of every event (projector/source.ts).
   */
  async function publishEventsLocally(events: ProcedureEvent[]): Promise<{ published: number; duplicates: number; events: ProcedureEvent[] }> {
    return { ...(await publishEvents(events)), events };
  }

  return { publishEvent, publishEvents, publishEventsLocally };
}
