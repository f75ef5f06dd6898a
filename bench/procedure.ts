/**
 * Benchmark (run on demand: `npm run bench:procedure`), on real servers started here in a temporary folder (the
 * Temporal dev server on SQLite, NATS, PostgreSQL), with the worker in a process of its own:
 *  - N decisions driven through every step by C concurrent clients: decisions completed per second, Update latency
 *    p50/p95/p99, worker CPU and memory; the same for a baseline workflow taking the same number of Updates and
 *    activities with no procedure logic, and juece's throughput as a ratio of it;
 *  - decisions started per second, batch by batch, as open decisions pile up on the dev server;
 *  - listing the decisions waiting on legality review among 10,000 open ones in the procedure record;
 *  - end-to-end latency from a step's completion (its Update answered) to its event in the procedure record.
 * Knobs: BENCH_DECISIONS (30), BENCH_CONCURRENCY (10), BENCH_OPEN (2000), BENCH_RECORD_OPEN (10000).
 */
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { connect } from 'nats';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { JueceClient } from '../client';
import { retroactiveConsultation, sampleActors, sampleProposal, sampleSteps } from '../client/sample';
import { EVENT_SCHEMA_V1 } from '../domain/events';
import type { StepName } from '../domain/procedure';
import { loadConfig } from '../infra/config';
import { ensureNatsServer, ensurePostgres, ensureTemporalCli } from '../infra/provision';
import { freePort, startDevServer, startNats, startPostgres, type RunningServer } from '../infra/servers';
import { startProjector } from '../projector/projector';
import { openDb } from '../store/db';
import { applyEvent, listDecisions } from '../store/record';
import { baselineStep } from './baseline';

const N = Number(process.env.BENCH_DECISIONS ?? 30);
const C = Number(process.env.BENCH_CONCURRENCY ?? 10);
const OPEN = Number(process.env.BENCH_OPEN ?? 2000);
const RECORD_OPEN = Number(process.env.BENCH_RECORD_OPEN ?? 10_000);
const root = path.resolve(__dirname, '..');

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const row = (label: string, ...values: string[]) => console.log(`${label.padEnd(44)} ${values.map((v) => v.padStart(14)).join(' ')}`);
const progress = (line: string) => process.stderr.write(`  … ${line}\n`);

/** CPU seconds and resident memory of a process, from /proc. */
function usage(pid: number): { cpuS: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpuS: ticks / 100, rssMiB: rss / 1024 };
}

/** Runs `jobs` with at most `c` at once. */
async function pool<T>(jobs: (() => Promise<T>)[], c: number): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

async function measure(worker: ChildProcess, run: () => Promise<number[]>) {
  const before = usage(worker.pid!);
  let peak = before.rssMiB;
  const sampler = setInterval(() => (peak = Math.max(peak, usage(worker.pid!).rssMiB)), 250);
  const t0 = performance.now();
  const latencies = await run();
  const s = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const after = usage(worker.pid!);
  return { s, latencies, cpu: (after.cpuS - before.cpuS) / s, peak };
}

