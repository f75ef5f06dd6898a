/**
 * The state of one major decision inside its workflow: which steps are open, completed or skipped (and why), the
 * draft's versions, the pinned rule set, and the record. Every action is an Update refused (in its validator, so
 * nothing changes) when the actor's role may not take it, its step is not open, or it concerns a superseded draft.
 * All of it is plain data, carried whole to the next run when the workflow continues as new.
 */
import { condition, setHandler } from '@temporalio/workflow';
import type { QueryDefinition, UpdateDefinition } from '@temporalio/common';
import { z } from 'zod';
import { roleRefusal, type ActionName } from '../domain/actions';
import { ARCHIVE_RULE, STEP_NAMES, STEPS, type StepName } from '../domain/procedure';
import { applicableSteps, type RuleSet } from '../domain/rules';
import { DecisionStatusValue, type Actor, type DecisionStatus, type OpenConsultation, type Proposal, type ScheduleHearing, type StepAck } from '../domain/schemas';
import { JueceAuthority, JueceOpenSteps, JueceStatus, JueceStep, STARTED_STATUS } from '../domain/searchAttributes';
import type { AssignedReviewer } from '../domain/assignments';
import type { Standing } from '../domain/events';
import { released, since } from './patches';
import { nextRound, ProcedureRecord, refuse, type CarriedRecord, type RecordInput } from './procedureRecord';

export { refuse };

/** Since this patch an action's answer waits for what it set off and says where the decision then stands. */
export const SETTLED_ANSWERS_PATCH = 'settled-answers';

type ActionInput = { requestId: string; actor: Actor };
type StepState = DecisionStatus['steps'][string];
type DraftVersionEntry = { version: number; reference: string; sha256: string; at: string; reason: string };

export interface DecisionRecordView {
  decisionId: string;
  title: string;
  ruleSet: { id: string; version: number; title: string };
  draftVersions: DraftVersionEntry[];
  /** Procedure events recorded in all; `entries` holds the latest of them. */
  events: number;
  entries: DecisionStatus['history'];
}

/** Where a decision stands, as plain data: what one run hands to the next. */
export interface DecisionState {
  status: DecisionStatus['status'];
  steps: Record<StepName, StepState>;
  drafts: DraftVersionEntry[];
  /** `closesAt`: the end of the comment period once the calendar has given it. */
  consultation?: OpenConsultation & { closesAt?: string };
  consultationAnnounced: boolean;
  commentPeriodClosed: boolean;
  hearing?: ScheduleHearing & { held: boolean };
  expertOpinions: [string, number][];
  /** The draft version after which the risk was judged uncontrollable: a later version must be assessed. */
  riskNeedsAdjustmentOf?: number;
  riskAssessedBy?: string;
  /** The draft version under legality review, the day it was sent, and how many requests for review there were. */
  reviewRequestedFor?: number;
  reviewRequestedOn?: string;
  reviewRequests?: number;
  /** 签收: who took the draft of which review request into their hands. */
  reviewSignedFor?: { request: number; by: string };
  /** The last review opinion given: to which request, on which day. */
  reviewAnswered?: { request: number; version: number; on: string };
  lawfulVersion?: number;
  /** The draft version found unlawful or lawful only if amended: only an amended draft goes back to review. */
  needsAmendmentOf?: number;
  /** The meeting asked for a revised draft: a new version must go back to legality review first. */
  revisionAskedOf?: number;
  /** Who exactly is asked (domain/assignments.ts): the experts of the pool and the named legality reviewer. */
  assignments?: Assignments;
  headDecision?: 'adopt' | 'reject' | 'reviseAndResubmit' | 'defer';
  /** The day of the meeting whose decision stands (the start of the disclosure period). */
  decidedOn?: string;
  publishedOn?: string;
  archived: boolean;
}

export interface AssignedExpertEntry {
  id: string;
  name: string;
  organisation: string;
  assignedOn: string;
  /** The actor id of whoever asked them. */
  by: string;
  /** Replaced (absent, a conflict found later, …): by whom, why, when. */
  replaced?: { by: string; reason: string; on: string };
}

export interface Assignments {
  experts: AssignedExpertEntry[];
  reviewer?: AssignedReviewer & { assignedOn: string; by: string };
}

/**
 * What a run accepts as carried from the last: only the workflow itself writes it, but a start through the raw
 * Temporal API could pass anything, which must fail at once with the reason rather than deep inside the procedure.
 */
export const CarriedDecisionSchema = z.looseObject({
  state: z.looseObject({
    status: DecisionStatusValue,
    steps: z.record(z.enum(STEP_NAMES), z.looseObject({ state: z.enum(['pending', 'open', 'completed', 'skipped']), basis: z.string() })),
    drafts: z.array(z.looseObject({ version: z.number().int(), reference: z.string(), sha256: z.string() })).min(1),
    expertOpinions: z.array(z.tuple([z.string(), z.number().int()])),
    consultationAnnounced: z.boolean(),
    commentPeriodClosed: z.boolean(),
    archived: z.boolean(),
  }),
  record: z.looseObject({
    nextSeq: z.number().int().positive(),
    recent: z.array(z.unknown()),
    answers: z.array(z.tuple([z.string(), z.unknown()])),
    deadlines: z.array(z.looseObject({ name: z.string(), spec: z.looseObject({ dueAt: z.string() }), fired: z.array(z.string()) })),
    unpublished: z.array(z.unknown()),
  }),
  runs: z.number().int().min(0),
});

