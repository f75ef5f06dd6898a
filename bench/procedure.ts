/**
 * Benchmark (run on demand: `npm run bench:procedure`), on real servers started here in a temporary folder (the
 * Temporal dev server on SQLite, NATS, PostgreSQL), with the worker in a process of its own:
 *  - juece against a bare baseline: decisions driven through every step (the sample decision, then the stop of its
 *    execution) by C concurrent clients, and the same number of baseline workflows (bench/baseline.ts), each taking
 *    exactly the Updates of one of those juece decisions and running exactly its activities, spread over its Updates
 *    as that decision's histories (every run, continued-as-new ones too) spread them (juece's local activities, the
 *    deadline arithmetic, the bare baseline runs as the plain activities a workflow would use without that care; juece's
 *    start carries its first Update, update-with-start, where the baseline starts and then sends it). The two sides alternate batch by
 *    batch (juece, then the baseline that repeats it), REPETITIONS times, after an untimed warm-up of each, so that
 *    machine noise falls on both; each figure is given as min / median / max over the repetitions: decisions completed
 *    per second and their ratio (juece / baseline), and where the time goes: CPU time per decision of the worker
 *    (its own process.cpuUsage()), the dev server, NATS, PostgreSQL and this process (the clients and the projector),
 *    and the server round trips per decision (Updates + activities not local + workflow tasks, counted in the histories), the
 *    client's calls by kind, and the latency of a decision's parts alike on both sides: the start with its first Update,
 *    the other Updates, the last answer to the result;
 *  - decisions started per second, batch by batch, as open decisions pile up on the dev server;
 *  - listing the decisions waiting on legality review among RECORD_OPEN open ones in the procedure record;
 *  - end-to-end latency from a step's completion (its Update answered) to its event in the procedure record.
 * Then it stops everything it started (projector, connections, the worker, waited for, then the servers), says if
 * anything is still open, and exits; a shutdown that has not finished within 90 s exits anyway.
 *
 * Sizes (environment variables; with the defaults a run takes about 4 minutes on a 2-core machine):
 *   BENCH_DECISIONS     decisions per batch, each side (default 30)
 *   BENCH_CONCURRENCY   concurrent clients (default 10)
 *   BENCH_REPETITIONS   timed batches of each side, alternating (default 3)
 *   BENCH_WARMUP        decisions of each side before the timed batches, not counted (default 10; 0: none)
 *   BENCH_OPEN          decisions started while open ones pile up, in batches of 500 (default 1000; 0: skip)
 *   BENCH_RECORD_OPEN   open decisions in the procedure record for the list query (default 10000; 0: skip)
 */
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { connect } from 'nats';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { JueceClient } from '../client';
import { retroactiveConsultation, sampleActors, sampleInput, sampleProposal, sampleSteps, stepOpen } from '../client/sample';
import { EVENT_SCHEMA_V1 } from '../domain/events';
import type { StepName } from '../domain/procedure';
import { loadConfig } from '../infra/config';
import { ensureNatsServer, ensurePostgres, ensureTemporalCli } from '../infra/provision';
import { freePort, startDevServer, startNats, startPostgres } from '../infra/servers';
import { startProjector } from '../projector/projector';
import { openDb, type Db } from '../store/db';
import { applyEvent, listDecisions } from '../store/record';
import { baselineDecision, baselineStep, type DecisionShape } from './baseline';
import { historiesOf, shapeOf, type Counted } from './shape';
import { bundleWorkflows } from '../workers/worker';
import { runBench, type Shutdown } from './shutdown';
import { startWorker } from './worker';
import { size, pool, treeCpuS, machineBusyS, median, spread } from './common';


const N = size('BENCH_DECISIONS', 30, 1);
const C = size('BENCH_CONCURRENCY', 10, 1);
const REPETITIONS = size('BENCH_REPETITIONS', 3, 1);
const WARMUP = size('BENCH_WARMUP', 10, 0);
const OPEN = size('BENCH_OPEN', 1000, 0);
const RECORD_OPEN = size('BENCH_RECORD_OPEN', 10_000, 0);
/** The last resort: a shutdown that hangs exits anyway after this long. */
const root = path.resolve(__dirname, '..');
const taskQueue = 'bench';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const LABEL = 52;
const row = (label: string, ...values: string[]) => console.log(`${label.padEnd(LABEL)} ${values.map((v) => v.padStart(24)).join(' ')}`);
const progress = (line: string) => process.stderr.write(`  … ${line}\n`);


