/** What the benchmarks share: their sizes from the environment, a bounded pool of jobs, CPU time read from /proc. */
import { readdirSync, readFileSync } from 'node:fs';

/** A size from the environment variable `name` (a whole number ≥ min), or `fallback`; a bad one stops the benchmark. */
export function size(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`bench: ${name}=${raw} must be a whole number of at least ${min}`);
    process.exit(2);
  }
  return n;
}

/** The middle value of `xs` (the mean of the two middle ones when their number is even). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** `min / median / max` of `xs`, each with `digits` decimals (`n/a` for none). */
export function spread(xs: number[], digits: number, unit = ''): string {
  return xs.length ? `${Math.min(...xs).toFixed(digits)} / ${median(xs).toFixed(digits)} / ${Math.max(...xs).toFixed(digits)}${unit}` : 'n/a';
}

/** Runs `jobs` with at most `c` at once; their results in order. */
export async function pool<T>(jobs: (() => Promise<T>)[], c: number): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(c, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** CPU seconds of a process and all its descendants (those that ended count through their parent's cutime/cstime); NaN without a pid. */
export function treeCpuS(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const f = readFileSync(`/proc/${name}/stat`, 'utf8');
      const s = f.slice(f.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(name), { ppid: Number(s[1]), ticks: Number(s[11]) + Number(s[12]) + Number(s[13]) + Number(s[14]) });
    } catch {
      // the process ended meanwhile
    }
  }
  let ticks = 0;
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop()!;
    ticks += stats.get(p)?.ticks ?? 0;
    for (const [child, s] of stats) if (s.ppid === p) todo.push(child);
  }
  return ticks / CLOCK_TICKS;
}

/** CPU seconds the whole machine has been busy (every core: user, nice, system, irq, softirq, steal). */
export function machineBusyS(): number {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / CLOCK_TICKS;
}
