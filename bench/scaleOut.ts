/**
 * Benchmark (run on demand: `npm run bench:scale-out`): decisions per second with one juece worker and with two, on
 * real servers started here in a temporary folder (the Temporal dev server on SQLite, NATS, PostgreSQL), the workers
 * in processes of their own on one task queue, the record kept by BENCH_PARTITIONS projectors (in this process, one
 * partition each). The sample decision is driven through every step to the stop of its execution by C concurrent
 * clients. The two sides alternate batch by batch (one worker, then a second one started beside it, then stopped
 * again), REPETITIONS times after an untimed warm-up of each, so that machine noise falls on both; each figure is
 * min / median / max over the repetitions, with the CPU time per decision of the workers, the dev server and the rest,
 * and the machine's other load (from /proc).
 *
 * Sizes (environment variables; BENCH_DECISIONS=20 BENCH_WARMUP=5 took 2 minutes on a 2-core machine, the defaults
 * about twice as long):
 *   BENCH_DECISIONS     decisions per batch (default 30)
 *   BENCH_CONCURRENCY   concurrent clients (default 12)
 *   BENCH_REPETITIONS   timed batches of each side, alternating (default 3)
 *   BENCH_WARMUP        decisions of each side before the timed batches, not counted (default 10; 0: none)
 *   BENCH_PARTITIONS    projectors keeping the record, one partition each (default 2)
 */
import { Client, Connection } from '@temporalio/client';
import { connect } from 'nats';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { JueceClient } from '../client';
import { retroactiveConsultation, sampleActors, sampleProposal, sampleSteps, stepOpen } from '../client/sample';
import { loadConfig } from '../infra/config';
import { ensureNatsServer, ensurePostgres, ensureTemporalCli } from '../infra/provision';
import { freePort, startDevServer, startNats, startPostgres, type RunningServer } from '../infra/servers';
import { partition } from '../projector/partition';
import { startProjector, type Projector } from '../projector/projector';
import { openDb } from '../store/db';
import { bundleWorkflows } from '../workers/worker';
import { size, pool, treeCpuS, machineBusyS, median, spread } from './common';

const N = size('BENCH_DECISIONS', 30, 1);
const C = size('BENCH_CONCURRENCY', 12, 1);
const REPETITIONS = size('BENCH_REPETITIONS', 3, 1);
const WARMUP = size('BENCH_WARMUP', 10, 0);
const PARTITIONS = size('BENCH_PARTITIONS', 2, 1);
const root = path.resolve(__dirname, '..');
const taskQueue = 'bench-scale-out';
const progress = (line: string) => process.stderr.write(`  … ${line}\n`);

const row = (label: string, ...values: string[]) => console.log(`${label.padEnd(52)} ${values.map((v) => v.padStart(22)).join(' ')}`);

/** What was started, closed in reverse order, each step bounded (35 s); the process exits after at most 90 s anyway. */
const steps: { what: string; close: () => Promise<unknown> }[] = [];
async function shutdown(code: number): Promise<never> {
  setTimeout(() => {
    console.error('bench: the shutdown did not finish within 90 s; exiting anyway');
    process.exit(code || 1);
  }, 90_000).unref();
  for (const { what, close } of steps.reverse()) {
    const outcome = await Promise.race([
      close().then(() => 'closed', (err: unknown) => `failed: ${err instanceof Error ? err.message : err}`),
      new Promise<string>((r) => setTimeout(() => r('still closing after 35 s'), 35_000).unref()),
    ]);
    if (outcome !== 'closed') console.error(`bench: ${what}: ${outcome}`);
  }
  process.exit(code);
}

