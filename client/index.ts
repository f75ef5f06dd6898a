/**
 * The typed façade over Temporal's client: start a decision, deliver each step's result, read its status.
 * Input is validated here with the same zod schemas the workflow uses, and refusals come back as readable errors.
 */
import {
  ApplicationFailure,
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WithStartWorkflowOperation,
  type WorkflowHandle,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import {
  ACTION_NAMES,
  ACTIONS,
  isActionName,
  isReviewActionName,
  REVIEW_ACTION_NAMES,
  REVIEW_ACTIONS,
  type ActionInput,
  type ActionName,
  type ReviewActionInput,
  type ReviewActionName,
} from '../domain/actions';
import { LegalReviewCaseSchema, type LegalReviewCase, type LegalReviewStatus } from '../domain/enforcementReview';
import { COMMENT_PERIOD_OPEN } from '../domain/procedure';
import { ruleSet } from '../domain/rules';
import { describeZodError, ProposalSchema, type DecisionStatus, type Standing, type StepAck } from '../domain/schemas';
import {
  EnforcementDecisionSchema,
  PublishNoticeSchema,
  TakeDownSchema,
  type EnforcementDecision,
  type EnforcementStatus,
  type NoticeAck,
} from '../domain/enforcement';
import {
  CATALOG_ACTION_NAMES,
  CATALOG_ACTIONS,
  catalogRefRefusal,
  catalogWorkflowId,
  isCatalogActionName,
  StartCatalogSchema,
  yearEndsAt,
  type CatalogActionInput,
  type CatalogActionName,
  type CatalogStatus,
} from '../domain/catalog';
import { JueceAuthority, JueceDeadlineProvisional, JueceStatus, STARTED_STATUS } from '../domain/searchAttributes';
import type { annualCatalog } from '../workflows/annualCatalog';
import type { enforcementLegalReview } from '../workflows/enforcementLegalReview';
import type { enforcementPublication } from '../workflows/enforcementPublication';
import type { majorDecision } from '../workflows/majorDecision';
import * as msg from '../workflows/messages';
import { calendarUpdated, catalogStatusQuery, enforcementStatusQuery, publishNotice, takeDownNotice } from '../workflows/messages';

/** One field's problem, as the API returns it. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Input that does not match its schema; nothing was sent. */
export class InvalidInput extends Error {
  override name = 'InvalidInput';
  constructor(
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
  }
}

export const fieldIssues = (error: z.ZodError): FieldIssue[] => error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));

/** The decision refused an action (wrong step, closed decision, bad input caught by the workflow's validator). */
export class DecisionRefused extends Error {
  override name = 'DecisionRefused';
}

/** The report on the comments was refused because the comment period is still open (art. 15). */
export class CommentPeriodOpen extends DecisionRefused {
  override name = 'CommentPeriodOpen';
}

/**
 * The decision (or enforcement case) is closed: its workflow has completed, so it takes no more actions. `status` is
 * where it ended, as its workflow's result (or, past Temporal's retention, its record) says: withdrawn, rejected,
 * stopped, takenDown, ... or the workflow's own end (terminated, failed, ...) when it gave no result.
 */
export class DecisionClosed extends DecisionRefused {
  override name = 'DecisionClosed';
  constructor(
    readonly id: string,
    readonly status: string,
  ) {
    super(`${id} is closed (${status}): it takes no more actions.`);
  }
}

export const workflowIdFor = (decisionId: string) => `decision-${decisionId}`;
export const caseWorkflowId = (caseId: string) => `enforcement-${caseId}`;

/** A decision or case id that is already used: ids are never reused (lifetime accountability, art. 40). */
export class IdAlreadyUsed extends DecisionRefused {
  override name = 'IdAlreadyUsed';
  constructor(
    readonly id: string,
    /** What uses it: 'a major decision', 'an enforcement case', 'a catalog'. */
    readonly by: string,
  ) {
    super(`The id ${id} is already used by ${by}; a decision or case id is never reused.`);
  }
}

function validated<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new InvalidInput(`Invalid ${what}: ${describeZodError(parsed.error)}`, fieldIssues(parsed.error));
  return parsed.data;
}

/** One method per action of the action table (domain/actions.ts), e.g. `openConsultation(input)`. */
type ActionMethods = { [A in ActionName]: (input: ActionInput<A>) => Promise<StepAck> };

// The methods are made from the action table in the constructor; this declares them to the type checker.
export interface DecisionHandle extends ActionMethods {}

