/**
 * The source of every procedure event, read back from Temporal: a workflow records each event and hands it, in
 * order, to the `publishEvents` activity (since release 11 first to the local `publishEventsLocally`, whose result,
 * the events, is recorded in its marker), so those activities' input and markers in its history (over every run of
 * a continued workflow) are the events exactly as they were published. The record is repaired from here when the stream has
 * lost an event, and checked against it (the workflow is the one writer; the record stores what it was told).
 */
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { caseWorkflowId, workflowIdFor } from '../client';
import { ProcedureEventSchema, type ProcedureEvent, type RecordKind } from '../domain/events';

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/** Activities whose input is procedure events (publishEvent: runs before events were batched). */
const PUBLISHING_ACTIVITIES = new Set(['publishEvents', 'publishEvent']);
/** The local activity that publishes since release 11: its result, recorded in the SDK's marker, is the events. */
const LOCAL_PUBLISHING_ACTIVITY = 'publishEventsLocally';
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

export const workflowIdOf = (kind: RecordKind, decisionId: string) =>
  kind === 'enforcement' ? caseWorkflowId(decisionId) : kind === 'catalog' ? `catalog-${decisionId}` : workflowIdFor(decisionId);

/** Where a workflow stands as a source: the latest run, and the highest event it has handed for publication. */
export interface SourceHorizon {
  workflowId: string;
  runId: string;
  /** The highest sequence number any run has handed to be published (0: none yet). */
  seq: number;
  /** The workflow has closed: nothing will be added. */
  closed: boolean;
  /** runId:historyLength of the latest run: unchanged means nothing new since it was last read. */
  mark: string;
}

export interface EventSource {
  /** What the workflow has published so far; undefined when Temporal no longer has it (retention) or never had it. */
  horizon(kind: RecordKind, decisionId: string): Promise<SourceHorizon | undefined>;
  /** The events numbered `from` to `to` (inclusive), as published, read from the workflow's runs from the latest back. */
  events(kind: RecordKind, decisionId: string, from: number, to: number): Promise<ProcedureEvent[]>;
  /** Decisions and cases whose workflows started at or after `since`, at most `limit` (to find a record that never began). */
  startedSince(since: Date, limit?: number): Promise<{ kind: RecordKind; decisionId: string }[]>;
  /** Cheap: the latest run's mark, without reading its history. */
  mark(kind: RecordKind, decisionId: string): Promise<string | undefined>;
}

interface RunEvents {
  runId: string;
  previousRunId?: string;
  events: ProcedureEvent[];
  closed: boolean;
  length: number;
}

/** Reads one run's history: the events it handed for publication, the run it continued, whether it has closed. */
async function readRun(client: Client, workflowId: string, runId?: string): Promise<RunEvents> {
  // The run named first, then its history: a run that continues as new meanwhile is still the one read.
  const id = runId ?? (await client.workflow.getHandle(workflowId).describe()).runId;
  const history = await client.workflow.getHandle(workflowId, id).fetchHistory();
  const all = history.events ?? [];
  const started = all[0]?.workflowExecutionStartedEventAttributes;
  const events: ProcedureEvent[] = [];
  for (const h of all) events.push(...publishedIn(h));
  const last = all.at(-1);
  const closed = Boolean(
    last &&
      (last.workflowExecutionCompletedEventAttributes ||
        last.workflowExecutionFailedEventAttributes ||
        last.workflowExecutionTerminatedEventAttributes ||
        last.workflowExecutionCanceledEventAttributes ||
        last.workflowExecutionTimedOutEventAttributes ||
        last.workflowExecutionContinuedAsNewEventAttributes),
  );
  return {
    runId: id,
    previousRunId: started?.continuedExecutionRunId || undefined,
    events,
    closed,
    length: all.length,
  };
}

function publishedIn(h: HistoryEvent): ProcedureEvent[] {
  const value = handedToPublish(h);
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.flatMap((v) => {
    const parsed = ProcedureEventSchema.safeParse(v);
    return parsed.success ? [parsed.data] : [];
  });
}