async function main() {
  const cfg = loadConfig();
  const dir = mkdtempSync(path.join(tmpdir(), 'juece-bench-'));
  chmodSync(dir, 0o755);
  const servers: RunningServer[] = [];
  let worker: ChildProcess | undefined;
  try {
    const [cli, natsBin, pgBin] = [await ensureTemporalCli(cfg), await ensureNatsServer(cfg), await ensurePostgres(cfg)];
    const temporal = await startDevServer({ cli, port: await freePort(), uiPort: await freePort(), namespace: 'default', dbFile: path.join(dir, 'temporal.db') });
    const nats = await startNats({ binary: natsBin, port: await freePort(), storeDir: path.join(dir, 'nats') });
    const pg = await startPostgres({ binDir: pgBin, port: await freePort(), dataDir: path.join(dir, 'pg') });
    servers.push(temporal, nats, pg);
    progress('bundling the workflows');
    const bundle = await bundleWorkflowCode({ workflowsPath: path.join(root, 'bench/workflows.ts'), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error } });
    const bundlePath = path.join(dir, 'bundle.js');
    writeFileSync(bundlePath, bundle.code);
    const taskQueue = 'bench';
    worker = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
      cwd: root,
      env: { ...process.env, TEMPORAL_ADDRESS: temporal.address, NATS_URL: nats.address, TEMPORAL_TASK_QUEUE: taskQueue, JUECE_WORKFLOW_BUNDLE: bundlePath, JUECE_NOTICE_OUTBOX: 'off' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      worker!.stdout!.on('data', (b: Buffer) => String(b).includes('juece worker polling') && resolve());
      worker!.once('exit', (code) => reject(new Error(`the worker exited (${code})`)));
    });
    const connection = await Connection.connect({ address: temporal.address });
    const client = new JueceClient(new Client({ connection, namespace: 'default' }), taskQueue);
    const db = await openDb({ url: pg.address });
    const nc = await connect({ servers: nats.address });
    const updateDone = new Map<string, number>();
    const recordLatency: number[] = [];
    const projector = await startProjector({
      nc,
      db,
      onApplied: (decisionId, seq) => {
        const t = updateDone.get(`${decisionId}/${seq}`);
        if (t !== undefined) recordLatency.push(performance.now() - t);
      },
    });

    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
    console.log(`${N} decisions, ${C} concurrent clients; Temporal CLI dev server (SQLite), nats-server, PostgreSQL 15\n`);

    // juece: every step of the sample decision, then the stop of its execution.
    let updatesPerDecision = 0;
    let activitiesPerDecision = 0;
    const juece = await measure(worker, async () => {
      const latencies: number[] = [];
      await pool(
        Array.from({ length: N }, (_, i) => async () => {
          const proposal = sampleProposal(`bench-${i}-${Date.now()}`);
          const d = await client.startDecision(proposal);
          const original = d.handle.executeUpdate.bind(d.handle);
          (d.handle as { executeUpdate: typeof original }).executeUpdate = (async (...args: Parameters<typeof original>) => {
            const t0 = performance.now();
            const ack = (await original(...args)) as { seq: number };
            const t1 = performance.now();
            latencies.push(t1 - t0);
            updateDone.set(`${proposal.decisionId}/${ack.seq}`, t1);
            return ack;
          }) as typeof original;
          for (const step of sampleSteps(d, retroactiveConsultation())) await step();
          await d.stopExecution({ requestId: `stop-${proposal.decisionId}`, actor: sampleActors.head, reason: '基准测试结束', procedureReference: '基准' });
          await d.result();
          if (i === 0) {
            const history = (await d.handle.fetchHistory()).events!;
            updatesPerDecision = history.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
            activitiesPerDecision = history.filter((e) => e.activityTaskScheduledEventAttributes).length;
          }
          if ((i + 1) % 10 === 0) progress(`juece: ${i + 1} of ${N} decisions`);
        }),
        C,
      );
      return latencies;
    });

    // The baseline: the same Updates and activities, no procedure.
    const perUpdate = Math.max(1, Math.round(activitiesPerDecision / Math.max(1, updatesPerDecision)));
    const baseline = await measure(worker, async () => {
      const latencies: number[] = [];
      await pool(
        Array.from({ length: N }, (_, i) => async () => {
          const id = `baseline-${i}-${Date.now()}`;
          const h = await client.client.workflow.start('baselineDecision', { taskQueue, workflowId: id, args: [{ decisionId: id, updates: updatesPerDecision, activitiesPerUpdate: perUpdate }] });
          for (let u = 0; u < updatesPerDecision; u++) {
            const t0 = performance.now();
            await h.executeUpdate(baselineStep, { args: [u] });
            latencies.push(performance.now() - t0);
          }
          await h.result();
        }),
        C,
      );
      return latencies;
    });

    const perS = (x: { s: number }) => (N / x.s).toFixed(2);
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    row('', 'juece', 'baseline');
    row('decisions completed per second', perS(juece), perS(baseline));
    row('Update latency p50', ms(pct(juece.latencies, 50)), ms(pct(baseline.latencies, 50)));
    row('Update latency p95', ms(pct(juece.latencies, 95)), ms(pct(baseline.latencies, 95)));
    row('Update latency p99', ms(pct(juece.latencies, 99)), ms(pct(baseline.latencies, 99)));
    row('worker CPU (of one core)', `${(juece.cpu * 100).toFixed(0)} %`, `${(baseline.cpu * 100).toFixed(0)} %`);
    row('worker memory, peak RSS', `${juece.peak.toFixed(0)} MiB`, `${baseline.peak.toFixed(0)} MiB`);
    row('Updates / activities per decision', `${updatesPerDecision} / ${activitiesPerDecision}`, `${updatesPerDecision} / ${updatesPerDecision * perUpdate}`);
    row("juece's throughput as a ratio of the baseline", (N / juece.s / (N / baseline.s)).toFixed(2));
    await projector.idle(120_000);
    row('step completed → event in the record p50/p95/p99', `${ms(pct(recordLatency, 50))} / ${ms(pct(recordLatency, 95))} / ${ms(pct(recordLatency, 99))}`);

    // Starting decisions while open ones pile up on the dev server.
    console.log('');
    const batch = 500;
    for (let started = 0; started < OPEN; started += batch) {
      const t0 = performance.now();
      await pool(Array.from({ length: Math.min(batch, OPEN - started) }, (_, i) => () => client.startDecision(sampleProposal(`open-${started + i}-${Date.now()}`))), 20);
      row(`decisions started per second (${started}-${started + batch} open)`, (batch / ((performance.now() - t0) / 1000)).toFixed(0));
    }

    // The read model: 10,000 open decisions, a quarter waiting on legality review.
    const at = new Date().toISOString();
    for (let i = 0; i < RECORD_OPEN; i++) {
      const base = { schema: EVENT_SCHEMA_V1, kind: 'majorDecision', decisionId: `rm-${i}`, authority: `auth-${i % 20}`, at, workflowId: `decision-rm-${i}`, runId: 'bench' } as const;
      const step = i % 4 === 0 ? 'legalityReview' : 'publicParticipation';
      const standing = (openSteps: StepName[]) => ({ status: 'inProgress', openSteps, currentStep: openSteps[0] ?? null, nextDeadline: null, overdue: false });
      await applyEvent(db, { ...base, seq: 1, type: 'decisionStarted', summary: `读模型决策 ${i}`, details: { title: `读模型决策 ${i}`, undertakingUnit: 'x' }, standing: standing([]) });
      await applyEvent(db, { ...base, seq: 2, type: 'stepOpened', step, summary: 'opened', standing: standing([step]) });
      if ((i + 1) % 2500 === 0) progress(`read model: ${i + 1} of ${RECORD_OPEN} decisions`);
    }
    const t2 = performance.now();
    let found = 0;
    for (let offset = 0; ; offset += 1000) {
      const page = await listDecisions(db, { kind: 'majorDecision', step: 'legalityReview', limit: 1000, offset });
      found += page.length;
      if (page.length < 1000) break;
    }
    row(`list all waiting on legality review (of ${RECORD_OPEN.toLocaleString('en')})`, `${found} in ${((performance.now() - t2)).toFixed(0)} ms`);

    await projector.stop();
    await nc.close();
    await db.close();
    await connection.close();
  } finally {
    worker?.kill('SIGTERM');
    for (const s of servers.reverse()) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? err.stack : err}`);
  process.exit(1);
});
