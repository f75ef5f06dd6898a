/**
 * juece's own metrics (运行指标), in the Prometheus text format (prom-client): one registry per process, the
 * process's CPU, memory and event-loop figures in it, and the figures of what juece does. The README lists them all.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A process's registry, with Node's own process metrics (process_*, nodejs_*). */
export function processRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Requests the HTTP API served: by method, route (its template: /decisions/:id) and status. */
export interface HttpMetrics {
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route' | 'status'>;
}

export function httpMetrics(registry: Registry): HttpMetrics {
  return {
    requests: new Counter({
      name: 'juece_http_requests_total',
      help: 'HTTP requests answered by the API, by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'juece_http_request_duration_seconds',
      help: 'Time the API took to answer, by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

/** Public comments taken in (公开征求意见, art. 15): through the API or over NATS. rate() of the counter is the intake rate. */
export interface CommentMetrics {
  comments: Counter<'outcome'>;
  batches: Counter<'outcome'>;
}

export function commentMetrics(registry: Registry): CommentMetrics {
  return {
    comments: new Counter({
      name: 'juece_comments_received_total',
      help: 'Public comments received: accepted (stored) or duplicate (the same text from the same submitter again)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    batches: new Counter({
      name: 'juece_comment_batches_total',
      help: 'Batches of comments submitted: stored, invalid (refused whole) or closed (the comment period is over)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
}

/** Commands answered over NATS (juece.commands.*), by command and outcome (ok, or the error code). */
export function commandMetrics(registry: Registry): Counter<'command' | 'outcome'> {
  return new Counter({
    name: 'juece_commands_total',
    help: 'Commands answered over NATS, by command and outcome (ok, invalid, refused, closed, notFound, internal)',
    labelNames: ['command', 'outcome'],
    registers: [registry],
  });
}

/** A gauge whose values are read when scraped (`read` sets them; a failure leaves it empty: /readyz says why). */
export function scrapedGauge<L extends string>(
  registry: Registry,
  o: { name: string; help: string; labelNames: L[]; read: (g: Gauge<L>) => Promise<void> },
): Gauge<L> {
  const g: Gauge<L> = new Gauge<L>({
    name: o.name,
    help: o.help,
    labelNames: o.labelNames,
    registers: [registry],
    async collect() {
      g.reset();
      await o.read(g).catch(() => undefined);
    },
  });
  return g;
}