interface CpuSnapshot {
  worker: number;
  server: number;
  nats: number;
  postgres: number;
  bench: number;
  /** The whole machine's busy time (/proc/stat): what is not ours is other processes' (noise). */
  machine: number;
}
type CpuPart = Exclude<keyof CpuSnapshot, 'machine'>;
const CPU_PARTS: [CpuPart, string][] = [
  ['worker', 'worker (process.cpuUsage)'],
  ['server', 'Temporal dev server'],
  ['nats', 'nats-server'],
  ['postgres', 'PostgreSQL'],
  ['bench', 'this process (clients, projector)'],
];

interface BatchResult {
  side: 'juece' | 'baseline';
  decisions: number;
  seconds: number;
  cpu: CpuSnapshot;
  counted: Counted;
  /** Client calls to the Temporal frontend during the batch, by method. */
  rpcs: Map<string, number>;
  /** The Updates after the first (the first goes with the start: in `started`). */
  updateLatencies: number[];
  /** From asking for the start to the first Update's answer (juece: one call, with the checks before it). */
  started: number[];
  /** From the last Update's answer to the workflow's result. */
  ended: number[];
  /** juece: the clients' time before each Update (by name) waiting for its step to open (polling the status), in all. */
  waits: Map<string, number>;
  /** Procedure events published (juece: the record's sequence numbers; the baseline: one per activity). */
  events: number;
  shapes: DecisionShape[];
  names: string[][];
}

