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
import { JueceAuthority } from '../domain/searchAttributes';
import type { majorDecision } from '../workflows/majorDecision';
import * as msg from '../workflows/messages';

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

  /** One step's Update: validated, sent with its request id as the Update id (a repeat is answered once). */
  private step<S extends z.ZodType<{ requestId: string }>>(update: UpdateDefinition<StepAck, [z.infer<S>]>, schema: S) {
    return async (input: z.input<S>): Promise<StepAck> => {
      const args = validated(schema, input, update.name);
      try {
        return await this.handle.executeUpdate(update, { args: [args], updateId: args.requestId });
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) {
          throw new DecisionRefused(err.cause?.message ?? err.message);
        }
        throw err;
      }
    };
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

  decision(decisionId: string): DecisionHandle {
    return new DecisionHandle(this.client.workflow.getHandle<typeof majorDecision>(workflowIdFor(decisionId)));
  }

  async close(): Promise<void> {
    await this.client.connection.close();
  }
}
