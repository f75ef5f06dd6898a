/**
 * The benchmark's baseline: a workflow that takes the same number of Updates and runs the same number of
 * activities (the same publishEvent, to the same JetStream) as a juece decision, with no procedure logic at all.
 */
import { condition, defineUpdate, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { publishEvent } = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds' });

export const baselineStep = defineUpdate<number, [number]>('baselineStep');

export async function baselineDecision(o: { decisionId: string; updates: number; activitiesPerUpdate: number }): Promise<number> {
  let done = 0;
  let seq = 0;
  setHandler(baselineStep, async () => {
    for (let i = 0; i < o.activitiesPerUpdate; i++) {
      seq++;
      await publishEvent({
        schema: 'juece.event.v1',
        decisionId: o.decisionId,
        authority: 'bench-baseline',
        seq,
        type: 'commentsRecorded',
        at: new Date().toISOString(),
        summary: `baseline event ${seq}`,
        workflowId: workflowInfo().workflowId,
        runId: workflowInfo().runId,
      });
    }
    done++;
    return seq;
  });
  await condition(() => done >= o.updates);
  return seq;
}
