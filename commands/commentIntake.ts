/**
 * Comment intake: validates and stores batches of public comments in the comment store, and tells the decision's
 * workflow the running count, at most once per interval per decision (one Update for thousands of comments).
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { DecisionRefused, InvalidInput, type JueceClient } from '../client';
import { describeZodError } from '../domain/schemas';
import type { Db } from '../store/db';
import { CommentBatchSchema, ingestComments, type IngestResult } from '../store/comments';
import { getDecision } from '../store/record';

export interface CommentIntakeOptions {
  db: Db;
  client: JueceClient;
  /** How often at most a decision's workflow is told its count (ms). */
  notifyEveryMs?: number;
  log?: (line: string) => void;
}

export class CommentIntake {
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly notifying = new Set<Promise<void>>();
  private readonly everyMs: number;

  constructor(private readonly o: CommentIntakeOptions) {
    this.everyMs = o.notifyEveryMs ?? 5000;
  }

  /** Stores a batch of comments for a decision; refused as a whole if any is malformed or the period is over. */
  async submit(decisionId: string, comments: unknown): Promise<IngestResult> {
    const parsed = CommentBatchSchema.safeParse(comments);
    if (!parsed.success) throw new InvalidInput(`Invalid comments: ${describeZodError(parsed.error)}`);
    const result = await ingestComments(this.o.db, decisionId, parsed.data);
    if (result.accepted > 0 && !this.pending.has(decisionId)) {
      this.pending.set(decisionId, setTimeout(() => this.track(this.notify(decisionId)), this.everyMs));
    }
    return result;
  }

  /** Tells every decision with new comments its count now, instead of at the end of the interval. */
  async flush(): Promise<void> {
    for (const [decisionId, timer] of this.pending) {
      clearTimeout(timer);
      this.track(this.notify(decisionId));
    }
    await Promise.all([...this.notifying]);
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private track(p: Promise<void>): void {
    const settled = p.catch((err) => this.o.log?.(`comment intake: count not delivered (${(err as Error).message}); the next batch retries`));
    this.notifying.add(settled);
    void settled.then(() => this.notifying.delete(settled));
  }

  private async notify(decisionId: string): Promise<void> {
    this.pending.delete(decisionId);
    const decision = await getDecision(this.o.db, decisionId);
    const [{ n }] = (await this.o.db.query<{ n: string }>('SELECT count(*) AS n FROM comments WHERE decision_id = $1', [decisionId])) as [{ n: string }];
    try {
      await this.o.client.decision(decisionId).recordComments({
        requestId: `comments-${decisionId}-${n}`,
        actor: { id: 'juece-comment-store', name: '意见征集系统', role: 'undertakingUnit', organisation: decision?.undertakingUnit ?? '' },
        received: Number(n),
      });
    } catch (err) {
      // The step may have closed meanwhile: the count stays in the store and in the adoption report.
      if (err instanceof DecisionRefused || err instanceof WorkflowNotFoundError || err instanceof InvalidInput) {
        this.o.log?.(`comment intake: ${decisionId} not told its count (${(err as Error).message})`);
      } else throw err;
    }
  }
}
