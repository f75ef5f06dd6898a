/**
 * Benchmark (run on demand: `npm run bench:workflow-cpu`): what juece's workflow code alone costs the worker, with no
 * server and no activity. It replays the saved histories of the newest release (test/histories/*.v<N>.json), each run
 * of a decision in turn, and prints for each the worker's CPU time per replay (min / median / max over the
 * repetitions) and the promises the workflow code made in one replay: the SDK records a source-mapped stack for each
 * promise a workflow makes (about 40% of a replay's time), so the count says much of where it goes. A
 * change to the workflows can be weighed here in a minute rather than in `bench:procedure`'s quarter of an hour.
 *
 *   BENCH_HISTORIES    a comma-separated list of files in test/histories/ (default: every file of the newest release)
 *   BENCH_REPLAYS      replays of each history per repetition (default 20)
 *   BENCH_REPETITIONS  repetitions (default 3)
 */
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { bundleWorkflows } from '../workers/worker';
import { size, spread } from './common';

const REPLAYS = size('BENCH_REPLAYS', 20, 1);
const REPETITIONS = size('BENCH_REPETITIONS', 3, 1);
const dir = path.resolve(__dirname, '../test/histories');

/** The files of the newest release tag (`.v9.json` over `.v8.json`), or those BENCH_HISTORIES names. */
function historyFiles(): string[] {
  const named = process.env.BENCH_HISTORIES?.split(',').filter(Boolean);
  const all = readdirSync(dir).filter((f) => /\.v\d+\.json$/.test(f));
  if (named?.length) {
    const unknown = named.filter((f) => !all.includes(f));
    if (unknown.length) {
      console.error(`bench: no such history in test/histories: ${unknown.join(', ')}`);
      process.exit(2);
    }
    return named;
  }
  if (!all.length) {
    console.error('bench: test/histories holds no saved history (JUECE_SAVE_HISTORIES=<tag> saves them)');
    process.exit(2);
  }
  const tag = (f: string) => Number(/\.v(\d+)\.json$/.exec(f)![1]);
  const newest = Math.max(...all.map(tag));
  return all.filter((f) => tag(f) === newest).sort();
}

/**
 * Replays each history of `histories` `n` times, round-robin, through one replay worker; the worker's CPU milliseconds
 * per replay of each (the CPU used between one replay's result and the next). A replay that fails stops the benchmark.
 */
async function replayAll(bundle: WorkflowBundle, histories: Map<string, unknown>, n: number): Promise<Map<string, number>> {
  const files = [...histories.keys()];
  async function* all() {
    for (let i = 0; i < n; i++) for (const f of files) yield { workflowId: `bench-${i}-${f}`, history: histories.get(f) as never };
  }
  const spent = new Map(files.map((f) => [f, 0]));
  let mark = process.cpuUsage();
  for await (const r of Worker.runReplayHistories({ workflowBundle: bundle }, all())) {
    const used = process.cpuUsage(mark);
    mark = process.cpuUsage();
    const file = r.workflowId.replace(/^bench-\d+-/, '');
    if (r.error) {
      console.error(`bench: ${file} does not replay: ${r.error.message}`);
      process.exit(1);
    }
    spent.set(file, spent.get(file)! + (used.user + used.system) / 1000);
  }
  return new Map([...spent].map(([f, ms]) => [f, ms / n]));
}

/**
 * Promises made in the workflow's own context (its sandbox's Promise, not this process's) in one replay of each: a
 * replay worker runs the workflows in this thread (the SDK replays in debug mode), so this process's hook sees them.
 */
async function promisesIn(bundle: WorkflowBundle, histories: Map<string, unknown>): Promise<Map<string, number>> {
  const made = new Map<string, number>();
  for (const [f, h] of histories) {
    let n = 0;
    const stop = v8.promiseHooks.onInit((promise) => {
      if (promise.constructor !== Promise) n++;
    });
    try {
      await replayAll(bundle, new Map([[f, h]]), 1);
    } finally {
      stop();
    }
    made.set(f, n);
  }
  return made;
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') }); // not the replay workers' every change of state
  const files = historyFiles();
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
  process.stderr.write('  … bundling the workflows\n');
  const bundle = await bundleWorkflows();
  const histories = new Map(files.map((f) => [f, JSON.parse(readFileSync(path.join(dir, f), 'utf8'))]));
  await replayAll(bundle, histories, 3); // warm-up: the sandbox, the JIT

  const cpu = new Map<string, number[]>(files.map((f) => [f, []]));
  for (let r = 0; r < REPETITIONS; r++) {
    process.stderr.write(`  … repetition ${r + 1} of ${REPETITIONS}: ${REPLAYS} replays of each of ${files.length} histories\n`);
    for (const [f, ms] of await replayAll(bundle, histories, REPLAYS)) cpu.get(f)!.push(ms);
  }
  const promises = await promisesIn(bundle, histories);

  console.log(`\n${'history'.padEnd(40)} ${'events'.padStart(7)} ${'promises'.padStart(9)} ${'worker CPU ms a replay (min / median / max)'.padStart(46)}`);
  for (const [f, h] of histories) {
    const events = historyFromJSON(h).events?.length ?? 0;
    console.log(`${f.padEnd(40)} ${String(events).padStart(7)} ${String(promises.get(f)).padStart(9)} ${spread(cpu.get(f)!, 1).padStart(46)}`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