async function main(shutdown: Shutdown): Promise<void> {
  const cfg = loadConfig();
  const dir = mkdtempSync(path.join(tmpdir(), 'juece-bench-'));
  chmodSync(dir, 0o755);
  shutdown.add('the temporary folder', async () => rmSync(dir, { recursive: true, force: true }));

  const [cli, natsBin, pgBin] = [await ensureTemporalCli(cfg), await ensureNatsServer(cfg), await ensurePostgres(cfg)];
  const temporalServer = await startDevServer({ cli, port: await freePort(), uiPort: await freePort(), namespace: 'default', dbFile: path.join(dir, 'temporal.db') });
  shutdown.add('the Temporal dev server', () => temporalServer.stop());
  const natsServer = await startNats({ binary: natsBin, port: await freePort(), storeDir: path.join(dir, 'nats') });
  shutdown.add('nats-server', () => natsServer.stop());
  const pgServer = await startPostgres({ binDir: pgBin, port: await freePort(), dataDir: path.join(dir, 'pg') });
  shutdown.add('PostgreSQL', () => pgServer.stop());

  progress('bundling the workflows');
  const bundle = await bundleWorkflows(path.join(root, 'bench/workflows.ts'));
  const bundlePath = path.join(dir, 'bundle.js');
  writeFileSync(bundlePath, bundle.code);
  const worker = await startWorker({ temporal: temporalServer, nats: natsServer, bundlePath, taskQueue, shutdown });

  // Every call of the clients to the Temporal frontend, counted by method while a batch runs.
  const rpcs = new Map<string, number>();
  let countingRpcs = false;
  const countRpcs = (options: { method_definition: { path: string } }, next: (o: unknown) => unknown) => {
    if (countingRpcs) {
      const method = options.method_definition.path.split('/').pop()!;
      rpcs.set(method, (rpcs.get(method) ?? 0) + 1);
    }
    return next(options);
  };
  const connection = await Connection.connect({
    address: temporalServer.address,
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), countRpcs as never],
  });
  shutdown.add('the Temporal client connection', () => connection.close());
  const client = new JueceClient(new Client({ connection, namespace: 'default' }), taskQueue);
  const db = await openDb({ url: pgServer.address });
  shutdown.add('the procedure record (PostgreSQL pool)', () => db.close());
  const nc = await connect({ servers: natsServer.address });
  shutdown.add("the projector's NATS connection", () => nc.close());
  // From a step's answer to its event in the record. Since release 11 the event is published inside the workflow
  // task that answers, so it may be in the record before the client has the answer: negative figures.
  const tracked = new Set<string>();
  const updateDone = new Map<string, number>();
  const appliedAt = new Map<string, number>();
  const recordLatency: number[] = [];
  const answered = (decisionId: string, seq: number, at: number) => {
    const key = `${decisionId}/${seq}`;
    const applied = appliedAt.get(key);
    if (applied === undefined) updateDone.set(key, at);
    else {
      recordLatency.push(applied - at);
      appliedAt.delete(key);
    }
  };
  const projector = await startProjector({
    nc,
    db,
    onApplied: (decisionId, seq) => {
      if (!tracked.has(decisionId)) return;
      const key = `${decisionId}/${seq}`;
      const t = updateDone.get(key);
      if (t === undefined) appliedAt.set(key, performance.now());
      else {
        recordLatency.push(performance.now() - t);
        updateDone.delete(key);
      }
    },
  });
  shutdown.add('the projector', () => projector.stop());

  const cpuNow = async (): Promise<CpuSnapshot> => {
    const self = process.cpuUsage();
    return {
      worker: (await worker.usage()).cpuMicros / 1e6,
      server: treeCpuS(temporalServer.pid),
      nats: treeCpuS(natsServer.pid),
      postgres: treeCpuS(pgServer.pid),
      bench: (self.user + self.system) / 1e6,
      machine: machineBusyS(),
    };
  };

  /** Times `run` (n decisions of one side), with the CPU and the client calls it took. */
  const timed = async (run: () => Promise<void>) => {
    rpcs.clear();
    const before = await cpuNow();
    countingRpcs = true;
    const t0 = performance.now();
    await run();
    const seconds = (performance.now() - t0) / 1000;
    countingRpcs = false;
    const after = await cpuNow();
    const cpu = Object.fromEntries((Object.keys(after) as (keyof CpuSnapshot)[]).map((k) => [k, after[k] - before[k]])) as unknown as CpuSnapshot;
    return { seconds, cpu, rpcs: new Map(rpcs) };
  };

  /** A run id for each workflow: the first of its chain (a juece decision started with its first Update: asked here). */
  const firstRun = async (id: { workflowId: string; firstRunId?: string }) =>
    id.firstRunId ?? (await client.client.workflow.getHandle(id.workflowId).describe()).raw.workflowExecutionInfo!.firstRunId!;
  const countAll = async (ids: { workflowId: string; firstRunId?: string }[]) => {
    const shaped = await pool(ids.map((id) => async () => shapeOf(await historiesOf(client.client, id.workflowId, await firstRun(id)))), 4);
    const counted: Counted = { runs: 0, updates: 0, activities: 0, localActivities: 0, workflowTasks: 0, historyEvents: 0, upserts: 0 };
    for (const s of shaped) for (const k of Object.keys(counted) as (keyof Counted)[]) counted[k] += s.counted[k];
    return { counted, shapes: shaped.map((s) => s.shape), names: shaped.map((s) => s.names) };
  };

  /** n juece decisions through every step, C at a time. */
  const jueceBatch = async (n: number, label: string, track: boolean): Promise<BatchResult> => {
    const latencies: number[] = [];
    const started: number[] = [];
    const ended: number[] = [];
    const ids: { workflowId: string; firstRunId?: string }[] = [];
    const waits = new Map<string, number>();
    let events = 0;
    const t = await timed(async () => {
      await pool(
        Array.from({ length: n }, (_, i) => async () => {
          const proposal = sampleProposal(`bench-${label}-${i}-${Date.now()}`);
          const consultation = retroactiveConsultation();
          // The start carries the first step (update-with-start): the consultation opens with it. (Not among the Update
          // latencies: it includes the start, which the baseline's first Update does not.)
          if (track) tracked.add(proposal.decisionId);
          const asked = performance.now();
          const { decision: d, ack: opened } = await client.startDecisionWith(proposal, 'openConsultation', sampleInput.openConsultation(consultation));
          let stepStart = performance.now();
          started.push(stepStart - asked);
          if (track) answered(proposal.decisionId, opened.seq, stepStart);
          // The time from the last answer (or the start) to the next Update, by the Update's name.
          const original = d.handle.executeUpdate.bind(d.handle);
          (d.handle as { executeUpdate: typeof original }).executeUpdate = (async (...args: Parameters<typeof original>) => {
            const t0 = performance.now();
            const name = typeof args[0] === 'string' ? args[0] : args[0].name;
            waits.set(name, (waits.get(name) ?? 0) + (t0 - stepStart));
            const ack = (await original(...args)) as { seq: number };
            const t1 = performance.now();
            latencies.push(t1 - t0);
            stepStart = t1;
            if (track) answered(proposal.decisionId, ack.seq, t1);
            return ack;
          }) as typeof original;
          const steps = [
            ...sampleSteps(d, consultation).slice(1), // the consultation opened with the start
            async () => {
              // The decision enters execution once its publication deadline is settled (an activity after the answer).
              await stepOpen(d, 'execution');
              return d.stopExecution({ requestId: `stop-${proposal.decisionId}`, actor: sampleActors.head, reason: '基准测试结束', procedureReference: '基准' });
            },
          ];
          for (const step of steps) await step();
          const status = await d.result(); // (not `events += await …`: that would read `events` before the wait)
          ended.push(performance.now() - stepStart);
          events += status.events ?? 0;
          ids.push({ workflowId: d.workflowId }); // its first run asked once the batch is timed (update-with-start names none)
        }),
        C,
      );
    });
    const c = await countAll(ids);
    return { side: 'juece', decisions: n, ...t, ...c, updateLatencies: latencies, started, ended, waits, events };
  };

  /** One baseline workflow for each juece decision of `like`, with its shape. */
  const baselineBatch = async (like: BatchResult, label: string): Promise<BatchResult> => {
    const latencies: number[] = [];
    const started: number[] = [];
    const ended: number[] = [];
    const ids: { workflowId: string; firstRunId: string }[] = [];
    let events = 0;
    const t = await timed(async () => {
      await pool(
        like.shapes.map((shape, i) => async () => {
          const id = `baseline-${label}-${i}-${Date.now()}`;
          const asked = performance.now();
          const h: WorkflowHandleWithFirstExecutionRunId<typeof baselineDecision> = await client.client.workflow.start(baselineDecision, {
            taskQueue,
            workflowId: id,
            args: [{ decisionId: id, shape }],
          });
          let answered = performance.now();
          for (let u = 0; u < shape.updates.length; u++) {
            const t0 = performance.now();
            await h.executeUpdate(baselineStep, { args: [u] });
            answered = performance.now();
            if (u === 0) started.push(answered - asked);
            else latencies.push(answered - t0);
          }
          const result = await h.result();
          ended.push(performance.now() - answered);
          events += result.activities;
          ids.push({ workflowId: id, firstRunId: h.firstExecutionRunId });
        }),
        C,
      );
    });
    const c = await countAll(ids);
    if (c.counted.updates !== like.counted.updates || c.counted.activities !== like.counted.activities) {
      throw new Error(
        `the baseline ran ${c.counted.updates} Updates / ${c.counted.activities} activities against juece's ${like.counted.updates} / ${like.counted.activities}`,
      );
    }
    return { side: 'baseline', decisions: like.decisions, ...t, ...c, updateLatencies: latencies, started, ended, waits: new Map(), events };
  };

  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
  console.log(
    `juece and the baseline alternate: ${REPETITIONS} × (${N} juece decisions, then ${N} baseline workflows of the same shapes), ` +
      `${C} concurrent clients, after a warm-up of ${WARMUP} each; Temporal CLI dev server (SQLite), nats-server, PostgreSQL\n` +
      `juece starts each decision with its consultation (update-with-start) and computes deadlines in local activities; ` +
      `the baseline starts, then sends the same Updates, and runs every activity through the server\n`,
  );

  if (WARMUP > 0) {
    progress(`warm-up: ${WARMUP} juece decisions, ${WARMUP} baseline workflows`);
    await baselineBatch(await jueceBatch(WARMUP, 'warmup', false), 'warmup');
    await projector.idle(120_000);
  }
  const juece: BatchResult[] = [];
  const baseline: BatchResult[] = [];
  for (let r = 1; r <= REPETITIONS; r++) {
    const j = await jueceBatch(N, `r${r}`, true);
    await projector.idle(120_000); // the record catches up before the other side's batch starts
    progress(`repetition ${r}: juece ${(N / j.seconds).toFixed(2)} decisions/s`);
    const b = await baselineBatch(j, `r${r}`);
    await projector.idle(120_000);
    progress(`repetition ${r}: baseline ${(N / b.seconds).toFixed(2)} decisions/s`);
    juece.push(j);
    baseline.push(b);
  }

  const rate = (b: BatchResult) => b.decisions / b.seconds;
  const perDecision = (bs: BatchResult[], f: (b: BatchResult) => number) => sum(bs.map(f)) / sum(bs.map((b) => b.decisions));
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  const both = (label: string, f: (b: BatchResult) => number, digits: number, unit = '') =>
    row(label, spread(juece.map(f), digits, unit), spread(baseline.map(f), digits, unit));
  const mean = (label: string, f: (b: BatchResult) => number, digits = 1) =>
    row(label, perDecision(juece, f).toFixed(digits), perDecision(baseline, f).toFixed(digits));

  row('min / median / max over the repetitions', 'juece', 'baseline');
  both('decisions completed per second', rate, 2);
  row('juece / baseline (decisions per second)', spread(juece.map((j, i) => rate(j) / rate(baseline[i]!)), 2));
  console.log('CPU time per decision');
  for (const [part, label] of CPU_PARTS) both(`  ${label}`, (b) => (b.cpu[part] * 1000) / b.decisions, 0, ' ms');
  const ours = (b: BatchResult) => sum(CPU_PARTS.map(([p]) => b.cpu[p]));
  both(`  all of them, per second of the batch (of ${cpus().length} cores)`, (b) => ours(b) / b.seconds, 2);
  both('  other load on the machine (processes, steal), per s', (b) => Math.max(0, b.cpu.machine - ours(b)) / b.seconds, 2);
  console.log('per decision (mean over the repetitions; from the histories, every run)');
  mean('  runs (continued as new)', (b) => b.counted.runs, 2);
  mean('  Updates', (b) => b.counted.updates);
  mean('  activities', (b) => b.counted.activities);
  mean('    of which local (run within a workflow task)', (b) => b.counted.localActivities);
  mean('  workflow tasks', (b) => b.counted.workflowTasks);
  mean('  server round trips (Updates + activities not local + wf tasks)', (b) => b.counted.updates + b.counted.activities - b.counted.localActivities + b.counted.workflowTasks);
  mean('  history events', (b) => b.counted.historyEvents);
  mean('    of which search attribute upserts', (b) => b.counted.upserts);
  mean('  events published to JetStream', (b) => b.events);
  const methods = [...new Set([...juece, ...baseline].flatMap((b) => [...b.rpcs.keys()]))].sort();
  mean('  client calls to the Temporal frontend', (b) => sum([...b.rpcs.values()]));
  for (const m of methods) mean(`    ${m}`, (b) => b.rpcs.get(m) ?? 0);
  row('  clients between an answer and the next Update (polling)', ms(perDecision(juece, (b) => sum([...b.waits.values()]))), '-');
  const waitedFor = [...new Set(juece.flatMap((b) => [...b.waits.keys()]))];
  const waitsBefore = waitedFor
    .map((u) => [u, perDecision(juece, (b) => b.waits.get(u) ?? 0)] as const)
    .filter(([, w]) => w >= 1)
    .map(([u, w]) => `${u} ${w.toFixed(0)}`);
  console.log(`    before (ms): ${waitsBefore.length ? waitsBefore.join(', ') : 'none of 1 ms or more'}`);
  const percentiles = (label: string, f: (b: BatchResult) => number[]) =>
    row(label, ...[juece, baseline].map((bs) => [50, 95, 99].map((p) => pct(bs.flatMap(f), p).toFixed(0)).join(' / ') + ' ms'));
  percentiles('start with the first Update p50 / p95 / p99', (b) => b.started);
  percentiles('Update latency (the others) p50 / p95 / p99', (b) => b.updateLatencies);
  percentiles('last answer → result p50 / p95 / p99', (b) => b.ended);
  row('step answered → event in the record p50 / p95 / p99', [50, 95, 99].map((p) => pct(recordLatency, p).toFixed(0)).join(' / ') + ' ms');
  row('  in the record before the client had the answer', `${recordLatency.filter((l) => l < 0).length} of ${recordLatency.length} events`);
  // The peer benchmark (../shared/peers/flowable/run.sh) reads these two rows: one figure a side.
  row('medians, for the peer benchmark', 'juece', 'baseline');
  row('decisions completed per second', pct(juece.map(rate), 50).toFixed(2), pct(baseline.map(rate), 50).toFixed(2));
  const countsOf = (bs: BatchResult[]) => `${perDecision(bs, (b) => b.counted.updates).toFixed(0)} / ${perDecision(bs, (b) => b.counted.activities).toFixed(0)}`;
  row('Updates / activities per decision', countsOf(juece), countsOf(baseline));
  const usage = await worker.usage();
  row('worker peak RSS', `${(usage.maxRssKiB / 1024).toFixed(0)} MiB (both sides)`);
  // The shape the baseline repeats: activities at the start and in / after each Update, juece's mean.
  const all = juece.flatMap((b) => b.shapes);
  const names = juece.flatMap((b) => b.names)[0] ?? [];
  const avg = (f: (s: DecisionShape) => number) => (sum(all.map(f)) / all.length).toFixed(1).replace(/\.0$/, '');
  console.log(
    `activities at the start and per Update (in its handler + after it), juece's mean, repeated by the baseline one decision for one:\n  start ${avg((s) => s.start)}; ` +
      names.map((name, u) => `${name} ${avg((s) => s.updates[u]?.inHandler ?? 0)}+${avg((s) => s.updates[u]?.after ?? 0)}`).join('; '),
  );

  if (OPEN > 0) {
    // Starting decisions while open ones pile up on the dev server.
    console.log('');
    const batch = 500;
    for (let started = 0; started < OPEN; started += batch) {
      const count = Math.min(batch, OPEN - started);
      const t0 = performance.now();
      await pool(Array.from({ length: count }, (_, i) => () => client.startDecision(sampleProposal(`open-${started + i}-${Date.now()}`))), 20);
      row(`decisions started per second (${started}-${started + count} open)`, (count / ((performance.now() - t0) / 1000)).toFixed(0));
    }
  }

  if (RECORD_OPEN > 0) {
    // The read model: RECORD_OPEN open decisions, a quarter waiting on legality review.
    await recordListQuery(db);
  }
}

