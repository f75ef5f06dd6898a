/**
 * Comment intake: validates and stores batches of public comments in the comment store (公开征求意见, arts. 15, 18).
 * The store is the one source of the count: the decision's workflow is never told per batch, so its history stays
 * flat however many comments a consultation draws.
 */
import { fieldIssues, InvalidInput } from '../client';
import { describeZodError } from '../domain/schemas';
import type { CommentMetrics } from '../infra/metrics';
import type { Db } from '../store/db';
import { CommentBatchSchema, CommentIntakeClosed, ingestComments, type IngestResult } from '../store/comments';

export interface CommentIntakeOptions {
  db: Db;
  /** Counts what comes in (juece_comments_received_total, juece_comment_batches_total). */
  metrics?: CommentMetrics;
}

export class CommentIntake {
  constructor(private readonly o: CommentIntakeOptions) {}

  /** Stores a batch of comments for a decision; refused as a whole if any is malformed or the period is over. */
  async submit(decisionId: string, comments: unknown): Promise<IngestResult> {
    const m = this.o.metrics;
    const parsed = CommentBatchSchema.safeParse(comments);
    if (!parsed.success) {
      m?.batches.inc({ outcome: 'invalid' });
      throw new InvalidInput(`Invalid comments: ${describeZodError(parsed.error)}`, fieldIssues(parsed.error));
    }
    try {
      const result = await ingestComments(this.o.db, decisionId, parsed.data);
      m?.batches.inc({ outcome: 'stored' });
      m?.comments.inc({ outcome: 'accepted' }, result.accepted);
      m?.comments.inc({ outcome: 'duplicate' }, result.duplicates);
      return result;
    } catch (err) {
      if (err instanceof CommentIntakeClosed) m?.batches.inc({ outcome: 'closed' });
      throw err;
    }
  }
}