export class DecisionHandle {
  constructor(readonly handle: WorkflowHandle<typeof majorDecision>) {
    for (const name of ACTION_NAMES) {
      const schema = ACTIONS[name].schema as z.ZodType<{ requestId: string }>;
      const update = msg.actions[name] as unknown as UpdateDefinition<StepAck, [{ requestId: string }]>;
      this[name] = (async (input: unknown) => {
        const ack = await sendUpdate(handle, update, schema, input as never);
        if (ack.standing) this.lastStanding = ack.standing;
        return ack;
      }) as never;
    }
  }

  /**
   * Where the decision stood after the last action this handle took, as the workflow answered it (once that action's
   * consequences had settled); undefined before one, or from a workflow that answers without it.
   */
  lastStanding?: Standing;

  get workflowId(): string {
    return this.handle.workflowId;
  }

  status(): Promise<DecisionStatus> {
    return this.handle.query(msg.statusQuery);
  }

  /** The procedure record so far, as a supervisor reads it. */
  record() {
    return this.handle.query(msg.recordQuery);
  }

  /** DecisionClosed naming where the decision ended, if its workflow has closed; undefined while it runs or if there is none. */
  closed(): Promise<DecisionClosed | undefined> {
    return closedAs(this.handle);
  }

  /** Waits until the decision is closed (rejected, withdrawn, or stopped after execution) and returns its final status. */
  result(): Promise<DecisionStatus> {
    return this.handle.result();
  }

  /** Any action by its name (as in domain/roles.ts): for callers that receive the name as data (NATS, HTTP). */
  act(action: string, input: unknown): Promise<StepAck> {
    if (!isActionName(action)) throw new InvalidInput(`Unknown action "${action}"; one of: ${ACTION_NAMES.join(', ')}.`);
    return (this[action] as (input: unknown) => Promise<StepAck>)(input);
  }
}

/** An Update validated here, sent with its request id as the Update id (a repeat is answered once). */
async function sendUpdate<R, S extends z.ZodType<{ requestId: string }>>(
  handle: WorkflowHandle,
  update: UpdateDefinition<R, [z.infer<S>]>,
  schema: S,
  input: z.input<S>,
): Promise<R> {
  const args = validated(schema, input, update.name);
  try {
    return await handle.executeUpdate(update, { args: [args], updateId: args.requestId });
  } catch (err) {
    throw await updateError(err, handle);
  }
}

/** What an Update's failure means to the caller: refused by the workflow (why), or the decision already closed. */
async function updateError(err: unknown, handle: WorkflowHandle): Promise<unknown> {
  if (err instanceof WorkflowUpdateFailedError) {
    const message = err.cause?.message ?? err.message;
    return err.cause instanceof ApplicationFailure && err.cause.type === COMMENT_PERIOD_OPEN ? new CommentPeriodOpen(message) : new DecisionRefused(message);
  }
  // The server answers an Update to a completed workflow with NOT_FOUND ("workflow execution already completed").
  if (err instanceof WorkflowNotFoundError) return (await closedAs(handle)) ?? err;
  return err;
}

/** If the workflow exists and has closed: the DecisionClosed error naming where it ended. */
async function closedAs(handle: WorkflowHandle): Promise<DecisionClosed | undefined> {
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined; // no such workflow at all: not found it is
    throw err;
  }
  if (description.status.name === 'RUNNING') return undefined;
  const id = handle.workflowId.replace(/^(decision|enforcement)-/, '');
  if (description.status.name !== 'COMPLETED') return new DecisionClosed(id, description.status.name.toLowerCase().replace(/_(\w)/g, (_m, ch: string) => ch.toUpperCase()));
  // Completed: its result is its final status (a decision's `status`, a case's `state`).
  const result = (await handle.result()) as { status?: string; state?: string } | undefined;
  return new DecisionClosed(id, result?.status ?? result?.state ?? 'completed');
}

/** An enforcement decision on its way to the publication platform. */
export class EnforcementHandle {
  constructor(readonly handle: WorkflowHandle<typeof enforcementPublication>) {}

  get workflowId(): string {
    return this.handle.workflowId;
  }

  status(): Promise<EnforcementStatus> {
    return this.handle.query(enforcementStatusQuery);
  }

  result(): Promise<EnforcementStatus> {
    return this.handle.result();
  }

  publishNotice = (input: z.input<typeof PublishNoticeSchema>) => sendUpdate(this.handle, publishNotice, PublishNoticeSchema, input);
  takeDownNotice = (input: z.input<typeof TakeDownSchema>) => sendUpdate(this.handle, takeDownNotice, TakeDownSchema, input);
}

type CatalogActionMethods = { [A in CatalogActionName]: (input: CatalogActionInput<A>) => Promise<StepAck> };
export interface CatalogHandle extends CatalogActionMethods {}

