/**
 * The state of one decision inside its workflow: where it stands, what has happened (the procedure record), and
 * the plumbing every step shares: Update handlers with validators, idempotent requests, events published in order,
 * search attributes kept current. Deterministic: time comes from the workflow clock, I/O from activities.
 */
import {
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { QueryDefinition, UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import type { Activities } from '../activities';
import { EVENT_SCHEMA_V1, type EventType, type ProcedureEvent } from '../domain/events';
import { ARCHIVE_RULE, STEPS, type StepName } from '../domain/procedure';
import {
  describeZodError,
  type Actor,
  type DecisionStatus,
  type HistoryEntry,
  type OpenConsultation,
  type Proposal,
  type StepAck,
} from '../domain/schemas';
import { JueceAuthority, JueceNextDeadline, JueceStatus, JueceStep } from '../domain/searchAttributes';

const { publishEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '15 seconds',
  // No maximum attempts: an event waits for NATS to come back rather than being lost.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** A refusal the caller sees as the Update's failure message; nothing in the decision changes. */
export function refuse(reason: string): Error {
  return new Error(reason);
}

type StepInput = { requestId: string; actor: Actor };

export class DecisionRecord {
  status_: DecisionStatus['status'] = 'inProgress';
  currentStep: StepName | undefined;
  consultation: (OpenConsultation & { closesAt: Date }) | undefined;
  commentPeriodClosed = false;
  outcome: 'adopt' | 'reject' | undefined;

  private readonly completed = new Set<StepName>();
  private readonly history: HistoryEntry[] = [];
  private readonly answered = new Map<string, StepAck>();
  private publishing: Promise<unknown> = Promise.resolve();

  constructor(readonly proposal: Proposal) {}

  onQuery(query: QueryDefinition<DecisionStatus>): void {
    setHandler(query, () => this.status());
  }

  /**
   * Registers the Update for one step. `check` refuses (throws) or returns the change to apply; it runs in the
   * validator, so a refused Update leaves no trace in the history, and again in the handler.
   */
  onStep<T extends StepInput>(
    update: UpdateDefinition<StepAck, [T]>,
    step: StepName,
    schema: z.ZodType<T>,
    check: (input: T) => () => StepAck,
  ): void {
    const accept = (raw: T): (() => StepAck) => {
      const parsed = schema.safeParse(raw);
      if (!parsed.success) throw refuse(`Invalid ${update.name}: ${describeZodError(parsed.error)}`);
      if (this.status_ !== 'inProgress') throw refuse(`The decision is closed (${this.status_}).`);
      if (this.currentStep !== step) {
        const at = this.currentStep ? `${this.currentStep} (${STEPS[this.currentStep].term})` : 'no open step';
        throw refuse(`${step} (${STEPS[step].term}) is not open: the decision is at ${at}.`);
      }
      return check(parsed.data);
    };
    setHandler(
      update,
      (raw: T) => {
        const earlier = this.answered.get(raw.requestId);
        if (earlier) return earlier;
        const ack = accept(raw)();
        this.answered.set(raw.requestId, ack);
        return ack;
      },
      {
        validator: (raw: T) => {
          if (raw && typeof raw === 'object' && this.answered.has(raw.requestId)) return;
          accept(raw);
        },
      },
    );
  }

  /** Makes `step` the one the decision waits on. */
  open(step: StepName): void {
    this.currentStep = step;
    upsertSearchAttributes([{ key: JueceStep, value: step }]);
    this.record('stepOpened', { step, summary: `${STEPS[step].term} opened`, basis: STEPS[step].basis });
  }

  /** Opens a step (unless already open), runs what happens while it is open, and waits until its result completes it. */
  async step(step: StepName, whileOpen?: () => Promise<void>): Promise<void> {
    if (this.currentStep !== step) this.open(step);
    if (whileOpen) await whileOpen();
    await condition(() => this.completed.has(step));
  }

  complete(step: StepName, actor: Actor, summary: string, basis = STEPS[step].basis): StepAck {
    this.completed.add(step);
    return this.record('stepCompleted', { step, actor, summary, basis });
  }

  /** A result that does not let the procedure go on: recorded, and the step stays open. */
  returnStep(step: StepName, actor: Actor, summary: string, basis: string): StepAck {
    return this.record('stepReturned', { step, actor, summary, basis });
  }

  started(): void {
    upsertSearchAttributes([
      { key: JueceAuthority, value: this.proposal.authority.code },
      { key: JueceStatus, value: this.status_ },
    ]);
    this.record('decisionStarted', {
      summary: `${this.proposal.title} (${this.proposal.undertakingUnit} for ${this.proposal.authority.name})`,
    });
  }

  close(status: 'published' | 'rejected'): void {
    this.status_ = status;
    this.currentStep = undefined;
    upsertSearchAttributes([
      { key: JueceStep, value: status },
      { key: JueceStatus, value: status },
    ]);
    this.record(status === 'published' ? 'decisionPublished' : 'decisionRejected', { summary: `decision ${status}` });
    this.record('archived', { summary: `procedure record archived with ${this.history.length} entries`, basis: ARCHIVE_RULE.basis });
  }

  setNextDeadline(at: Date | undefined): void {
    upsertSearchAttributes([{ key: JueceNextDeadline, value: at ?? null }]);
  }

  /** Appends to the procedure record and publishes the event; events of one decision go out strictly in order. */
  record(type: EventType, e: { step?: StepName; actor?: Actor; summary: string; basis?: string }): StepAck {
    const entry: HistoryEntry = { seq: this.history.length + 1, at: new Date().toISOString(), type, ...e };
    this.history.push(entry);
    const { workflowId, runId } = workflowInfo();
    const event: ProcedureEvent = {
      schema: EVENT_SCHEMA_V1,
      decisionId: this.proposal.decisionId,
      authority: this.proposal.authority.code,
      workflowId,
      runId,
      ...entry,
    };
    this.publishing = this.publishing.then(() => publishEvent(event));
    return { step: e.step ?? this.currentStep ?? 'publication', seq: entry.seq, summary: e.summary };
  }

  /** Resolves once every event recorded so far has been published. */
  flushed(): Promise<unknown> {
    return this.publishing;
  }

  status(): DecisionStatus {
    return {
      decisionId: this.proposal.decisionId,
      title: this.proposal.title,
      authority: this.proposal.authority,
      status: this.status_,
      currentStep: this.currentStep,
      commentPeriodClosesAt: this.consultation?.closesAt.toISOString(),
      history: [...this.history],
    };
  }
}
