/**
 * What a workflow's histories say of the work it took, every run of it in order (a decision continues as new into
 * execution, and whenever it has taken many actions): its runs, Updates, activities and workflow tasks, and how its
 * activities fall around its Updates, which the benchmark's baseline (bench/baseline.ts) repeats.
 */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { DecisionShape } from './baseline';

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Every run of a workflow, first to last, following continue-as-new from `firstRunId`. */
export async function historiesOf(client: Client, workflowId: string, firstRunId: string): Promise<HistoryEvent[][]> {
  const runs: HistoryEvent[][] = [];
  for (let runId: string | undefined = firstRunId; runId; ) {
    const events: HistoryEvent[] = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    runs.push(events);
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

/** What the history of one decision (all its runs) says. */
export interface Counted {
  runs: number;
  updates: number;
  activities: number;
  /** Of the activities, those run as local activities (a marker in the history, no round trip through the server). */
  localActivities: number;
  workflowTasks: number;
  /** History events in all, and of them search attribute upserts (each one a visibility write on the server). */
  historyEvents: number;
  upserts: number;
}

/**
 * The shape of one decision from its histories, every run in order (the chain of continue-as-new): activities
 * scheduled before the first Update; for each Update, those its handler waited for (scheduled from the workflow
 * task that accepted it up to, not including, the task that answered it) and the rest until the next Update is
 * accepted (scheduled with the answer or after it: the workflow goes on without the client waiting).
 */
export function shapeOf(runs: HistoryEvent[][]): { shape: DecisionShape; names: string[]; counted: Counted } {
  const shape: DecisionShape = { start: 0, updates: [] };
  const names: string[] = [];
  const counted: Counted = { runs: runs.length, updates: 0, activities: 0, localActivities: 0, workflowTasks: 0, historyEvents: 0, upserts: 0 };
  for (const events of runs) {
    // The workflow task whose commands follow (an event after WorkflowTaskCompleted n is a command of task n).
    let task = 0;
    // Activities scheduled since the last Update was accepted, by the task that scheduled them (a local one: that ran it).
    let pending: { task: number; local: boolean }[] = [];
    let open: { id: string | undefined; task: number } | undefined;
    const settle = (completedInTask: number | undefined) => {
      const last = shape.updates.at(-1);
      if (!last) return;
      for (const { task: t, local } of pending) {
        // A local activity's marker is recorded by the task that ran it: before the answer in that task, waited for.
        if (completedInTask !== undefined && open && t >= open.task && (t < completedInTask || (local && t === completedInTask))) last.inHandler++;
        else last.after++;
      }
      pending = [];
    };
    for (const e of events) {
      counted.historyEvents++;
      if (e.upsertWorkflowSearchAttributesEventAttributes) counted.upserts++;
      if (e.workflowTaskStartedEventAttributes) counted.workflowTasks++;
      if (e.workflowTaskCompletedEventAttributes) task++;
      const accepted = e.workflowExecutionUpdateAcceptedEventAttributes;
      if (accepted) {
        settle(undefined); // whatever the last Update's handler did not wait for
        counted.updates++;
        shape.updates.push({ inHandler: 0, after: 0 });
        names.push(accepted.acceptedRequest?.input?.name ?? '?');
        open = { id: accepted.acceptedRequest?.meta?.updateId ?? undefined, task };
      }
      const completed = e.workflowExecutionUpdateCompletedEventAttributes;
      if (completed && open && completed.meta?.updateId === open.id) {
        // Activities scheduled in an earlier task than the one that answered: the handler waited for them.
        settle(task);
        open = undefined;
      }
      const local = e.markerRecordedEventAttributes?.markerName === 'core_local_activity';
      if (e.activityTaskScheduledEventAttributes || local) {
        counted.activities++;
        if (local) counted.localActivities++;
        if (shape.updates.length) pending.push({ task, local });
        else shape.start++;
      }
    }
    settle(undefined);
  }
  return { shape, names, counted };
}

