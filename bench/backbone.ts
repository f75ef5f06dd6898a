/**
 * Benchmark (run on demand: `npm run bench:backbone`): the event-driven backbone on its real servers, started here
 * in a temporary folder (nats-server with JetStream, PostgreSQL from Debian's packages).
 *  - public comments stored per second (batches of 5,000, a third of them duplicates), on PostgreSQL and on PGlite;
 *  - procedure events from publication (the worker's publishEvent activity) to the procedure record: latency
 *    percentiles and events recorded per second, with the projector following a steady stream; then publishes as
 *    fast as one publisher goes. Both on JetStream with `sync_interval: always` (juece's) and on nats-server's default.
 * Knobs: BENCH_COMMENTS (default 200000), BENCH_EVENTS (default 5000), BENCH_RATE events/s (default 500).
 */
import { connect } from 'nats';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { createEventActivities } from '../activities/events';
import { EVENT_SCHEMA_V1, type ProcedureEvent } from '../domain/events';
import { loadConfig } from '../infra/config';
import { ensureNatsServer, ensurePostgres } from '../infra/provision';
import { freePort, startNats, startPostgres, type RunningServer } from '../infra/servers';
import { startProjector } from '../projector/projector';
import { ingestComments, MAX_BATCH, type Comment } from '../store/comments';
import { openDb, type Db } from '../store/db';

const COMMENTS = Number(process.env.BENCH_COMMENTS ?? 200_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 5000);
const RATE = Number(process.env.BENCH_RATE ?? 500);

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const row = (label: string, value: string) => console.log(`${label.padEnd(52)} ${value}`);

async function openConsultation(db: Db, decisionId: string) {
  await db.query('INSERT INTO consultations (decision_id, authority, closes_at) VALUES ($1, $2, $3)', [decisionId, 'bench', '2099-01-01T00:00:00Z']);
}

async function commentsPerSecond(db: Db, label: string): Promise<void> {
  const decisionId = `bench-${label}-${Date.now()}`;
  await openConsultation(db, decisionId);
  const comments: Comment[] = Array.from({ length: COMMENTS }, (_, i) => ({
    submitter: `s-${i % 3 === 0 ? i - 1 : i}`, // every third a resubmission of the previous submitter's text
    text: i % 3 === 0 ? `意见 ${i - 1}` : i % 5 === 0 ? '统一意见：反对调整' : `意见 ${i}`,
    channel: 'web',
  }));
  const t0 = performance.now();
  let lastReport = t0;
  for (let i = 0; i < comments.length; i += MAX_BATCH) {
    await ingestComments(db, decisionId, comments.slice(i, i + MAX_BATCH));
    if (performance.now() - lastReport > 5000) {
      lastReport = performance.now();
      process.stderr.write(`  … ${label}: ${i + MAX_BATCH} of ${COMMENTS} comments\n`);
    }
  }
  const s = (performance.now() - t0) / 1000;
  row(`comments stored, ${label} (batches of ${MAX_BATCH})`, `${Math.round(COMMENTS / s).toLocaleString('en')}/s  (${COMMENTS.toLocaleString('en')} in ${s.toFixed(1)} s)`);
}