/** An authority's annual catalog of decision matters: one method per catalog action (domain/catalog.ts). */
export class CatalogHandle {
  constructor(readonly handle: WorkflowHandle<typeof annualCatalog>) {
    for (const name of CATALOG_ACTION_NAMES) {
      const schema = CATALOG_ACTIONS[name].schema as z.ZodType<{ requestId: string }>;
      const update = msg.catalogActions[name] as unknown as UpdateDefinition<StepAck, [{ requestId: string }]>;
      this[name] = ((input: unknown) => sendUpdate(handle, update, schema, input as never)) as never;
    }
  }

  get workflowId(): string {
    return this.handle.workflowId;
  }

  status(): Promise<CatalogStatus> {
    return this.handle.query(catalogStatusQuery);
  }

  /** Waits until the catalog is closed (year end or explicit) and returns it with its year-end lists. */
  result(): Promise<CatalogStatus> {
    return this.handle.result();
  }

  act(action: string, input: unknown): Promise<StepAck> {
    if (!isCatalogActionName(action)) throw new InvalidInput(`Unknown catalog action "${action}"; one of: ${CATALOG_ACTION_NAMES.join(', ')}.`);
    return (this[action] as (input: unknown) => Promise<StepAck>)(input);
  }
}

type ReviewActionMethods = { [A in ReviewActionName]: (input: ReviewActionInput<A>) => Promise<NoticeAck> };
export interface LegalReviewHandle extends ReviewActionMethods {}

/**
 * A major enforcement decision in legal review (workflow `enforcement-<caseId>`, as its publication later: once
 * decided, the same workflow id continues as enforcementPublication, so `publication()` reads it on from there).
 */
export class LegalReviewHandle {
  constructor(readonly handle: WorkflowHandle<typeof enforcementLegalReview>) {
    for (const name of REVIEW_ACTION_NAMES) {
      const schema = REVIEW_ACTIONS[name].schema as unknown as z.ZodType<{ requestId: string }>;
      const update = msg.reviewActions[name] as unknown as UpdateDefinition<NoticeAck, [{ requestId: string }]>;
      this[name] = ((input: unknown) => sendUpdate(handle, update, schema, input as never)) as never;
    }
  }

  get workflowId(): string {
    return this.handle.workflowId;
  }

  /** The review's status (while the case is in review: after the decision, read `publication()`). */
  status(): Promise<LegalReviewStatus> {
    return this.handle.query(msg.legalReviewStatusQuery);
  }

  /** The case once decided: its publication, under the same workflow id. */
  publication(): EnforcementHandle {
    return new EnforcementHandle(this.handle.client.getHandle<typeof enforcementPublication>(this.handle.workflowId));
  }

  /** Where the case stands, in review or in publication, by which workflow its current run is. */
  async caseStatus(): Promise<(LegalReviewStatus & { stage: 'legalReview' }) | (EnforcementStatus & { stage: 'publication' })> {
    const d = await this.handle.client.getHandle(this.handle.workflowId).describe();
    if (d.type === 'enforcementPublication') return { stage: 'publication', ...(await this.publication().status()) };
    return this.status();
  }

  act(action: string, input: unknown): Promise<NoticeAck> {
    if (!isReviewActionName(action)) throw new InvalidInput(`Unknown action "${action}"; one of: ${REVIEW_ACTION_NAMES.join(', ')}.`);
    return (this[action] as (input: unknown) => Promise<NoticeAck>)(input);
  }
}

export class JueceClient {
  constructor(
    readonly client: Client,
    readonly taskQueue: string,
  ) {}

  static async connect(o: { address: string; namespace: string; taskQueue: string }): Promise<JueceClient> {
    const connection = await Connection.connect({ address: o.address });
    return new JueceClient(new Client({ connection, namespace: o.namespace }), o.taskQueue);
  }

  /**
   * Starts a decision from its proposal; its workflow id is `decision-<decisionId>`. The proposal's rule set is
   * resolved here and pinned in the workflow's input, so a later change to the rules never touches this decision.
   */
  async startDecision(proposal: unknown): Promise<DecisionHandle> {
    const options = await this.decisionStart(proposal);
    const handle = await this.startOnce(options.args[0].proposal.decisionId, 'a major decision', () =>
      this.client.workflow.start<typeof majorDecision>('majorDecision', options),
    );
    return new DecisionHandle(handle);
  }