async function recordListQuery(db: Db): Promise<void> {
  const at = new Date().toISOString();
  for (let i = 0; i < RECORD_OPEN; i++) {
    const base = { schema: EVENT_SCHEMA_V1, kind: 'majorDecision', decisionId: `rm-${i}`, authority: `auth-${i % 20}`, at, workflowId: `decision-rm-${i}`, runId: 'bench' } as const;
    const step = i % 4 === 0 ? 'legalityReview' : 'publicParticipation';
    const standing = (openSteps: StepName[]) => ({ status: 'inProgress', openSteps, currentStep: openSteps[0] ?? null, nextDeadline: null, overdue: false });
    await applyEvent(db, { ...base, seq: 1, type: 'decisionStarted', summary: `读模型决策 ${i}`, details: { title: `读模型决策 ${i}`, undertakingUnit: 'x' }, standing: standing([]) });
    await applyEvent(db, { ...base, seq: 2, type: 'stepOpened', step, summary: 'opened', standing: standing([step]) });
    if ((i + 1) % 2500 === 0) progress(`read model: ${i + 1} of ${RECORD_OPEN} decisions`);
  }
  const t0 = performance.now();
  let found = 0;
  for (let offset = 0; ; offset += 1000) {
    const page = await listDecisions(db, { kind: 'majorDecision', step: 'legalityReview', limit: 1000, offset });
    found += page.length;
    if (page.length < 1000) break;
  }
  row(`list all waiting on legality review (of ${RECORD_OPEN.toLocaleString('en')})`, `${found} in ${(performance.now() - t0).toFixed(0)} ms`);
}

runBench(main);
