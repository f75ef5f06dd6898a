/**
 * All of juece's I/O, as Temporal activities. Built from their dependencies by the worker.
 */
import type { NatsConnection } from 'nats';
import { createEventActivities } from './events';

export interface ActivityDeps {
  nats: NatsConnection;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createEventActivities(deps.nats),
  };
}

export type Activities = ReturnType<typeof createActivities>;