interface WorkerProcess {
  child: ChildProcess;
  stop(): Promise<void>;
}
/** A juece worker process (workers/main.ts) on the bench's task queue, once it polls. */
async function startWorker(temporal: RunningServer, nats: RunningServer, bundlePath: string): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    cwd: root,
    env: { ...process.env, TEMPORAL_ADDRESS: temporal.address, NATS_URL: nats.address, TEMPORAL_TASK_QUEUE: taskQueue, JUECE_WORKFLOW_BUNDLE: bundlePath, JUECE_NOTICE_OUTBOX: 'off' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => String(b).includes('juece worker polling') && resolve());
    child.once('exit', (code) => reject(new Error(`a worker exited (${code})`)));
  });
  child.stdout!.resume();
  return {
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM'); // finishes what it has in hand, closes its connections, exits
        const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 30_000).unref())]);
        if (!done) {
          console.error('bench: a worker did not exit within 30 s of SIGTERM; killing it');
          child.kill('SIGKILL');
          await exited;
        }
      }
      process.removeListener('exit', killOnExit);
      child.stdout?.destroy();
    },
  };
}

interface Batch {
  workers: number;
  seconds: number;
  /** CPU seconds during the batch: the workers, the dev server, NATS + PostgreSQL, this process, the machine's in all. */
  cpu: { workers: number; server: number; natsPg: number; bench: number; machine: number };
}