export interface CarriedDecision {
  state: DecisionState;
  record: CarriedRecord;
  /** How many runs came before this one. */
  runs: number;
}

export class DecisionRecord extends ProcedureRecord {
  readonly s: DecisionState;
  readonly runs: number;

  constructor(
    readonly proposal: Proposal,
    readonly rules: RuleSet,
    carried?: CarriedDecision,
  ) {
    super('majorDecision', proposal.decisionId, proposal.authority.code, carried?.record);
    this.runs = carried?.runs ?? 0;
    this.s = carried?.state ?? {
      status: STARTED_STATUS,
      steps: Object.fromEntries(STEP_NAMES.map((step) => [step, { state: 'pending', basis: STEPS[step].basis }])) as Record<StepName, StepState>,
      drafts: [],
      consultationAnnounced: false,
      commentPeriodClosed: false,
      expertOpinions: [],
      archived: false,
    };
  }

  get steps(): Record<StepName, StepState> {
    return this.s.steps;
  }

  get status_(): DecisionStatus['status'] {
    return this.s.status;
  }

  get draftVersion(): number {
    return this.s.drafts.length;
  }

  get closed(): boolean {
    return ['rejected', 'withdrawn', 'stopped'].includes(this.s.status);
  }

  /** What the next run starts from. */
  carryDecision(): CarriedDecision {
    return { state: this.s, record: this.carry(), runs: this.runs + 1 };
  }

  protected where() {
    return { status: this.s.status, openSteps: this.openSteps() };
  }

  /** The experts asked and not replaced. */
  askedExperts(): AssignedExpertEntry[] {
    return (this.s.assignments?.experts ?? []).filter((e) => !e.replaced);
  }

  get assignments(): Assignments {
    return (this.s.assignments ??= { experts: [] });
  }

  /** Who is asked and has yet to answer: the experts without an opinion, the reviewer while a draft is under review. */
  protected assignees(): { id: string; step: StepName }[] {
    const out: { id: string; step: StepName }[] = [];
    if (this.steps.expertReview.state === 'open') {
      for (const e of this.askedExperts()) if (!this.s.expertOpinions.some(([id]) => id === e.id)) out.push({ id: e.id, step: 'expertReview' });
    }
    const reviewer = this.s.assignments?.reviewer;
    if (reviewer && this.steps.legalityReview.state === 'open' && this.s.reviewRequestedFor !== undefined) out.push({ id: reviewer.id, step: 'legalityReview' });
    return out;
  }

  /**
   * Since SETTLED_ANSWERS_PATCH an action is answered once what it set off has settled (the activities it started
   * done, the steps it opens opened, a few rounds of the workflow's conditions with nothing in flight), with where
   * the decision then stands: the caller needs no status query to find the next step open.
   */
  protected override settled<R>(answer: R | Promise<R>): R | Promise<R> {
    if (!since(SETTLED_ANSWERS_PATCH)) return answer;
    if (released()) return this.settledInRounds(answer);
    return (async () => {
      const a = await answer;
      for (let quiet = 0; quiet < 3; ) {
        const idle = this.busy === 0;
        await condition(() => this.busy === 0);
        quiet = idle ? quiet + 1 : 0;
      }
      return a && typeof a === 'object' ? { ...a, standing: this.standing() } : a;
    })();
  }

  /**
   * Release 9: the answer waits for the activities it set off, then for two rounds of the workflow's conditions with
   * none in flight (a step completed lets the procedure open the next one in the round after it). Fewer promises than
   * the loop before it: the SDK records a stack for each promise a workflow makes.
   */
  private async settledInRounds<R>(answer: R | Promise<R>): Promise<R> {
    const a = await answer;
    for (let quiet = 0; quiet < 2; ) {
      if (this.busy > 0) {
        quiet = 0;
        await condition(() => this.busy === 0);
      } else {
        quiet++;
        await nextRound();
      }
    }
    return a && typeof a === 'object' ? { ...a, standing: this.standing() } : a;
  }

  override standing(): Standing {
    const base = super.standing();
    return this.s.assignments ? { ...base, assignees: this.assignees() } : base;
  }

  onQueries(status: QueryDefinition<DecisionStatus>, record: QueryDefinition<DecisionRecordView>): void {
    setHandler(status, () => this.status());
    setHandler(record, () => ({
      decisionId: this.proposal.decisionId,
      title: this.proposal.title,
      ruleSet: { id: this.rules.id, version: this.rules.version, title: this.rules.title },
      draftVersions: [...this.s.drafts],
      events: this.events,
      entries: this.entries(),
    }));
  }

