/**
 * The typed façade over Temporal's client: start a decision, deliver each step's result, read its status.
 * Input is validated here with the same zod schemas the workflow uses, and refusals come back as readable errors.
 */
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import {
  CollectiveDecisionSchema,
  describeZodError,
  ExpertReviewSchema,
  LegalityReviewSchema,
  OpenConsultationSchema,
  ProposalSchema,
  PublicationSchema,
  PublicParticipationReportSchema,
  RiskAssessmentSchema,
  type DecisionStatus,
  type StepAck,
} from '../domain/schemas';
import {
  EnforcementDecisionSchema,
  PublishNoticeSchema,
  TakeDownSchema,
  type EnforcementDecision,
  type EnforcementStatus,
} from '../domain/enforcement';
import { JueceAuthority, JueceDeadlineProvisional } from '../domain/searchAttributes';
import type { enforcementPublication } from '../workflows/enforcementPublication';
import type { majorDecision } from '../workflows/majorDecision';
import * as msg from '../workflows/messages';
import { calendarUpdated, enforcementStatusQuery, publishNotice, takeDownNotice } from '../workflows/messages';

/** Input that does not match its schema; nothing was sent. */
export class InvalidInput extends Error {
  override name = 'InvalidInput';
}

/** The decision refused an action (wrong step, closed decision, bad input caught by the workflow's validator). */
export class DecisionRefused extends Error {
  override name = 'DecisionRefused';
}

export const workflowIdFor = (decisionId: string) => `decision-${decisionId}`;

function validated<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new InvalidInput(`Invalid ${what}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

export class DecisionHandle {
  constructor(readonly handle: WorkflowHandle<typeof majorDecision>) {}

  get workflowId(): string {
    return this.handle.workflowId;
  }

  status(): Promise<DecisionStatus> {
    return this.handle.query(msg.statusQuery);
  }

  /** Waits until the decision is closed (published or rejected) and returns its final status. */
  result(): Promise<DecisionStatus> {
    return this.handle.result();
  }

  openConsultation = this.step(msg.openConsultation, OpenConsultationSchema);
  completePublicParticipation = this.step(msg.completePublicParticipation, PublicParticipationReportSchema);
  completeExpertReview = this.step(msg.completeExpertReview, ExpertReviewSchema);
  completeRiskAssessment = this.step(msg.completeRiskAssessment, RiskAssessmentSchema);
  completeLegalityReview = this.step(msg.completeLegalityReview, LegalityReviewSchema);
  recordCollectiveDecision = this.step(msg.recordCollectiveDecision, CollectiveDecisionSchema);
  recordPublication = this.step(msg.recordPublication, PublicationSchema);

  private step<S extends z.ZodType<{ requestId: string }>>(update: UpdateDefinition<StepAck, [z.infer<S>]>, schema: S) {
    return (input: z.input<S>) => sendUpdate(this.handle, update, schema, input);
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
    if (err instanceof WorkflowUpdateFailedError) throw new DecisionRefused(err.cause?.message ?? err.message);
    throw err;
  }
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

export class JueceClient {
  constructor(
    readonly client: Client,
    readonly taskQueue: string,
  ) {}

  static async connect(o: { address: string; namespace: string; taskQueue: string }): Promise<JueceClient> {
    const connection = await Connection.connect({ address: o.address });
    return new JueceClient(new Client({ connection, namespace: o.namespace }), o.taskQueue);
  }

  /** Starts a decision from its proposal; its workflow id is `decision-<decisionId>`. */
  async startDecision(proposal: unknown): Promise<DecisionHandle> {
    const p = validated(ProposalSchema, proposal, 'proposal');
    try {
      const handle = await this.client.workflow.start<typeof majorDecision>('majorDecision', {
        taskQueue: this.taskQueue,
        workflowId: workflowIdFor(p.decisionId),
        args: [p],
        typedSearchAttributes: [{ key: JueceAuthority, value: p.authority.code }],
      });
      return new DecisionHandle(handle);
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw new DecisionRefused(`Decision ${p.decisionId} already exists (workflow ${workflowIdFor(p.decisionId)}).`);
      }
      throw err;
    }
  }

  /** Records an enforcement decision; its workflow id is `enforcement-<caseId>`. */
  async recordEnforcementDecision(input: EnforcementDecision): Promise<EnforcementHandle> {
    const c = validated(EnforcementDecisionSchema, input, 'enforcement decision');
    try {
      const handle = await this.client.workflow.start<typeof enforcementPublication>('enforcementPublication', {
        taskQueue: this.taskQueue,
        workflowId: `enforcement-${c.caseId}`,
        args: [c],
        typedSearchAttributes: [{ key: JueceAuthority, value: c.authority.code }],
      });
      return new EnforcementHandle(handle);
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new DecisionRefused(`Case ${c.caseId} is already recorded.`);
      throw err;
    }
  }

  enforcement(caseId: string): EnforcementHandle {
    return new EnforcementHandle(this.client.workflow.getHandle<typeof enforcementPublication>(`enforcement-${caseId}`));
  }

  /**
   * Tells every running workflow whose deadline is provisional that the calendar changed (a new year's schedule
   * was added), so it recomputes its deadline. Returns the workflow ids told.
   */
  async announceCalendarUpdate(): Promise<string[]> {
    const told: string[] = [];
    for await (const wf of this.client.workflow.list({ query: `${JueceDeadlineProvisional.name} = true AND ExecutionStatus = "Running"` })) {
      await this.client.workflow.getHandle(wf.workflowId, wf.runId).signal(calendarUpdated);
      told.push(wf.workflowId);
    }
    return told;
  }

  decision(decisionId: string): DecisionHandle {
    return new DecisionHandle(this.client.workflow.getHandle<typeof majorDecision>(workflowIdFor(decisionId)));
  }

  async close(): Promise<void> {
    await this.client.connection.close();
  }
}
