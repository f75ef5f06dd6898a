/**
 * The benchmark's baseline: a workflow with no procedure logic at all that takes exactly the Updates of one juece
 * decision and runs exactly its activities, spread over its Updates as that decision's histories (every run of
 * it) spread them. Each activity publishes one event to the same JetStream as juece's (publishEvent).
 *
 * The shape comes from juece's histories (bench/procedure.ts, `shapeOf`): the activities scheduled after the start
 * and before the first Update, and for each Update those its handler waited for (scheduled before the workflow task
 * that answered it) and those scheduled with its answer or after it, before the next Update. The handler runs the
 * first kind together and answers when they are done, as juece's handlers schedule theirs in one workflow task (their
 * events may reach the stream out of order with the background's; the projector holds one until the other is in);
 * the others run in the background one after another, in the order they were asked for, as juece publishes its
 * events in order. The workflow ends once every Update is answered and every activity is done.
 */
import { condition, defineUpdate, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { publishEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** How many activities a decision ran where: at the start, and in and after each Update's handler. */
export interface DecisionShape {
  start: number;
  updates: { inHandler: number; after: number }[];
}

export interface BaselineInput {
  decisionId: string;
  shape: DecisionShape;
}

/** The u-th Update (0-based); answers the number of events published so far. */
export const baselineStep = defineUpdate<number, [number]>('baselineStep');

export async function baselineDecision(o: BaselineInput): Promise<{ updates: number; activities: number }> {
  let seq = 0;
  let done = 0;
  let activities = 0;
  const publish = () => {
    seq++;
    activities++;
    const { workflowId, runId } = workflowInfo();
    return publishEvent({
      schema: 'juece.event.v1',
      decisionId: o.decisionId,
      authority: 'bench-baseline',
      seq,
      type: 'commentsRecorded',
      at: new Date().toISOString(),
      summary: `baseline event ${seq}`,
      workflowId,
      runId,
    });
  };
  // The background: one activity after another, in the order asked for.
  let chain: Promise<unknown> = Promise.resolve();
  const inBackground = (n: number) => {
    for (let i = 0; i < n; i++) chain = chain.then(publish);
  };
  const inHandler: Promise<unknown>[] = [];

  inBackground(o.shape.start);
  setHandler(baselineStep, async (u: number) => {
    const step = o.shape.updates[u];
    if (!step) throw new Error(`the baseline takes ${o.shape.updates.length} Updates, not Update ${u}`);
    const waited = Promise.all(Array.from({ length: step.inHandler }, () => publish()));
    inHandler.push(waited);
    await waited;
    inBackground(step.after);
    done++;
    return seq;
  });
  await condition(() => done >= o.shape.updates.length);
  await Promise.all([chain, ...inHandler]);
  return { updates: done, activities };
}
