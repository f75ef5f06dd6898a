/**
 * What an operator asks a running process (运维接口): /livez (the process is up), /readyz (the servers it needs
 * answer: Temporal, NATS, PostgreSQL; 503 naming the ones that do not) and /metrics (Prometheus text). The API serves
 * them on its own port; the worker, projector and commands process on a small listener of their own.
 */
import { createServer, type Server } from 'node:http';
import type { NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import type { Queryable } from '../store/db';

/** One server a process needs, and how to ask it whether it answers. */
export interface Check {
  name: 'temporal' | 'nats' | 'postgres' | 'worker';
  probe(timeoutMs: number): Promise<unknown>;
}

export interface Readiness {
  ready: boolean;
  /** The dependencies that did not answer, by name. */
  failed: string[];
  checks: Record<string, { ok: boolean; ms: number; error?: string }>;
}

/** Asks every dependency at once, each within `timeoutMs`. */
export async function readiness(checks: Check[], timeoutMs = 2_000): Promise<Readiness> {
  const results = await Promise.all(
    checks.map(async (c) => {
      const t0 = Date.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([c.probe(timeoutMs), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)))]);
        return [c.name, { ok: true, ms: Date.now() - t0 }] as const;
      } catch (err) {
        return [c.name, { ok: false, ms: Date.now() - t0, error: err instanceof Error ? err.message : String(err) }] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const failed = results.filter(([, r]) => !r.ok).map(([name]) => name);
  return { ready: failed.length === 0, failed, checks: Object.fromEntries(results) };
}

/** NATS answers a ping (a connection that is reconnecting fails at once). */
export const natsCheck = (nc: NatsConnection): Check => ({
  name: 'nats',
  async probe() {
    if (nc.isClosed()) throw new Error('the connection is closed');
    return nc.rtt();
  },
});

/** The procedure record's database answers a query (PostgreSQL, or PGlite on embedded defaults). */
export const postgresCheck = (db: Queryable): Check => ({ name: 'postgres', probe: () => db.query('SELECT 1') });

interface TemporalConnection {
  workflowService: { getSystemInfo(request: object): Promise<unknown> };
  withDeadline<T>(deadline: number | Date, fn: () => Promise<T>): Promise<T>;
}

/** The Temporal frontend answers (GetSystemInfo), through the client's or the worker's connection. */
export const temporalCheck = (connection: TemporalConnection): Check => ({
  name: 'temporal',
  probe: (timeoutMs) => connection.withDeadline(Date.now() + timeoutMs, () => connection.workflowService.getSystemInfo({})),
});

/** Prometheus text of a registry, followed by `extra` (the Temporal SDK's own exporter, on the worker). */
export async function metricsText(registry: Registry, extra?: () => Promise<string>): Promise<string> {
  const own = await registry.metrics();
  const more = extra ? await extra().catch(() => '') : '';
  return more ? `${own.replace(/\n*$/, '\n')}${more}` : own;
}

export interface OpsServerOptions {
  host: string;
  port: number;
  registry: Registry;
  checks: Check[];
  /** More metrics text appended to /metrics. */
  extraMetrics?: () => Promise<string>;
  /** The setting that chose the port, for the message when it is taken. */
  setting: string;
}

export interface OpsServer {
  url: string;
  stop(): Promise<void>;
}

/** The small HTTP listener of a process that has no HTTP API: /livez, /readyz, /metrics. */
export async function startOpsServer(o: OpsServerOptions): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, JSON.stringify({ error: 'methodNotAllowed', message: `${path} takes GET.` }));
    if (path === '/livez') return send(200, JSON.stringify({ status: 'live' }));
    if (path === '/readyz') {
      return void readiness(o.checks).then((r) => send(r.ready ? 200 : 503, JSON.stringify(readinessAnswer(r))));
    }
    if (path === '/metrics') {
      return void metricsText(o.registry, o.extraMetrics).then(
        (text) => send(200, text, o.registry.contentType),
        (err: Error) => send(500, JSON.stringify({ error: 'internal', message: err.message })),
      );
    }
    send(404, JSON.stringify({ error: 'notFound', message: `No route ${path}: /livez, /readyz, /metrics.` }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`Port ${o.port} is already in use: set ${o.setting} to another port (0: none).`) : err),
    );
    server.listen(o.port, o.host, () => resolve());
  });
  const address = server.address();
  const port = address && typeof address === 'object' ? address.port : o.port;
  return {
    url: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** /readyz's body: ready or not, the dependencies that failed, and each one's answer. */
export function readinessAnswer(r: Readiness): { status: 'ready' | 'unready'; failed: string[]; checks: Readiness['checks'] } {
  return { status: r.ready ? 'ready' : 'unready', failed: r.failed, checks: r.checks };
}
