/**
 * The state of one major decision inside its workflow: where it stands and what has happened, on top of the
 * procedure record every workflow keeps; step Updates refused unless their step is the one open.
 */
import { condition, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { QueryDefinition, UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import { ARCHIVE_RULE, STEPS, type StepName } from '../domain/procedure';
import type { Actor, DecisionStatus, OpenConsultation, Proposal, StepAck } from '../domain/schemas';
import { JueceAuthority, JueceNextDeadline, JueceStatus, JueceStep } from '../domain/searchAttributes';
import { ProcedureRecord, refuse, type RecordInput } from './procedureRecord';

export { refuse };

type StepInput = { requestId: string; actor: Actor };

export class DecisionRecord extends ProcedureRecord {
  status_: DecisionStatus['status'] = 'inProgress';
  currentStep: StepName | undefined;
  consultation: (OpenConsultation & { closesAt: Date }) | undefined;
  commentPeriodClosed = false;
  outcome: 'adopt' | 'reject' | undefined;

  private readonly completed = new Set<StepName>();

  constructor(readonly proposal: Proposal) {
    super(proposal.decisionId, proposal.authority.code);
  }

  onQuery(query: QueryDefinition<DecisionStatus>): void {
    setHandler(query, () => this.status());
  }

  /** Registers the Update for one step: refused unless the decision is open at that step, then `check` decides. */
  onStep<T extends StepInput>(
    update: UpdateDefinition<StepAck, [T]>,
    step: StepName,
    schema: z.ZodType<T>,
    check: (input: T) => () => StepAck,
  ): void {
    this.onUpdate(update, schema, (input) => {
      if (this.status_ !== 'inProgress') throw refuse(`The decision is closed (${this.status_}).`);
      if (this.currentStep !== step) {
        const at = this.currentStep ? `${this.currentStep} (${STEPS[this.currentStep].term})` : 'no open step';
        throw refuse(`${step} (${STEPS[step].term}) is not open: the decision is at ${at}.`);
      }
      return check(input);
    });
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
    return this.recordStep('stepCompleted', { step, actor, summary, basis });
  }

  /** A result that does not let the procedure go on: recorded, and the step stays open. */
  returnStep(step: StepName, actor: Actor, summary: string, basis: string): StepAck {
    return this.recordStep('stepReturned', { step, actor, summary, basis });
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

  /** Records a step's event; the answer to its Update. */
  recordStep(type: 'stepCompleted' | 'stepReturned' | 'consultationOpened', e: RecordInput & { step: StepName }): StepAck {
    const entry = this.record(type, e);
    return { step: e.step, seq: entry.seq, summary: e.summary };
  }

  status(): DecisionStatus {
    return {
      decisionId: this.proposal.decisionId,
      title: this.proposal.title,
      authority: this.proposal.authority,
      status: this.status_,
      currentStep: this.currentStep,
      commentPeriodClosesAt: this.consultation?.closesAt.toISOString(),
      history: this.entries(),
    };
  }
}
