/**
 * What every juece workflow keeps: the procedure record (each event with its time, actor, legal basis and where the
 * decision stands after it), published to NATS in order through an activity, and Updates that are validated with
 * zod and answered once per request id. Bounded for a decision's whole life: the run keeps only its latest events and
 * answers; sequence numbers, recent events, answers and held deadlines are carried across continue-as-new; the
 * whole record lives in the procedure record (store/). Deterministic: time from the workflow clock, I/O from activities.
 */
import { ApplicationFailure, CancellationScope, condition, patched, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair, UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import { EVENT_SCHEMA_V1, type EventType, type ProcedureEvent, type RecordKind, type Standing } from '../domain/events';
import type { StepName } from '../domain/procedure';
import { describeZodError, RECENT_ENTRIES, type HistoryEntry } from '../domain/schemas';
import { JueceAuthority, JueceDeadlineProvisional, JueceNextDeadline, JueceOpenSteps, JueceStatus, JueceStep } from '../domain/searchAttributes';
import { Deadlines, type HeldDeadline } from './deadlines';
import { io, publishEvents } from './io';
import { released, since } from './patches';

/** A refusal the caller sees as the Update's failure message (and `type`); nothing in the record changes. */
export function refuse(reason: string, type = 'Refused'): ApplicationFailure {
  return ApplicationFailure.create({ type, message: reason, nonRetryable: true });
}

/** Resolves in the workflow's next round of conditions: once what this round's changes set off has run. */
export function nextRound(): Promise<void> {
  let first = true;
  return condition(() => {
    if (!first) return true;
    first = false; // condition() looks once at once: not yet
    return false;
  });
}

export type RecordInput = Omit<HistoryEntry, 'seq' | 'at' | 'type'>;

/**
 * Since this patch a workflow task upserts each search attribute at most once, at the end of the task, and only when
 * its value changed (before it, every change was an upsert of its own: 30 a decision, each a visibility write).
 */
export const COALESCED_SEARCH_ATTRIBUTES_PATCH = 'coalesced-search-attributes';

/**
 * Since release 9 (workflows/patches.ts) a run keeps only these in Temporal's visibility, what finds a workflow: each
 * upserted when its value changes, a few times in a decision's life. Where a decision stands (its open steps, its
 * next deadline) is in every event's standing and the procedure record: before, 13 upserts a decision, each a
 * visibility write, about 40% of the dev server's work for a decision (bench:procedure).
 */
const KEPT_ATTRIBUTES = new Set([JueceAuthority.name, JueceStatus.name, JueceDeadlineProvisional.name]);
/** What runs before release 9 kept as well: cleared when such a run next changes where it stands. */
const DROPPED_ATTRIBUTES = [JueceStep, JueceOpenSteps, JueceNextDeadline];

/** Events waiting to be published go out together, up to this many in one activity. */
const BATCH = 100;
/** Answers kept for repeated request ids (a client retrying the same request), carried across runs. */
const ANSWERS_KEPT = 500;

/** What a run hands to the next when it continues as new. */
export interface CarriedRecord {
  nextSeq: number;
  recent: HistoryEntry[];
  answers: [string, unknown][];
  deadlines: HeldDeadline[];
  /** Events recorded but not yet published: the next run publishes them first. */
  unpublished: ProcedureEvent[];
}

export abstract class ProcedureRecord {
  private nextSeq: number;
  private readonly recent: HistoryEntry[];
  /** Request id → answer (a value, or a promise while its handler runs). */
  private readonly answered = new Map<string, unknown>();
  private readonly resolved = new Map<string, unknown>();
  private publishing: Promise<unknown> = Promise.resolve();
  private readonly waiting: ProcedureEvent[] = [];
  private inFlight: ProcedureEvent[] = [];
  private draining = false;
  /** Set when the run is about to continue as new: the batch in flight finishes, the rest waits for the next run. */
  private paused = false;
  /** Where the events are published: a scope no withdrawal cancels (made where the workflow starts, in its root). */
  private readonly publisher = new CancellationScope({ cancellable: false });
  /** Statutory deadlines held with timers (one mechanism for all of them). */
  readonly deadlines: Deadlines;
  /** Actions accepted in this run: a run continues as new long before Temporal's 2,000 Updates. */
  actionsThisRun = 0;
  /** Work in flight (an activity whose result the state awaits): continue-as-new waits until none is left. */
  busy = 0;
  /** True while an Update's validator runs. */
  private validating = false;
  /** Search attributes: coalesced per workflow task (behind COALESCED_SEARCH_ATTRIBUTES_PATCH), or upserted at once. */
  private coalesced?: boolean;
  private readonly attributesPending = new Map<string, SearchAttributeUpdatePair>();
  private readonly attributesSet = new Map<string, string>();
  private droppedCleared = false;

  /** `id` and `authority` name the subject of the events: `juece.events.<authority>.<id>.<type>`. */
  constructor(
    readonly kind: RecordKind,
    readonly id: string,
    readonly authority: string,
    carried?: CarriedRecord,
  ) {
    this.nextSeq = carried?.nextSeq ?? 1;
    this.recent = [...(carried?.recent ?? [])];
    for (const [requestId, answer] of carried?.answers ?? []) {
      this.answered.set(requestId, answer);
      this.resolved.set(requestId, answer);
    }
    this.deadlines = new Deadlines(this, carried?.deadlines ?? []);
    // What the last run recorded but could not see published goes out first.
    if (carried?.unpublished.length) {
      this.waiting.push(...carried.unpublished);
      this.publishing = this.drain();
    }
  }

  /** The status and open steps, as the workflow holds them. */
  protected abstract where(): { status: string; openSteps: StepName[] };

  /** Where things stand now: what every event carries to the read model. */
  standing(): Standing {
    const { status, openSteps } = this.where();
    return { status, openSteps, currentStep: openSteps.at(-1) ?? null, ...this.deadlines.standing() };
  }

  /** Procedure events recorded in all, over every run. */
  get events(): number {
    return this.nextSeq - 1;
  }

  /** Appends to the record and publishes the event; events of one workflow go out strictly in order. */
  record(type: EventType, e: RecordInput): HistoryEntry {
    const entry: HistoryEntry = { seq: this.nextSeq++, at: new Date().toISOString(), type, ...e };
    this.recent.push(entry);
    if (this.recent.length > RECENT_ENTRIES) this.recent.shift();
    const { workflowId, runId } = workflowInfo();
    this.waiting.push({
      schema: EVENT_SCHEMA_V1,
      kind: this.kind,
      decisionId: this.id,
      authority: this.authority,
      workflowId,
      runId,
      ...entry,
      standing: this.standing(),
    });
    if (!this.draining && !this.paused) this.publishing = this.drain();
    return entry;
  }

  /** Publishes what is waiting, oldest first, a batch at a time, until nothing is left; never cancelled. */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      await Promise.resolve(); // let the events recorded in the same turn join the first batch
      while (this.waiting.length && !this.paused) {
        this.inFlight = this.waiting.splice(0, BATCH);
        // Not cancellable: a withdrawal that cancels the procedure must not cancel the publication of its record.
        // Since release 9 every batch in the one scope made for it (a scope costs the SDK a few promises).
        const batch = this.inFlight;
        await (released() ? this.publisher.run(() => publishEvents(batch)) : CancellationScope.nonCancellable(() => io.publishEvents(batch)));
        this.inFlight = [];
      }
    } finally {
      this.draining = false;
    }
  }

  /** Resolves once every event recorded so far has been published. */
  async flushed(): Promise<void> {
    this.paused = false;
    if (!this.draining && this.waiting.length) this.publishing = this.drain();
    do await this.publishing;
    while (this.draining || this.waiting.length);
    this.flushSearchAttributes();
  }

  /**
   * Sets search attributes. Since release 9 only the kept ones, each upserted at once if its value changed. Runs
   * before it: behind COALESCED_SEARCH_ATTRIBUTES_PATCH once the workflow task has nothing else to do, each only if its
   * value changed; before that patch, at once.
   */
  setSearchAttributes(pairs: SearchAttributeUpdatePair[]): void {
    if (released()) return this.upsertChanged(pairs);
    if (this.coalesced === undefined) {
      this.coalesced = patched(COALESCED_SEARCH_ATTRIBUTES_PATCH);
      if (this.coalesced) void this.upsertWhenSettled();
    }
    if (!this.coalesced) return upsertSearchAttributes(pairs);
    for (const pair of pairs) this.attributesPending.set(pair.key.name, pair);
  }

  /** Release 9: the kept attributes whose value changed, at once (the run's search attributes say what they are). */
  private upsertChanged(pairs: SearchAttributeUpdatePair[]): void {
    this.attributesPending.clear(); // an older run going on: nothing it had pending is upserted any more
    const now = workflowInfo().typedSearchAttributes;
    const same = (p: SearchAttributeUpdatePair) => JSON.stringify(now.get(p.key) ?? null) === JSON.stringify(p.value ?? null);
    const changed = pairs.filter((p) => KEPT_ATTRIBUTES.has(p.key.name) && !same(p));
    if (!this.droppedCleared) {
      this.droppedCleared = true;
      for (const key of DROPPED_ATTRIBUTES) if (now.get(key) !== undefined) changed.push({ key, value: null } as SearchAttributeUpdatePair);
    }
    if (changed.length) upsertSearchAttributes(changed);
  }

  /** Upserts the search attributes still pending now: before the run ends or continues as new (the last command). */
  flushSearchAttributes(): void {
    if (this.coalesced && released()) return this.attributesPending.clear(); // an older run, going on in release 9
    const changed = [...this.attributesPending.values()].filter((p) => this.attributesSet.get(p.key.name) !== JSON.stringify(p.value ?? null));
    this.attributesPending.clear();
    if (!changed.length) return;
    for (const p of changed) this.attributesSet.set(p.key.name, JSON.stringify(p.value ?? null));
    upsertSearchAttributes(changed);
  }

  private async upsertWhenSettled(): Promise<void> {
    // Conditions are looked at once the task's jobs and what they set off have run; a change made there may set off
    // more in the next rounds: a few rounds later, one upsert for all of them.
    for (;;) {
      await condition(() => this.attributesPending.size > 0);
      for (let round = 0; round < 4; round++) await condition(() => true);
      this.flushSearchAttributes();
    }
  }

  /** Before continuing as new: no new batch starts; `publishingIdle` says when the one in flight is done. */
  pausePublishing(): void {
    this.paused = true;
  }

  get publishingIdle(): boolean {
    return !this.draining;
  }

  /** The latest events (at most RECENT_ENTRIES); the whole record is in the procedure record. */
  entries(): HistoryEntry[] {
    return [...this.recent];
  }

  /** What the next run needs to go on where this one stops. */
  carry(): CarriedRecord {
    this.flushSearchAttributes(); // the new run is asked for next: nothing may follow it
    return {
      nextSeq: this.nextSeq,
      recent: this.entries(),
      answers: [...this.resolved].slice(-ANSWERS_KEPT),
      deadlines: this.deadlines.carry(),
      unpublished: [...this.inFlight, ...this.waiting],
    };
  }

  /**
   * Registers an Update. `check` refuses (throws) or returns the change to apply; it runs in the validator, so a
   * refused Update leaves no trace in the history, and again in the handler. A request id already answered (in this
   * run or a recent earlier one) gets the first answer again, and nothing is recorded twice.
   */
  onUpdate<T extends { requestId: string }, R>(
    update: UpdateDefinition<R, [T]>,
    schema: z.ZodType<T>,
    check: (input: T) => () => R | Promise<R>,
  ): void {
    // What the validator parsed, for its handler in the same task (a replayed handler, without validator, parses).
    const parsedInput = new WeakMap<object, T>();
    const accept = (raw: T): (() => R | Promise<R>) => {
      const cached = raw && typeof raw === 'object' ? parsedInput.get(raw) : undefined;
      if (cached) return check(cached);
      const parsed = schema.safeParse(raw);
      if (!parsed.success) throw refuse(`Invalid ${update.name}: ${describeZodError(parsed.error)}`);
      if (this.validating && raw && typeof raw === 'object') parsedInput.set(raw, parsed.data);
      return check(parsed.data);
    };
    setHandler(
      update,
      (raw: T) => {
        if (this.answered.has(raw.requestId)) return this.answered.get(raw.requestId) as R | Promise<R>;
        const answer = this.settled(accept(raw)());
        this.actionsThisRun++;
        this.remember(raw.requestId, answer);
        return answer;
      },
      {
        validator: (raw: T) => {
          if (raw && typeof raw === 'object' && this.answered.has(raw.requestId)) return;
          this.validating = true;
          try {
            accept(raw);
          } finally {
            this.validating = false;
          }
        },
      },
    );
  }

  /** The answer an Update gives once it is applied: as the handler gave it (a workflow may add where it then stands). */
  protected settled<R>(answer: R | Promise<R>): R | Promise<R> {
    return answer;
  }

  /**
   * Whether a refusal added after workflows were already running applies: always in the validator (validators run
   * only for new Updates, never on replay, and a refused Update leaves no trace in the history); in the handler only
   * behind its patch, so that an Update that an older version accepted replays as it ran.
   */
  newRule(patchId: string): boolean {
    return this.validating || since(patchId);
  }

  private remember(requestId: string, answer: unknown): void {
    this.answered.set(requestId, answer);
    if (this.answered.size > ANSWERS_KEPT) this.answered.delete(this.answered.keys().next().value!);
    void Promise.resolve(answer).then(
      (value) => {
        this.resolved.set(requestId, value);
        if (this.resolved.size > ANSWERS_KEPT) this.resolved.delete(this.resolved.keys().next().value!);
      },
      () => undefined, // a refusal is not kept: a repeat is checked again
    );
  }
}
