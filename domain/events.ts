/**
 * Procedure events, published to NATS JetStream so that the outside world sees every step as it happens.
 * Versioned: consumers check `schema` before reading the rest.
 */
import { z } from 'zod';
import { ActorSchema, DeadlineSpecSchema, EventTypeSchema, StepNameSchema } from './schemas';
export { EventTypeSchema, type EventType } from './schemas';

export const EVENT_SCHEMA_V1 = 'juece.event.v1';
export const EVENTS_STREAM = 'JUECE_EVENTS';
export const EVENTS_SUBJECT_PREFIX = 'juece.events';


export const ProcedureEventSchema = z.object({
  schema: z.literal(EVENT_SCHEMA_V1),
  decisionId: z.string(),
  authority: z.string(),
  /** 1, 2, 3, … per decision, in the order things happened. */
  seq: z.number().int().positive(),
  type: EventTypeSchema,
  at: z.string(),
  step: StepNameSchema.optional(),
  actor: ActorSchema.optional(),
  summary: z.string(),
  /** The rule (article) this event satisfied or applied. */
  basis: z.string().optional(),
  draftVersion: z.number().int().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
  deadline: DeadlineSpecSchema.extend({ workingDaysEarly: z.number().int().optional() }).optional(),
  workflowId: z.string(),
  runId: z.string(),
});
export type ProcedureEvent = z.infer<typeof ProcedureEventSchema>;

/** `juece.events.<authority>.<decisionId>.<type>`: subscribe per authority, per decision or per event type. */
export function eventSubject(e: Pick<ProcedureEvent, 'authority' | 'decisionId' | 'type'>): string {
  return `${EVENTS_SUBJECT_PREFIX}.${e.authority}.${e.decisionId}.${e.type}`;
}

/** JetStream message id: the same event retried is stored once. */
export function eventMessageId(e: Pick<ProcedureEvent, 'workflowId' | 'runId' | 'seq'>): string {
  return `${e.workflowId}/${e.runId}/${e.seq}`;
}
