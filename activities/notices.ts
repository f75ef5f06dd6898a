/**
 * Delivering notices to the publication platform: a JetStream subject the government website's publisher consumes.
 */
import type { NatsConnection } from 'nats';
import { NOTICES_STREAM, NOTICES_SUBJECT_PREFIX, noticeSubject, NoticeSchema, type Notice } from '../domain/notices';
import { ensureStream } from './events';

export function createNoticeActivities(nc: NatsConnection) {
  let ready: Promise<void> | undefined;
  return {
    /** Publishes or takes down a notice; the message id makes a retried delivery count once. */
    async deliverNotice(notice: Notice): Promise<{ seq: number; duplicate: boolean }> {
      const n = NoticeSchema.parse(notice);
      ready ??= nc.jetstreamManager().then((jsm) => ensureStream(jsm, NOTICES_STREAM, NOTICES_SUBJECT_PREFIX));
      try {
        await ready;
      } catch (err) {
        ready = undefined;
        throw err;
      }
      const ack = await nc.jetstream().publish(noticeSubject(n), JSON.stringify(n), { msgID: `${n.workflowId}/${n.action}` });
      return { seq: ack.seq, duplicate: ack.duplicate };
    },
  };
}
