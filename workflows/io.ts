/**
 * How workflow code reaches the outside world and takes its input: every activity through one proxy (the deadline
 * arithmetic through a local one), retried with backoff and no maximum of attempts (an event, a notice or a deadline
 * waits for its server rather than being lost), and input parsed with its zod schema, a bad one failing the workflow
 * at once with the reasons.
 */
import { ApplicationFailure, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { z } from 'zod';
import type { Activities } from '../activities';
import { describeZodError } from '../domain/schemas';
import { release10 } from './patches';

const options = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
} as const;

export const io = proxyActivities<Activities>(options);

type Arithmetic = Pick<Activities, 'computeDeadline' | 'workingDaysEarly'>;
const local = proxyLocalActivities<Arithmetic>(options);

/**
 * The working-day arithmetic: since release 10 a local activity (run by the worker within the workflow task, its
 * result recorded as a marker), before it an activity through the server; a run replays as it ran.
 */
export function arithmetic(): Arithmetic {
  return release10() ? local : io;
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string, type: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`Invalid ${what}: ${describeZodError(parsed.error)}`, type);
  return parsed.data;
}
