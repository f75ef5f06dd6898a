/* FROZEN (v5 and earlier): the code that runs workflows started before the 'lifetime' patch, kept so they and
 * their saved histories replay unchanged. Never edit; new behaviour goes in ../ (see ../majorDecision.ts). */
/**
 * What every juece workflow keeps: the procedure record (each event with its time, actor and legal basis),
 * published to NATS in order through an activity, and Updates that are validated with zod and answered once per
 * request id. Deterministic: time comes from the workflow clock, I/O from activities.
 */
import { CancellationScope, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import { EVENT_SCHEMA_V1, type EventType, type ProcedureEvent } from '../../domain/events';
import { describeZodError, type HistoryEntry } from '../../domain/schemas';
import { io } from '../io';


/** A refusal the caller sees as the Update's failure message; nothing in the record changes. */
export function refuse(reason: string): Error {
  return new Error(reason);
}

export type RecordInput = Omit<HistoryEntry, 'seq' | 'at' | 'type'>;

/** Events waiting to be published go out together, up to this many in one activity. */
const BATCH = 100;

export class ProcedureRecord {
  protected readonly history: HistoryEntry[] = [];
  private readonly answered = new Map<string, unknown>();
  private publishing: Promise<unknown> = Promise.resolve();
  /** From this version on, the events waiting are published in batches; earlier runs replay one activity per event. */
  private readonly batched = patched('batched-events');
  private readonly waiting: ProcedureEvent[] = [];
  private draining = false;

  /** `id` and `authority` name the subject of the events: `juece.events.<authority>.<id>.<type>`. */
  constructor(
    readonly id: string,
    readonly authority: string,
  ) {}

  /** Appends to the record and publishes the event; events of one workflow go out strictly in order. */
  record(type: EventType, e: RecordInput): HistoryEntry {
    const entry: HistoryEntry = { seq: this.history.length + 1, at: new Date().toISOString(), type, ...e };
    this.history.push(entry);
    const { workflowId, runId } = workflowInfo();
    const event: ProcedureEvent = { schema: EVENT_SCHEMA_V1, decisionId: this.id, authority: this.authority, workflowId, runId, ...entry };
    if (this.batched) {
      this.waiting.push(event);
      if (!this.draining) this.publishing = this.drain();
      return entry;
    }
    // Not cancellable: a withdrawal that cancels the procedure must not cancel the publication of its record.
    this.publishing = this.publishing.then(() => CancellationScope.nonCancellable(() => io.publishEvent(event)));
    return entry;
  }

  /** Publishes what is waiting, oldest first, a batch at a time, until nothing is left; never cancelled. */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      await Promise.resolve(); // let the events recorded in the same turn join the first batch
      while (this.waiting.length) {
        const batch = this.waiting.splice(0, BATCH);
        await CancellationScope.nonCancellable(() => io.publishEvents(batch));
      }
    } finally {
      this.draining = false;
    }
  }

  /** Resolves once every event recorded so far has been published. */
  async flushed(): Promise<void> {
    do await this.publishing;
    while (this.draining || this.waiting.length);
  }

  entries(): HistoryEntry[] {
    return [...this.history];
  }

  /**
   * Registers an Update. `check` refuses (throws) or returns the change to apply; it runs in the validator, so a
   * refused Update leaves no trace in the history, and again in the handler. A request id already answered gets
   * the first answer again, and nothing is recorded twice.
   */
  onUpdate<T extends { requestId: string }, R>(
    update: UpdateDefinition<R, [T]>,
    schema: z.ZodType<T>,
    check: (input: T) => () => R | Promise<R>,
  ): void {
    const accept = (raw: T): (() => R | Promise<R>) => {
      const parsed = schema.safeParse(raw);
      if (!parsed.success) throw refuse(`Invalid ${update.name}: ${describeZodError(parsed.error)}`);
      return check(parsed.data);
    };
    setHandler(
      update,
      (raw: T) => {
        if (this.answered.has(raw.requestId)) return this.answered.get(raw.requestId) as R | Promise<R>;
        const answer = accept(raw)();
        this.answered.set(raw.requestId, answer);
        return answer;
      },
      {
        validator: (raw: T) => {
          if (raw && typeof raw === 'object' && this.answered.has(raw.requestId)) return;
          accept(raw);
        },
      },
    );
  }
}
