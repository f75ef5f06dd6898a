/**
 * How workflow code reaches the outside world and takes its input: every activity through one proxy, retried with
 * backoff and no maximum of attempts (an event, a notice or a deadline waits for its server rather than being
 * lost), and input parsed with its zod schema, a bad one failing the workflow at once with the reasons.
 */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { z } from 'zod';
import type { Activities } from '../activities';
import { describeZodError } from '../domain/schemas';

export const io = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string, type: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`Invalid ${what}: ${describeZodError(parsed.error)}`, type);
  return parsed.data;
}