  /**
   * Registers an action's Update: refused unless the actor's role may take it (and an undertaking unit's staff
   * belong to the unit); then `check` refuses or returns the change, as in ProcedureRecord.onUpdate.
   */
  onAction<T extends ActionInput, R = StepAck>(
    update: UpdateDefinition<R, [T]>,
    action: ActionName,
    schema: z.ZodType<T>,
    check: (input: T) => () => R | Promise<R>,
  ): void {
    this.onUpdate(update, schema, (input) => {
      const wrongRole = roleRefusal(action, input.actor.role);
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
    if (this.closed) throw refuse(`The decision is closed (${this.s.status}).`);
    const s = this.steps[step];
    if (s.state !== 'open') {
      const open = this.openSteps();
      const at = open.length ? open.map((o) => `${o} (${STEPS[o].term})`).join(', ') : this.s.status;
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
    this.s.drafts.push({ version: 1, ...this.proposal.draft, at: new Date().toISOString(), reason: 'first draft' });
    this.setSearchAttributes([
      { key: JueceAuthority, value: this.proposal.authority.code },
      { key: JueceStatus, value: this.s.status },
    ]);
    this.record('decisionStarted', {
      summary: `${this.proposal.title} (${this.proposal.undertakingUnit} for ${this.proposal.authority.name}; rules ${this.rules.id} v${this.rules.version})`,
      draftVersion: 1,
      details: { title: this.proposal.title, undertakingUnit: this.proposal.undertakingUnit, category: this.proposal.category, inCatalog: this.proposal.inCatalog, ruleSet: this.rules },
    });
    const applicable = applicableSteps(this.proposal.flags, this.rules);
    for (const [step, a] of Object.entries(applicable) as [StepName, (typeof applicable)['expertReview']][]) {
      if (a.applies) this.openIfPending(step);
      else this.skip(step, a.reason, a.basis);
    }
  }

  /** A run continued from the last one: it states its search attributes itself rather than rely on a copy. */
  resumed(): void {
    this.setSearchAttributes([
      { key: JueceAuthority, value: this.proposal.authority.code },
      { key: JueceStatus, value: this.s.status },
    ]);
    this.publishSteps();
  }

  /** Opens a step that has not been opened yet; an open or finished step is left as it is (so a new run may call it again). */
  openIfPending(step: StepName): void {
    if (this.steps[step].state !== 'pending') return;
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

  /** Opens a step (unless it already is) and waits until its result completes it. */
  async step(step: StepName): Promise<void> {
    this.openIfPending(step);
    await this.untilCompleted(step);
  }

  /** Waits until `step` is no longer open, or the decision is closed. */
  async untilCompleted(step: StepName): Promise<void> {
    await condition(() => this.steps[step].state !== 'open' || this.closed);
  }

  setStatus(status: DecisionStatus['status']): void {
    this.s.status = status;
    this.setSearchAttributes([{ key: JueceStatus, value: status }]);
    this.publishSteps();
  }

  archive(): void {
    this.s.archived = true;
    this.record('archived', { summary: `procedure record archived with ${this.events} entries`, basis: ARCHIVE_RULE.basis, draftVersion: this.draftVersion });
  }

  private publishSteps(): void {
    const open = this.openSteps();
    const furthest = open.at(-1) ?? this.s.status;
    this.setSearchAttributes([
      { key: JueceStep, value: furthest },
      { key: JueceOpenSteps, value: open },
    ]);
  }

  status(): DecisionStatus {
    const latest = this.s.drafts.at(-1)!;
    return {
      decisionId: this.proposal.decisionId,
      title: this.proposal.title,
      authority: this.proposal.authority,
      undertakingUnit: this.proposal.undertakingUnit,
      ...(this.proposal.leadUnit ? { leadUnit: this.proposal.leadUnit } : {}),
      status: this.s.status,
      openSteps: this.openSteps(),
      steps: { ...this.steps },
      draft: { version: this.draftVersion, reference: latest.reference, sha256: latest.sha256 },
      ruleSet: { id: this.rules.id, version: this.rules.version },
      commentPeriodClosesAt: this.s.consultation?.closesAt,
      hearingPossible: this.proposal.flags.hearingWarranted || this.proposal.flags.hearingRequiredByLaw,
      drafts: this.s.drafts.map(({ version, reference, sha256, at }) => ({ version, reference, sha256, ...(at ? { at } : {}) })),
      assignments: {
        required: this.rules.assignmentRequired.value,
        experts: (this.s.assignments?.experts ?? []).map(({ id, name, organisation, replaced }) => ({ id, name, organisation, ...(replaced ? { replacedBy: replaced.by } : {}) })),
        ...(this.s.assignments?.reviewer ? { reviewer: this.s.assignments.reviewer } : {}),
        opinionsFrom: this.s.expertOpinions.map(([id]) => id),
        ...(this.s.reviewRequestedFor !== undefined ? { reviewRequestedFor: this.s.reviewRequestedFor } : {}),
        ...(this.s.reviewRequestedFor !== undefined && this.s.reviewSignedFor && this.s.reviewSignedFor.request === this.s.reviewRequests ? { signedFor: this.s.reviewSignedFor.by } : {}),
      },
      events: this.events,
      history: this.entries(),
    };
  }
}
