/**
 * The juece worker as the benchmarks run it: workers/main.ts in a process of its own, with the CPU probe loaded
 * (bench/cpuProbe.cjs) and an IPC channel to ask it for its usage; stopped by the benchmark's shutdown, and the
 * benchmark stopped if the worker dies first. BENCH_WORKER_PROFILE=<dir>: the worker writes its CPU profiles there
 * (one per thread, the workflow threads included) when it exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { RunningServer } from '../infra/servers';
import { within, type Shutdown } from './shutdown';

const root = path.resolve(__dirname, '..');

/** The worker's own process.cpuUsage() and its peak RSS. */
export interface WorkerUsage {
  cpuMicros: number;
  maxRssKiB: number;
}

export interface BenchWorker {
  child: ChildProcess;
  /** Asked over IPC (5 s at most). */
  usage(): Promise<WorkerUsage>;
}

export async function startWorker(o: { temporal: RunningServer; nats: RunningServer; bundlePath: string; taskQueue: string; shutdown: Shutdown }): Promise<BenchWorker> {
  const { shutdown } = o;
  const profile = process.env.BENCH_WORKER_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_WORKER_PROFILE)}`] : [];
  const child: ChildProcess = spawn(process.execPath, [...profile, '--require', './bench/cpuProbe.cjs', '--import', 'tsx', 'workers/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: o.temporal.address,
      NATS_URL: o.nats.address,
      TEMPORAL_TASK_QUEUE: o.taskQueue,
      JUECE_WORKFLOW_BUNDLE: o.bundlePath,
      JUECE_NOTICE_OUTBOX: 'off',
    },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Killed with this process, however it ends: never a worker left polling on its own.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  shutdown.add('the worker process', async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM'); // the worker finishes what it has in hand, then closes its connections and exits
      if (!(await within(exited.then(() => true), 30_000, false))) {
        console.error('bench: the worker did not exit within 30 s of SIGTERM; killing it');
        child.kill('SIGKILL');
        await within(exited, 5_000, undefined);
      }
    }
    process.removeListener('exit', killOnExit);
    if (child.connected) child.disconnect();
    child.stdout?.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => String(b).includes('juece worker polling') && resolve());
    child.once('exit', (code) => reject(new Error(`the worker exited (${code})`)));
  });
  child.stdout!.resume();
  // A worker that dies mid-run would leave the benchmark waiting for what can no longer come: stop at once.
  child.once('exit', (code, signal) => {
    if (shutdown.stopping) return;
    console.error(`bench: the worker exited (${signal ?? `code ${code}`}) before the benchmark ended; stopping`);
    void shutdown.run(1);
  });
  return {
    child,
    usage(): Promise<WorkerUsage> {
      return new Promise<WorkerUsage>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.off('message', onMessage);
          reject(new Error('the worker did not answer for its usage within 5 s'));
        }, 5_000);
        const onMessage = (m: unknown) => {
          clearTimeout(timer);
          resolve(m as WorkerUsage);
        };
        child.once('message', onMessage);
        child.send('usage');
      });
    },
  };
}