  /**
   * Starts a decision and takes its first action in the same call to the server (update-with-start), e.g. opens its
   * consultation: one round trip and one workflow task fewer than startDecision and then the action. Bad input is
   * refused before anything starts (InvalidInput), a used id as by startDecision (IdAlreadyUsed). Once the decision
   * has started, a failure of the action comes as from DecisionHandle (DecisionRefused with the workflow's reason,
   * DecisionClosed) and the decision stays started: `client.decision(id)` reaches it. A server without
   * multi-operations (before Temporal 1.28; the dev server and the time-skipping test server here have them) refuses
   * the call and starts nothing: use startDecision and then the action there.
   */
  async startDecisionWith<A extends ActionName>(proposal: unknown, action: A, input: ActionInput<A>): Promise<{ decision: DecisionHandle; ack: StepAck }> {
    if (!isActionName(action)) throw new InvalidInput(`Unknown action "${action}"; one of: ${ACTION_NAMES.join(', ')}.`);
    const args = validated(ACTIONS[action].schema as z.ZodType<{ requestId: string }>, input, action);
    const options = await this.decisionStart(proposal);
    const start = new WithStartWorkflowOperation<typeof majorDecision>('majorDecision', { ...options, workflowIdConflictPolicy: 'FAIL' });
    const update = msg.actions[action] as unknown as UpdateDefinition<StepAck, [{ requestId: string }]>;
    return this.startOnce(options.args[0].proposal.decisionId, 'a major decision', async () => {
      try {
        const ack = await this.client.workflow.executeUpdateWithStart(update, { args: [args], updateId: args.requestId, startWorkflowOperation: start });
        const decision = new DecisionHandle(await start.workflowHandle());
        if (ack.standing) decision.lastStanding = ack.standing;
        return { decision, ack };
      } catch (err) {
        // The start failed (its handle is rejected with the same error): nothing started, the error as it is.
        const started = await start.workflowHandle().catch(() => undefined);
        if (!started) throw err;
        throw await updateError(err, started);
      }
    });
  }

  /** A proposal validated and checked (its id unused by a case, its catalog item published): how it starts. */
  private async decisionStart(proposal: unknown) {
    const p = validated(ProposalSchema, proposal, 'proposal');
    let rules;
    try {
      rules = ruleSet(p.ruleSet);
    } catch (err) {
      throw new InvalidInput(`Invalid proposal: ruleSet: ${(err as Error).message}`);
    }
    await this.refuseUsedId(p.decisionId, caseWorkflowId(p.decisionId), 'an enforcement case');
    await this.checkCatalogRef(p);
    return {
      taskQueue: this.taskQueue,
      workflowId: workflowIdFor(p.decisionId),
      // A decision id, once used, never starts again: not while it runs, nor after it closed.
      workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
      args: [{ proposal: p, rules }] as [{ proposal: typeof p; rules: typeof rules }],
      typedSearchAttributes: [
        { key: JueceAuthority, value: p.authority.code },
        { key: JueceStatus, value: STARTED_STATUS },
      ],
    };
  }

  /**
   * A decision names its catalog item, checked here against the published catalog (through its query) before it
   * starts; a matter outside the catalog gives its reason (Decree 713 art. 3; DOMAIN.md §6). Once started, the
   * decision's workflow tells the catalog itself (workflows/majorDecision.ts `tellCatalog`).
   */
  private async checkCatalogRef(p: z.infer<typeof ProposalSchema>): Promise<void> {
    const ref = p.inCatalog;
    if (ref === true) return; // a proposal made before catalogs were kept: not checked
    if (ref === false) {
      if (!p.offCatalogReason) {
        const message = 'a decision outside the catalog of decision matters must give its reason (Decree 713 art. 3)';
        throw new InvalidInput(`Invalid proposal: offCatalogReason: ${message}`, [{ path: 'offCatalogReason', message }]);
      }
      return;
    }
    if (p.offCatalogReason) {
      const message = 'only a decision outside the catalog gives an off-catalog reason';
      throw new InvalidInput(`Invalid proposal: offCatalogReason: ${message}`, [{ path: 'offCatalogReason', message }]);
    }
    const catalog = this.catalog(p.authority.code, ref.year);
    let s: CatalogStatus;
    try {
      s = await catalog.status();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new DecisionRefused(`${p.authority.code} has no catalog of decision matters for ${ref.year}: item ${ref.itemId} cannot be named.`);
      throw err;
    }
    const why = catalogRefRefusal(s, ref.itemId);
    if (why) throw new DecisionRefused(`Item ${ref.itemId} cannot be named: ${why}`);
  }