async function main() {
  const cfg = loadConfig();
  const dir = mkdtempSync(path.join(tmpdir(), 'juece-bench-'));
  const servers: RunningServer[] = [];
  try {
    const [natsBin, pgBin] = [await ensureNatsServer(cfg), await ensurePostgres(cfg)];
    const { chmodSync } = await import('node:fs');
    chmodSync(dir, 0o755);
    const pgServer = await startPostgres({ binDir: pgBin, port: await freePort(), dataDir: path.join(dir, 'pg') });
    servers.push(pgServer);

    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}\n`);
    const pg = await openDb({ url: pgServer.address });
    await commentsPerSecond(pg, 'PostgreSQL');
    const lite = await openDb({ dir: path.join(dir, 'pglite') });
    await commentsPerSecond(lite, 'PGlite');
    await lite.close();

    // Events on a JetStream that syncs every write before acknowledging it (juece's setting), then on nats-server's
    // default (a background sync every 2 minutes), side by side on the same machine.
    for (const sync of ['always', 'default'] as const) {
      const nats = await startNats({ binary: natsBin, port: await freePort(), storeDir: path.join(dir, `nats-${sync}`), sync });
      servers.push(nats);
      await eventsBench(nats.address, pg, sync);
      await nats.stop();
    }
    await pg.close();
  } finally {
    for (const s of servers.reverse()) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Events published at a steady rate over many decisions, each recorded by the projector; then a burst, unthrottled. */
async function eventsBench(natsAddress: string, pg: Db, sync: 'always' | 'default'): Promise<void> {
  const nc = await connect({ servers: natsAddress });
  const { publishEvent } = createEventActivities(nc);
  const publishedAt = new Map<string, number>();
  const latencies: number[] = [];
  let firstApplied = 0;
  let lastApplied = 0;
  const projector = await startProjector({
    nc,
    db: pg,
    durable: `bench-${sync}`,
    onApplied: (decisionId, seq) => {
      const t = publishedAt.get(`${decisionId}/${seq}`);
      if (t !== undefined) latencies.push(performance.now() - t);
      lastApplied = performance.now();
      firstApplied ||= lastApplied;
    },
  });
  const decisions = 100;
  const seqs = new Array<number>(decisions).fill(0);
  const event = (d: number): ProcedureEvent => {
    const seq = ++seqs[d]!;
    return {
      schema: EVENT_SCHEMA_V1,
      kind: 'majorDecision',
      decisionId: `bench-${sync}-d${d}`,
      authority: 'bench',
      seq,
      type: seq === 1 ? 'decisionStarted' : 'executionReported',
      at: new Date().toISOString(),
      summary: seq === 1 ? `基准测试决策 ${d}` : `执行情况报告 ${seq}`,
      standing: { status: seq === 1 ? 'inProgress' : 'inExecution', openSteps: [], currentStep: null, nextDeadline: null, overdue: false },
      workflowId: `decision-bench-${sync}-d${d}`,
      runId: 'bench',
    };
  };
  const t0 = performance.now();
  for (let i = 0; i < EVENTS; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const e = event(i % decisions);
    publishedAt.set(`${e.decisionId}/${e.seq}`, performance.now());
    await publishEvent(e);
  }
  const publishS = (performance.now() - t0) / 1000;
  await projector.idle(120_000);
  latencies.sort((a, b) => a - b);
  const label = sync === 'always' ? 'sync_interval: always' : "nats-server's default sync";
  console.log(`\nJetStream with ${label}:`);
  row(`events published (publishEvent, ${decisions} decisions)`, `${Math.round(EVENTS / publishS).toLocaleString('en')}/s  (target rate ${RATE}/s)`);
  row('events recorded by the projector', `${Math.round(latencies.length / ((lastApplied - firstApplied) / 1000 || 1)).toLocaleString('en')}/s  (${latencies.length} of ${EVENTS})`);
  row('publish → procedure record latency p50 / p95 / p99', `${pct(latencies, 50).toFixed(1)} / ${pct(latencies, 95).toFixed(1)} / ${pct(latencies, 99).toFixed(1)} ms`);
  await projector.stop();
  // As fast as one publisher goes: each event acknowledged (written, with sync always) before the next.
  const burst: number[] = [];
  const b0 = performance.now();
  for (let i = 0; i < EVENTS; i++) {
    const e = event(i % decisions);
    const t = performance.now();
    await publishEvent(e);
    burst.push(performance.now() - t);
  }
  const burstS = (performance.now() - b0) / 1000;
  burst.sort((a, b) => a - b);
  row('publish, unthrottled, one at a time', `${Math.round(EVENTS / burstS).toLocaleString('en')}/s  (ack p50 / p99 ${pct(burst, 50).toFixed(2)} / ${pct(burst, 99).toFixed(2)} ms)`);
  await nc.close();
}

main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? err.stack : err}`);
  process.exit(1);
});
