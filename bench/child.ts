/**
 * A juece process (worker, API) started by a benchmark: running once it prints its ready line, stopped with SIGTERM
 * and waited for (then SIGKILL), and killed with the benchmark however it ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface Child {
  pid: number | undefined;
  stop(): Promise<void>;
}

const root = path.resolve(__dirname, '..');

export async function startChild(name: string, script: string, env: Record<string, string>, ready: string, timeoutMs = 120_000): Promise<Child> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not say "${ready}" within ${timeoutMs / 1000} s`)), timeoutMs);
    child.stdout!.on('data', (b: Buffer) => {
      if (String(b).includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it was ready`));
    });
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    process.removeListener('exit', killOnExit);
    child.stdout?.destroy();
  };
  try {
    await started;
  } catch (err) {
    await stop();
    throw err;
  }
  child.stdout!.resume();
  return { pid: child.pid, stop };
}
