/**
 * The projector's metrics: how far behind the stream the procedure record is, what it recorded, repaired and lost,
 * and where the decisions stand as the record holds them (read from the read model when scraped).
 */
import type { NatsConnection } from 'nats';
import { Counter, type Registry } from 'prom-client';
import { EVENTS_STREAM } from '../domain/events';
import { scrapedGauge } from '../infra/metrics';
import type { Queryable } from '../store/db';
import { decisionsByOpenStep, decisionsByStanding, overdueDecisions } from '../store/standing';
import type { Projector, ProjectorStats } from './projector';

/** Registers the projector's metrics in `registry`. */
export function registerProjectorMetrics(registry: Registry, o: { projector: Projector; nc: NatsConnection; db: Queryable; durable: string }): void {
  scrapedGauge(registry, {
    name: 'juece_projector_events_behind',
    help: 'Events in the stream after the last one recorded: delivered but not yet committed, or not yet delivered (0: caught up)',
    labelNames: ['consumer'],
    read: async (g) => {
      const info = await (await o.nc.jetstreamManager()).consumers.info(EVENTS_STREAM, o.durable);
      g.set({ consumer: o.durable }, info.num_pending + info.num_ack_pending);
    },
  });
  scrapedGauge(registry, {
    name: 'juece_projector_stream_last_seq',
    help: 'The last sequence number of the events stream, and the last one this projector recorded',
    labelNames: ['of'],
    read: async (g) => {
      const jsm = await o.nc.jetstreamManager();
      const [stream, consumer] = await Promise.all([jsm.streams.info(EVENTS_STREAM), jsm.consumers.info(EVENTS_STREAM, o.durable)]);
      g.set({ of: 'stream' }, stream.state.last_seq);
      g.set({ of: 'recorded' }, consumer.ack_floor.stream_seq);
    },
  });
  const outcomes: [string, keyof ProjectorStats][] = [
    ['recorded', 'applied'],
    ['duplicate', 'duplicates'],
    ['held', 'held'],
    ['repaired', 'repaired'],
    ['unrepairable', 'unrepairable'],
    ['rejected', 'rejected'],
    ['failed', 'failures'],
  ];
  const events: Counter<'outcome'> = new Counter({
    name: 'juece_projector_events_total',
    help: 'Events handled since the process started: recorded, duplicate (skipped), held behind a gap, repaired from the workflow, unrepairable, rejected (not an event), failed (redelivered)',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      events.reset();
      for (const [outcome, key] of outcomes) events.inc({ outcome }, Number(o.projector.stats[key]));
    },
  });
  const losses: Counter = new Counter({
    name: 'juece_projector_stream_losses_total',
    help: 'Times the events stream was found to hold fewer messages than it had handed out (a damaged file)',
    registers: [registry],
    collect() {
      losses.reset();
      losses.inc(o.projector.stats.streamLosses);
    },
  });
  scrapedGauge(registry, {
    name: 'juece_projector_gaps_open',
    help: 'Records with events held behind a missing one (repaired from the workflow after a few seconds)',
    labelNames: [],
    read: async (g) => g.set(o.projector.stats.gapsOpen),
  });

  scrapedGauge(registry, {
    name: 'juece_decisions',
    help: 'Decisions, enforcement cases and catalogs in the procedure record, by kind, status and furthest open step ("" for none)',
    labelNames: ['kind', 'status', 'step'],
    read: async (g) => {
      for (const r of await decisionsByStanding(o.db)) g.set({ kind: r.kind, status: r.status, step: r.step }, r.count);
    },
  });
  scrapedGauge(registry, {
    name: 'juece_decisions_open_step',
    help: 'Decisions waiting on each step, by kind (steps open side by side each count)',
    labelNames: ['kind', 'step'],
    read: async (g) => {
      for (const r of await decisionsByOpenStep(o.db)) g.set({ kind: r.kind, step: r.step }, r.count);
    },
  });
  scrapedGauge(registry, {
    name: 'juece_deadlines_overdue',
    help: 'Decisions a statutory deadline of which has run out and is not yet met (逾期), by kind and furthest open step',
    labelNames: ['kind', 'step'],
    read: async (g) => {
      for (const r of await overdueDecisions(o.db)) g.set({ kind: r.kind, step: r.step }, r.count);
    },
  });
}
