/* FROZEN (v5 and earlier): the code that runs workflows started before the 'lifetime' patch, kept so they and
 * their saved histories replay unchanged. Never edit; new behaviour goes in ../ (see ../majorDecision.ts). */
/**
 * The state of one major decision inside its workflow: which steps are open, completed or skipped (and why), the
 * draft's versions, the pinned rule set, and the record. Every action is an Update refused (in its validator, so
 * nothing changes) when the actor's role may not take it, its step is not open, or it concerns a superseded draft.
 */
import { condition, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { QueryDefinition, UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import { ARCHIVE_RULE, STEP_NAMES, STEPS, type StepName } from '../../domain/procedure';
import { roleRefusal, type ActionName } from '../../domain/roles';
import { applicableSteps, type RuleSet } from '../../domain/rules';
import type { Actor, DecisionStatus, OpenConsultation, Proposal, ScheduleHearing, StepAck } from '../../domain/schemas';
import { JueceAuthority, JueceNextDeadline, JueceOpenSteps, JueceStatus, JueceStep } from '../../domain/searchAttributes';
import { ProcedureRecord, refuse, type RecordInput } from './procedureRecord';

export { refuse };

type ActionInput = { requestId: string; actor: Actor };
type StepState = DecisionStatus['steps'][string];

export interface DecisionRecordView {
  decisionId: string;
  title: string;
  ruleSet: { id: string; version: number; title: string };
  draftVersions: { version: number; reference: string; sha256: string; at: string; reason: string }[];
  entries: DecisionStatus['history'];
}

export class DecisionRecord extends ProcedureRecord {
  status_: DecisionStatus['status'] = 'inProgress';
  readonly steps = {} as Record<StepName, StepState>;
  readonly drafts: DecisionRecordView['draftVersions'] = [];

  consultation: (OpenConsultation & { closesAt: Date }) | undefined;
  commentPeriodClosed = false;
  hearing: (ScheduleHearing & { held: boolean }) | undefined;
  readonly expertOpinions = new Map<string, number>();
  /** The draft version after which the risk was judged uncontrollable: a later version must be assessed. */
  riskNeedsAdjustmentOf: number | undefined;
  riskAssessedBy: string | undefined;
  /** The draft version under legality review, and the one found lawful. */
  reviewRequestedFor: number | undefined;
  lawfulVersion: number | undefined;
  /** The draft version found unlawful or lawful only if amended: only an amended draft goes back to review. */
  needsAmendmentOf: number | undefined;
  /** The meeting asked for a revised draft: a new version must go back to legality review first. */
  revisionAskedOf: number | undefined;
  headDecision: 'adopt' | 'reject' | 'reviseAndResubmit' | 'defer' | undefined;
  /** The day of the meeting whose decision stands (the start of the disclosure period). */
  decidedOn: string | undefined;

  constructor(
    readonly proposal: Proposal,
    readonly rules: RuleSet,
  ) {
    super(proposal.decisionId, proposal.authority.code);
    for (const step of STEP_NAMES) this.steps[step] = { state: 'pending', basis: STEPS[step].basis };
  }

  get draftVersion(): number {
    return this.drafts.length;
  }

  get closed(): boolean {
    return ['rejected', 'withdrawn', 'stopped'].includes(this.status_);
  }

  onQueries(status: QueryDefinition<DecisionStatus>, record: QueryDefinition<DecisionRecordView>): void {
    setHandler(status, () => this.status());
    setHandler(record, () => ({
      decisionId: this.proposal.decisionId,
      title: this.proposal.title,
      ruleSet: { id: this.rules.id, version: this.rules.version, title: this.rules.title },
      draftVersions: [...this.drafts],
      entries: this.entries(),
    }));
  }

  /**
   * Registers an action's Update: refused unless the actor's role may take it (and an undertaking unit's staff
   * belong to the unit); then `check` refuses or returns the change, as in ProcedureRecord.onUpdate.
   */
  onAction<T extends ActionInput, R = StepAck>(
    update: UpdateDefinition<R, [T]>,
    action: ActionName | 'recordComments',
    schema: z.ZodType<T>,
    check: (input: T) => () => R | Promise<R>,
  ): void {
    this.onUpdate(update, schema, (input) => {
      const wrongRole =
        action !== 'recordComments' ? roleRefusal(action, input.actor.role) : input.actor.role === 'undertakingUnit' ? undefined : `recordComments is for undertakingUnit, not ${input.actor.role} (art. 18).`;
      if (wrongRole) throw refuse(wrongRole);
      const units = [this.proposal.undertakingUnit, this.proposal.leadUnit].filter(Boolean);
      if (input.actor.role === 'undertakingUnit' && !units.includes(input.actor.organisation)) {
        throw refuse(`${input.actor.name} (${input.actor.organisation}) is not staff of the undertaking unit ${units.join(' / ')} (art. 10).`);
      }
      return check(input);
    });
  }

  /** Refuses unless `step` is open. */
  requireOpen(step: StepName): void {
    if (this.closed) throw refuse(`The decision is closed (${this.status_}).`);
    const s = this.steps[step];
    if (s.state !== 'open') {
      const open = this.openSteps();
      const at = open.length ? open.map((o) => `${o} (${STEPS[o].term})`).join(', ') : this.status_;
      throw refuse(`${step} (${STEPS[step].term}) is not open${s.state === 'skipped' ? ` (skipped: ${s.note})` : ''}: the decision is at ${at}.`);
    }
  }

  /** Refuses an action on a superseded draft. */
  requireCurrentDraft(version: number): void {
    if (version !== this.draftVersion) {
      throw refuse(`Draft version ${version} is not the current draft: the current draft is version ${this.draftVersion}.`);
    }
  }

  openSteps(): StepName[] {
    return STEP_NAMES.filter((s) => this.steps[s].state === 'open');
  }

  /** Records the start, the first draft and which of the first three steps apply; opens those that do. */
  started(): void {
    this.drafts.push({ version: 1, ...this.proposal.draft, at: new Date().toISOString(), reason: 'first draft' });
    upsertSearchAttributes([
      { key: JueceAuthority, value: this.proposal.authority.code },
      { key: JueceStatus, value: this.status_ },
    ]);
    this.record('decisionStarted', {
      summary: `${this.proposal.title} (${this.proposal.undertakingUnit} for ${this.proposal.authority.name}; rules ${this.rules.id} v${this.rules.version})`,
      draftVersion: 1,
      details: { title: this.proposal.title, undertakingUnit: this.proposal.undertakingUnit, category: this.proposal.category, inCatalog: this.proposal.inCatalog, ruleSet: this.rules },
    });
    const applicable = applicableSteps(this.proposal.flags, this.rules);
    for (const [step, a] of Object.entries(applicable) as [StepName, (typeof applicable)['expertReview']][]) {
      if (a.applies) this.open(step);
      else this.skip(step, a.reason, a.basis);
    }
  }

  open(step: StepName): void {
    this.steps[step] = { state: 'open', basis: STEPS[step].basis };
    this.publishSteps();
    this.record('stepOpened', { step, summary: `${STEPS[step].term} opened`, basis: STEPS[step].basis, draftVersion: this.draftVersion });
  }

  skip(step: StepName, reason: string, basis: string): void {
    this.steps[step] = { state: 'skipped', note: reason, basis };
    this.record('stepSkipped', { step, summary: `${STEPS[step].term} skipped: ${reason}`, basis });
  }

  complete(step: StepName, actor: Actor, summary: string, extra: Partial<RecordInput> = {}): StepAck {
    this.steps[step] = { state: 'completed', basis: STEPS[step].basis };
    this.publishSteps();
    return this.ack('stepCompleted', { step, actor, summary, basis: STEPS[step].basis, draftVersion: this.draftVersion, ...extra });
  }

  /** A result that does not let the procedure go on: recorded with the rule that holds it back; the step stays open. */
  returnStep(step: StepName, actor: Actor, summary: string, basis: string, extra: Partial<RecordInput> = {}): StepAck {
    this.steps[step] = { ...this.steps[step], note: summary };
    return this.ack('stepReturned', { step, actor, summary, basis, draftVersion: this.draftVersion, ...extra });
  }

  /** Records an event and answers its Update with it. */
  ack(type: Parameters<ProcedureRecord['record']>[0], e: RecordInput): StepAck {
    const entry = this.record(type, e);
    return { step: e.step, seq: entry.seq, summary: e.summary };
  }

  /** Opens a step and waits until its result completes it. */
  async step(step: StepName): Promise<void> {
    this.open(step);
    await this.untilCompleted(step);
  }

  /** Waits until `step` is completed, or the decision is closed. */
  async untilCompleted(step: StepName): Promise<void> {
    await condition(() => this.steps[step].state !== 'open' || this.closed);
  }

  setStatus(status: DecisionStatus['status']): void {
    this.status_ = status;
    upsertSearchAttributes([{ key: JueceStatus, value: status }]);
    this.publishSteps();
  }

  archive(): void {
    this.record('archived', { summary: `procedure record archived with ${this.entries().length} entries`, basis: ARCHIVE_RULE.basis, draftVersion: this.draftVersion });
  }

  setNextDeadline(at: Date | undefined): void {
    upsertSearchAttributes([{ key: JueceNextDeadline, value: at ?? null }]);
  }

  private publishSteps(): void {
    const open = this.openSteps();
    const furthest = open.at(-1) ?? this.status_;
    upsertSearchAttributes([
      { key: JueceStep, value: furthest },
      { key: JueceOpenSteps, value: open },
    ]);
  }

  status(): DecisionStatus {
    return {
      decisionId: this.proposal.decisionId,
      title: this.proposal.title,
      authority: this.proposal.authority,
      undertakingUnit: this.proposal.undertakingUnit,
      ...(this.proposal.leadUnit ? { leadUnit: this.proposal.leadUnit } : {}),
      status: this.status_,
      openSteps: this.openSteps(),
      steps: { ...this.steps },
      draft: { version: this.draftVersion, reference: this.drafts.at(-1)!.reference, sha256: this.drafts.at(-1)!.sha256 },
      ruleSet: { id: this.rules.id, version: this.rules.version },
      commentPeriodClosesAt: this.consultation?.closesAt.toISOString(),
      history: this.entries(),
    };
  }
}