  /** Opens an authority's catalog of decision matters for a year: workflow `catalog-<authority>-<year>`, until 31 December. */
  async startCatalog(input: unknown): Promise<CatalogHandle> {
    const c = validated(StartCatalogSchema.omit({ carried: true }), input, 'catalog');
    if (yearEndsAt(c.year).getTime() <= Date.now()) {
      throw new InvalidInput(`Invalid catalog: year: ${c.year} has ended`, [{ path: 'year', message: 'the year has ended' }]);
    }
    const handle = await this.startOnce(`${c.authority.code}-${c.year}`, 'a catalog', () =>
      this.client.workflow.start<typeof annualCatalog>('annualCatalog', {
        taskQueue: this.taskQueue,
        workflowId: catalogWorkflowId(c.authority.code, c.year),
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [c],
        typedSearchAttributes: [{ key: JueceAuthority, value: c.authority.code }],
      }),
    );
    return new CatalogHandle(handle);
  }

  catalog(authority: string, year: number): CatalogHandle {
    return new CatalogHandle(this.client.workflow.getHandle<typeof annualCatalog>(catalogWorkflowId(authority, year)));
  }

  /** Records an enforcement decision; its workflow id is `enforcement-<caseId>`. */
  async recordEnforcementDecision(input: EnforcementDecision): Promise<EnforcementHandle> {
    const c = validated(EnforcementDecisionSchema, input, 'enforcement decision');
    await this.refuseUsedId(c.caseId, workflowIdFor(c.caseId), 'a major decision');
    const handle = await this.startOnce(c.caseId, 'an enforcement case', () =>
      this.client.workflow.start<typeof enforcementPublication>('enforcementPublication', {
        taskQueue: this.taskQueue,
        workflowId: caseWorkflowId(c.caseId),
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [c],
        typedSearchAttributes: [{ key: JueceAuthority, value: c.authority.code }],
      }),
    );
    return new EnforcementHandle(handle);
  }

  /**
   * Submits a proposed major enforcement decision to the office's legal body (重大执法决定法制审核); its workflow
   * id is `enforcement-<caseId>`, the case's id for its whole life, publication included.
   */
  async startLegalReview(input: LegalReviewCase): Promise<LegalReviewHandle> {
    const c = validated(LegalReviewCaseSchema, input, 'legal review case');
    await this.refuseUsedId(c.caseId, workflowIdFor(c.caseId), 'a major decision');
    const handle = await this.startOnce(c.caseId, 'an enforcement case', () =>
      this.client.workflow.start<typeof enforcementLegalReview>('enforcementLegalReview', {
        taskQueue: this.taskQueue,
        workflowId: caseWorkflowId(c.caseId),
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [c],
        typedSearchAttributes: [{ key: JueceAuthority, value: c.authority.code }],
      }),
    );
    return new LegalReviewHandle(handle);
  }

  legalReview(caseId: string): LegalReviewHandle {
    return new LegalReviewHandle(this.client.workflow.getHandle<typeof enforcementLegalReview>(caseWorkflowId(caseId)));
  }

  /** An id already used, running or closed, is refused with a clear reason. */
  private async startOnce<H>(id: string, kind: string, start: () => Promise<H>): Promise<H> {
    try {
      return await start();
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new IdAlreadyUsed(id, kind);
      throw err;
    }
  }

  /** Refuses an id the other kind of record already uses (a decision and a case never share an id). */
  private async refuseUsedId(id: string, otherWorkflowId: string, other: string): Promise<void> {
    try {
      await this.client.workflow.getHandle(otherWorkflowId).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return;
      throw err;
    }
    throw new IdAlreadyUsed(id, other);
  }

  enforcement(caseId: string): EnforcementHandle {
    return new EnforcementHandle(this.client.workflow.getHandle<typeof enforcementPublication>(caseWorkflowId(caseId)));
  }

  /**
   * Tells every running workflow whose deadline is provisional that the calendar changed (a new year's schedule
   * was added), so it recomputes its deadline. Returns the workflow ids told.
   */
  async announceCalendarUpdate(): Promise<string[]> {
    const told = new Set<string>();
    for await (const wf of this.client.workflow.list({ query: `${JueceDeadlineProvisional.name} = true AND ExecutionStatus = "Running"` })) {
      if (told.has(wf.workflowId)) continue;
      try {
        // By workflow id: the run listed may have continued as new since; the signal reaches the current one.
        await this.client.workflow.getHandle(wf.workflowId).signal(calendarUpdated);
        told.add(wf.workflowId);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err; // closed meanwhile: nothing left to recompute
      }
    }
    return [...told];
  }

  decision(decisionId: string): DecisionHandle {
    return new DecisionHandle(this.client.workflow.getHandle<typeof majorDecision>(workflowIdFor(decisionId)));
  }

  async close(): Promise<void> {
    await this.client.connection.close();
  }
}
