/**
 * Public notices delivered to the publication platform (the government website's publisher) over NATS.
 */
import { z } from 'zod';

export const NOTICES_STREAM = 'JUECE_NOTICES';
export const NOTICES_SUBJECT_PREFIX = 'juece.notices';

export const NoticeSchema = z.object({
  schema: z.literal('juece.notice.v1'),
  action: z.enum(['publish', 'takeDown']),
  authority: z.string(),
  /** The case or decision the notice is about. */
  subjectId: z.string(),
  title: z.string(),
  documentNumber: z.string(),
  /** The text as published (personal data already redacted), or the reason it is taken down. */
  body: z.string(),
  at: z.string(),
  workflowId: z.string(),
});
export type Notice = z.infer<typeof NoticeSchema>;

/** `juece.notices.<authority>.<subjectId>.<action>`. */
export const noticeSubject = (n: Pick<Notice, 'authority' | 'subjectId' | 'action'>) =>
  `${NOTICES_SUBJECT_PREFIX}.${n.authority}.${n.subjectId}.${n.action}`;
