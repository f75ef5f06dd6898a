/**
 * Reading a decision's procedure events back from NATS JetStream, in order: to follow a decision live
 * (the demo, later `juece watch`) or to check what was published.
 */
import { AckPolicy, DeliverPolicy, type Consumer, type JetStreamManager, type NatsConnection } from 'nats';
import { ensureEventsStream } from '../activities/events';
import { EVENTS_STREAM, EVENTS_SUBJECT_PREFIX, ProcedureEventSchema, type ProcedureEvent } from '../domain/events';

export const decisionSubjects = (authority: string, decisionId: string) => `${EVENTS_SUBJECT_PREFIX}.${authority}.${decisionId}.>`;

/**
 * An ephemeral consumer of one decision's events from the first, removed by the server a minute after its last use.
 * (An explicit consumer rather than nats.js's ordered consumer: Debian's nats-server 2.9 does not answer the latter.)
 */
async function subjectConsumer(nc: NatsConnection, stream: string, subject: string): Promise<{ consumer: Consumer; pending: number; name: string; jsm: JetStreamManager }> {
  const jsm = await nc.jetstreamManager();
  if (stream === EVENTS_STREAM) await ensureEventsStream(jsm);
  const info = await jsm.consumers.add(stream, {
    filter_subject: subject,
    deliver_policy: DeliverPolicy.All,
    ack_policy: AckPolicy.None,
    inactive_threshold: 60 * 1_000_000_000,
  });
  return { consumer: await nc.jetstream().consumers.get(stream, info.name), pending: info.num_pending, name: info.name, jsm };
}

/** Calls `onEvent` for each event of one decision, from its first, until `stop()` is called. */
export async function followDecisionEvents(
  nc: NatsConnection,
  authority: string,
  decisionId: string,
  onEvent: (e: ProcedureEvent) => void,
): Promise<{ stop(): Promise<void> }> {
  const { consumer } = await subjectConsumer(nc, EVENTS_STREAM, decisionSubjects(authority, decisionId));
  const messages = await consumer.consume();
  const done = (async () => {
    for await (const m of messages) onEvent(ProcedureEventSchema.parse(m.json()));
  })();
  return {
    async stop() {
      await messages.close();
      await done;
    },
  };
}

/** Every event of one decision stored in the stream so far, in stream order. */
export async function readDecisionEvents(nc: NatsConnection, authority: string, decisionId: string): Promise<ProcedureEvent[]> {
  return (await readSubject(nc, EVENTS_STREAM, decisionSubjects(authority, decisionId))).map((m) => ProcedureEventSchema.parse(m));
}

/** Every message on `subject` stored in `stream` so far, in stream order, parsed as JSON. */
export async function readSubject(nc: NatsConnection, stream: string, subject: string): Promise<unknown[]> {
  let found;
  try {
    found = await subjectConsumer(nc, stream, subject);
  } catch (err) {
    // A stream not made yet (a fresh deployment, before its first event or notice) holds nothing.
    if (/stream not found/i.test((err as Error).message)) return [];
    throw err;
  }
  const { consumer, pending, name, jsm } = found;
  // Removed once read, not left for the server to drop a minute later: a page read by many at once (the public
  // consultation page, re-rendered after every comment) would pile up consumers until JetStream refuses new ones
  // (bench:api: "maximum consumers limit reached" after 1,000 comments, then every comment answered 500).
  try {
    const messages: unknown[] = [];
    if (pending === 0) return messages;
    const batch = await consumer.fetch({ max_messages: pending, expires: 5_000 });
    for await (const m of batch) {
      messages.push(m.json());
      if (messages.length === pending) break;
    }
    return messages;
  } finally {
    await jsm.consumers.delete(stream, name).catch(() => {}); // gone already: the server drops it when inactive
  }
}