async function main(): Promise<void> {
  const cfg = loadConfig();
  const dir = mkdtempSync(path.join(tmpdir(), 'juece-bench-scale-'));
  chmodSync(dir, 0o755);
  steps.push({ what: 'the temporary folder', close: async () => rmSync(dir, { recursive: true, force: true }) });
  const [cli, natsBin, pgBin] = [await ensureTemporalCli(cfg), await ensureNatsServer(cfg), await ensurePostgres(cfg)];
  const temporal = await startDevServer({ cli, port: await freePort(), uiPort: await freePort(), namespace: 'default', dbFile: path.join(dir, 'temporal.db') });
  steps.push({ what: 'the Temporal dev server', close: () => temporal.stop() });
  const nats = await startNats({ binary: natsBin, port: await freePort(), storeDir: path.join(dir, 'nats') });
  steps.push({ what: 'nats-server', close: () => nats.stop() });
  const pg = await startPostgres({ binDir: pgBin, port: await freePort(), dataDir: path.join(dir, 'pg') });
  steps.push({ what: 'PostgreSQL', close: () => pg.stop() });

  progress('bundling the workflows');
  const bundle = await bundleWorkflows();
  const bundlePath = path.join(dir, 'bundle.js');
  writeFileSync(bundlePath, bundle.code);

  const connection = await Connection.connect({ address: temporal.address });
  steps.push({ what: 'the Temporal client connection', close: () => connection.close() });
  const client = new JueceClient(new Client({ connection, namespace: 'default' }), taskQueue);
  const db = await openDb({ url: pg.address });
  steps.push({ what: 'the record (PostgreSQL pool)', close: () => db.close() });
  const nc = await connect({ servers: nats.address });
  steps.push({ what: "the projectors' NATS connection", close: () => nc.close() });
  const projectors: Projector[] = [];
  for (let p = 0; p < PARTITIONS; p++) projectors.push(await startProjector({ nc, db, partition: partition(p, PARTITIONS) }));
  steps.push({ what: 'the projectors', close: () => Promise.all(projectors.map((p) => p.stop())) });
  const idle = () => Promise.all(projectors.map((p) => p.idle(120_000)));

  const first = await startWorker(temporal, nats, bundlePath);
  steps.push({ what: 'the first worker', close: () => first.stop() });
  let second: WorkerProcess | undefined;
  steps.push({ what: 'the second worker', close: async () => second?.stop() });

  const cpuNow = () => {
    const self = process.cpuUsage();
    return {
      workers: treeCpuS(first.child.pid) + (second ? treeCpuS(second.child.pid) : 0),
      server: treeCpuS(temporal.pid),
      natsPg: treeCpuS(nats.pid) + treeCpuS(pg.pid),
      bench: (self.user + self.system) / 1e6,
      machine: machineBusyS(),
    };
  };
  let batchNo = 0;
  /** n decisions through every step to the stop of their execution, C at a time, with the workers running now. */
  const batch = async (n: number): Promise<Batch> => {
    const label = `b${++batchNo}`;
    const workers = second ? 2 : 1;
    const before = cpuNow();
    const t0 = performance.now();
    await pool(
      Array.from({ length: n }, (_, i) => async () => {
        const proposal = sampleProposal(`scale-${label}-${i}-${Date.now()}`);
        const d = await client.startDecision(proposal);
        for (const step of sampleSteps(d, retroactiveConsultation())) await step();
        await stepOpen(d, 'execution');
        await d.stopExecution({ requestId: `stop-${proposal.decisionId}`, actor: sampleActors.head, reason: '基准测试结束', procedureReference: '基准' });
        await d.result();
      }),
      C,
    );
    const seconds = (performance.now() - t0) / 1000;
    const after = cpuNow();
    const cpu = Object.fromEntries(Object.keys(after).map((k) => [k, after[k as keyof typeof after] - before[k as keyof typeof before]])) as Batch['cpu'];
    await idle(); // the record catches up before the next batch
    return { workers, seconds, cpu };
  };
  const withSecond = async <T>(run: () => Promise<T>): Promise<T> => {
    second = await startWorker(temporal, nats, bundlePath);
    try {
      return await run();
    } finally {
      const s = second;
      second = undefined;
      await s.stop();
    }
  };

  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
  console.log(
    `one worker and two alternate: ${REPETITIONS} × (${N} decisions with one worker, then ${N} with two), ${C} concurrent clients, ` +
      `after a warm-up of ${WARMUP} each; the record kept by ${PARTITIONS} projector partition(s); Temporal CLI dev server (SQLite), nats-server, PostgreSQL\n`,
  );
  if (WARMUP > 0) {
    progress(`warm-up: ${WARMUP} decisions with one worker, ${WARMUP} with two`);
    await batch(WARMUP);
    await withSecond(() => batch(WARMUP));
  }
  const one: Batch[] = [];
  const two: Batch[] = [];
  for (let r = 1; r <= REPETITIONS; r++) {
    one.push(await batch(N));
    progress(`repetition ${r}: one worker ${(N / one.at(-1)!.seconds).toFixed(2)} decisions/s`);
    two.push(await withSecond(() => batch(N)));
    progress(`repetition ${r}: two workers ${(N / two.at(-1)!.seconds).toFixed(2)} decisions/s`);
  }

  const both = (label: string, f: (b: Batch) => number, digits: number, unit = '') => row(label, spread(one.map(f), digits, unit), spread(two.map(f), digits, unit));
  const ours = (b: Batch) => b.cpu.workers + b.cpu.server + b.cpu.natsPg + b.cpu.bench;
  row('min / median / max over the repetitions', 'one worker', 'two workers');
  both('decisions completed per second', (b) => N / b.seconds, 2);
  row('two workers / one (decisions per second)', spread(one.map((o, i) => N / two[i]!.seconds / (N / o.seconds)), 2));
  console.log('CPU time per decision');
  both('  the worker(s)', (b) => (b.cpu.workers * 1000) / N, 0, ' ms');
  both('  Temporal dev server', (b) => (b.cpu.server * 1000) / N, 0, ' ms');
  both('  nats-server and PostgreSQL', (b) => (b.cpu.natsPg * 1000) / N, 0, ' ms');
  both('  this process (clients, projectors)', (b) => (b.cpu.bench * 1000) / N, 0, ' ms');
  both(`  all of them, per second of the batch (of ${cpus().length} cores)`, (b) => ours(b) / b.seconds, 2);
  both('  other load on the machine, per second', (b) => Math.max(0, b.cpu.machine - ours(b)) / b.seconds, 2);
  const applied = projectors.map((p) => p.stats.applied);
  console.log(`\nthe record: ${applied.reduce((a, b) => a + b, 0)} events, by partition ${applied.join(' / ')}`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void shutdown(130));
main().then(
  () => shutdown(0),
  (err) => {
    console.error(`bench: ${err instanceof Error ? err.stack : err}`);
    return shutdown(1);
  },
);
