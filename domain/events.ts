/**
 * Procedure events, published to NATS JetStream so that the outside world sees every step as it happens.
 * Versioned: consumers check `schema` before reading the rest.
 */
import { z } from 'zod';
import { ActorSchema, DeadlineSpecSchema, EventTypeSchema, StandingSchema, StepNameSchema } from './schemas';
export { EventTypeSchema, type EventType } from './schemas';

export const EVENT_SCHEMA_V1 = 'juece.event.v1';
export const EVENTS_STREAM = 'JUECE_EVENTS';
export const EVENTS_SUBJECT_PREFIX = 'juece.events';


/** What a record is of: a major decision (majorDecision), an enforcement case (enforcementPublication) or an authority's annual catalog (annualCatalog). */
export const RECORD_KINDS = ['majorDecision', 'enforcement', 'catalog'] as const;
export const RecordKindSchema = z.enum(RECORD_KINDS);
export type RecordKind = z.infer<typeof RecordKindSchema>;

export { StandingSchema, type Standing } from './schemas';

export const ProcedureEventSchema = z.object({
  schema: z.literal(EVENT_SCHEMA_V1),
  /** Absent on events of runs started before records were keyed by kind (then the workflow id tells it). */
  kind: RecordKindSchema.optional(),
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
  /** Absent only on events of runs started before the workflow said where it stands. */
  standing: StandingSchema.optional(),
  workflowId: z.string(),
  runId: z.string(),
});
export type ProcedureEvent = z.infer<typeof ProcedureEventSchema>;

/** `juece.events.<authority>.<decisionId>.<type>`: subscribe per authority, per decision or per event type. */
export function eventSubject(e: Pick<ProcedureEvent, 'authority' | 'decisionId' | 'type'>): string {
  return `${EVENTS_SUBJECT_PREFIX}.${e.authority}.${e.decisionId}.${e.type}`;
}

/** The kind of record an event belongs to (older events name none: their workflow id tells it). */
export function recordKindOf(e: Pick<ProcedureEvent, 'kind' | 'workflowId'>): RecordKind {
  return e.kind ?? (e.workflowId.startsWith('enforcement-') ? 'enforcement' : e.workflowId.startsWith('catalog-') ? 'catalog' : 'majorDecision');
}

/**
 * JetStream message id: the same event retried is stored once. Sequence numbers run on across continue-as-new,
 * so the id names the workflow and the sequence number, not the run.
 */
export function eventMessageId(e: Pick<ProcedureEvent, 'workflowId' | 'runId' | 'seq' | 'kind'>): string {
  return e.kind ? `${e.workflowId}/${e.seq}` : `${e.workflowId}/${e.runId}/${e.seq}`;
}
