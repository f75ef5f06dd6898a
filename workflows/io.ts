/**
 * How workflow code reaches the outside world and takes its input: every activity through one proxy (the deadline
 * arithmetic, and first the publication of events, through local ones), retried with backoff and no maximum of
 * attempts (an event, a notice or a deadline waits for its server rather than being lost), and input parsed with its
 * zod schema, a bad one failing the workflow at once with the reasons.
 */
import { ApplicationFailure, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { z } from 'zod';
import type { Activities } from '../activities';
import type { ProcedureEvent } from '../domain/events';
import { describeZodError } from '../domain/schemas';
import { release10, release11 } from './patches';

const options = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
} as const;

export const io = proxyActivities<Activities>(options);

type Arithmetic = Pick<Activities, 'computeDeadline' | 'workingDaysEarly'>;
const local = proxyLocalActivities<Arithmetic>(options);

/**
 * Since release 11 a workflow runs one local activity at a time, each after the one before has answered. Live, the
 * answers of two at once come back in the order they finish; on replay, in the order they were asked: the code
 * after them would run in another order and ask for other commands (a non-determinism error).
 */
let lastLocal: Promise<unknown> = Promise.resolve();
function inTurn<T>(call: () => Promise<T>): Promise<T> {
  const turn = lastLocal.then(call, call);
  lastLocal = turn.then(
    () => undefined,
    () => undefined,
  );
  return turn;
}

const localInTurn: Arithmetic = {
  computeDeadline: (request) => inTurn(() => local.computeDeadline(request)),
  workingDaysEarly: (request) => inTurn(() => local.workingDaysEarly(request)),
};

/**
 * The working-day arithmetic: since release 10 a local activity (run by the worker within the workflow task, its
 * result recorded as a marker), since release 11 one at a time; before release 10 an activity through the server;
 * a run replays as it ran.
 */
export function arithmetic(): Arithmetic {
  return release11() ? localInTurn : release10() ? local : io;
}

const quick = proxyLocalActivities<Pick<Activities, 'publishEventsLocally'>>({
  // Within the workflow task's own time (the SDK keeps a task open 80% of its 10 s timeout for local activities).
  startToCloseTimeout: '2 seconds',
  scheduleToCloseTimeout: '6 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumAttempts: 3 },
});

/**
 * Publishes a batch of one workflow's events. Since release 11 first as a local activity, inside the workflow task
 * (no round trip through the server; its marker holds the events); if NATS does not take them within seconds,
 * through the server's activity, which waits for NATS as long as it takes without growing the history (JetStream
 * drops what the local attempt had published already: message ids). Before release 11 through the server's activity.
 */
export async function publishEvents(batch: ProcedureEvent[]): Promise<void> {
  if (release11()) {
    try {
      await inTurn(() => quick.publishEventsLocally(batch));
      return;
    } catch {
      // NATS is away or slow: the server's activity retries until it is back.
    }
  }
  await io.publishEvents(batch);
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string, type: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`Invalid ${what}: ${describeZodError(parsed.error)}`, type);
  return parsed.data;
}