/** The events an event of the history holds: a publishing activity's input, or a local one's result (release 11). */
function handedToPublish(h: HistoryEvent): unknown {
  const a = h.activityTaskScheduledEventAttributes;
  if (a) {
    if (!PUBLISHING_ACTIVITIES.has(a.activityType?.name ?? '')) return undefined;
    const [payload] = a.input?.payloads ?? [];
    return payload ? defaultPayloadConverter.fromPayload<unknown>(payload) : undefined;
  }
  const m = h.markerRecordedEventAttributes;
  if (m?.markerName !== LOCAL_ACTIVITY_MARKER) return undefined;
  const [about] = m.details?.data?.payloads ?? [];
  const [result] = m.details?.result?.payloads ?? []; // none when the attempt failed
  if (!about || !result) return undefined;
  const { activity_type } = defaultPayloadConverter.fromPayload<{ activity_type?: string }>(about);
  if (activity_type !== LOCAL_PUBLISHING_ACTIVITY) return undefined;
  return defaultPayloadConverter.fromPayload<{ events?: unknown }>(result).events;
}

const notFound = (err: unknown) => err instanceof WorkflowNotFoundError || (err as { code?: number })?.code === 5;

/**
 * `taskQueue`: the workflows to look for when finding a record that never began are those on this task queue (one
 * juece deployment's); without it, every juece workflow of the namespace.
 */
export function temporalEventSource(client: Client, o: { taskQueue?: string } = {}): EventSource {
  return {
    async horizon(kind, decisionId) {
      const workflowId = workflowIdOf(kind, decisionId);
      try {
        const latest = await readRun(client, workflowId);
        const open = !latest.closed;
        // The latest run may have published nothing yet: what it carried was published by the run before.
        let run: RunEvents | undefined = latest;
        let seq = 0;
        while (run) {
          seq = Math.max(0, ...run.events.map((e) => e.seq));
          if (seq || !run.previousRunId) break;
          run = await readRun(client, workflowId, run.previousRunId).catch(() => undefined);
        }
        return { workflowId, runId: latest.runId, seq, closed: !open, mark: `${latest.runId}:${latest.length}` };
      } catch (err) {
        if (notFound(err)) return undefined;
        throw err;
      }
    },

    async events(kind, decisionId, from, to) {
      const workflowId = workflowIdOf(kind, decisionId);
      const found = new Map<number, ProcedureEvent>();
      let runId: string | undefined;
      let first = true;
      while (first || runId) {
        let run: RunEvents;
        try {
          run = await readRun(client, workflowId, runId);
        } catch (err) {
          if (notFound(err)) break; // older runs past retention: what is left cannot be had from here
          throw err;
        }
        first = false;
        for (const e of run.events) if (e.seq >= from && e.seq <= to && !found.has(e.seq)) found.set(e.seq, e);
        const lowest = Math.min(...run.events.map((e) => e.seq));
        if (found.size === to - from + 1 || (run.events.length && lowest <= from)) break;
        runId = run.previousRunId;
      }
      return [...found.values()].sort((a, b) => a.seq - b.seq);
    },

    async startedSince(since, limit = Infinity) {
      const found: { kind: RecordKind; decisionId: string }[] = [];
      const onQueue = o.taskQueue ? ` AND TaskQueue = '${o.taskQueue.replace(/'/g, "''")}'` : '';
      const query = `(WorkflowType = 'majorDecision' OR WorkflowType = 'enforcementPublication' OR WorkflowType = 'enforcementLegalReview' OR WorkflowType = 'annualCatalog') AND StartTime >= '${since.toISOString()}'${onQueue}`;
      for await (const wf of client.workflow.list({ query })) {
        const m = /^(decision|enforcement|catalog)-(.+)$/.exec(wf.workflowId);
        if (m) found.push({ kind: m[1] === 'enforcement' ? 'enforcement' : m[1] === 'catalog' ? 'catalog' : 'majorDecision', decisionId: m[2]! });
        if (found.length >= limit) break;
      }
      return found;
    },

    async mark(kind, decisionId) {
      try {
        const d = await client.workflow.getHandle(workflowIdOf(kind, decisionId)).describe();
        return `${d.runId}:${d.historyLength}`;
      } catch (err) {
        if (notFound(err)) return undefined;
        throw err;
      }
    },
  };
}
