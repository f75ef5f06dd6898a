/**
 * All of juece's I/O, as Temporal activities. Built from their dependencies by the worker.
 */
import type { NatsConnection } from 'nats';
import type { CalendarProvider } from '../infra/calendarData';
import { createDeadlineActivities } from './deadlines';
import { createEventActivities } from './events';
import { createNoticeActivities } from './notices';

export interface ActivityDeps {
  nats: NatsConnection;
  calendars: CalendarProvider;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createEventActivities(deps.nats),
    ...createNoticeActivities(deps.nats),
    ...createDeadlineActivities(deps.calendars),
  };
}

export type Activities = ReturnType<typeof createActivities>;
