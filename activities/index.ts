/**
 * All of juece's I/O, as Temporal activities. Built from their dependencies by the worker.
 */
import type { NatsConnection } from 'nats';
import type { CalendarProvider } from '../infra/calendarData';
import { createDeadlineActivities } from './deadlines';
import { createEventActivities } from './events';
import { createNoticeActivities } from './notices';
import { createPoolActivities } from './pools';

export interface ActivityDeps {
  nats: NatsConnection;
  calendars: CalendarProvider;
  /** Folder that receives a copy of every notice (embedded defaults); none when undefined. */
  noticeOutbox?: string;
  /** Folder of the authorities' expert pools (JUECE_POOL_DIR); default: the ones shipped in pools/. */
  poolDir?: string;
  /** JetStream replicas of the events and notices streams, when the activities create them; default 1. */
  streamReplicas?: number;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createEventActivities(deps.nats, { replicas: deps.streamReplicas }),
    ...createNoticeActivities(deps.nats, deps.noticeOutbox, { replicas: deps.streamReplicas }),
    ...createDeadlineActivities(deps.calendars),
    ...createPoolActivities(deps.poolDir),
  };
}

export type Activities = ReturnType<typeof createActivities>;
