/**
 * Delivering notices: rendered from their template, published on a JetStream subject that the government
 * website's publisher consumes, and written to the outbox folder when one is configured (embedded defaults).
 */
import type { NatsConnection } from 'nats';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { NOTICES_STREAM, NOTICES_SUBJECT_PREFIX, noticeMessageId, noticeSubject, NoticeSchema, renderNotice, type Notice, type PublishedNoticeSchema } from '../domain/notices';
import { ensureStream } from './events';

/** `<outbox>/<authority>/<subjectId>/<kind>-<action>.txt`: written whole (via a temporary file), so never half a notice. */
export function outboxPath(outbox: string, n: { authority: string; subjectId: string; kind: string; action: string }): string {
  const safe = (s: string) => s.replace(/[^\p{L}\p{N}._-]/gu, '_');
  return path.join(outbox, safe(n.authority), safe(n.subjectId), `${safe(n.kind)}-${safe(n.action)}.txt`);
}

export function createNoticeActivities(nc: NatsConnection, outbox?: string, opts: { replicas?: number } = {}) {
  let ready: Promise<void> | undefined;
  return {
    /** Publishes or takes down a notice; the message id makes a retried delivery count once. */
    async deliverNotice(notice: Notice): Promise<{ seq: number; duplicate: boolean; title: string; file?: string }> {
      const n = NoticeSchema.parse(notice);
      const document = renderNotice(n);
      ready ??= nc.jetstreamManager().then((jsm) => ensureStream(jsm, NOTICES_STREAM, NOTICES_SUBJECT_PREFIX, opts.replicas ?? 1));
      try {
        await ready;
      } catch (err) {
        ready = undefined;
        throw err;
      }
      const published: z.input<typeof PublishedNoticeSchema> = { ...n, document };
      const ack = await nc.jetstream().publish(noticeSubject(n), JSON.stringify(published), { msgID: noticeMessageId(n) });
      let file: string | undefined;
      if (outbox) {
        file = outboxPath(outbox, n);
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(`${file}.tmp`, document.text);
        renameSync(`${file}.tmp`, file);
      }
      return { seq: ack.seq, duplicate: ack.duplicate, title: document.title, file };
    },
  };
}
