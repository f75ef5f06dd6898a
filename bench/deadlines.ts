/**
 * Benchmark (run on demand: `npm run bench:deadlines`): deadline computations per second on the national calendar.
 * Target: a million 20-working-day computations in under two seconds on a 2-core machine.
 */
import { cpus } from 'node:os';
import { dateOf, dayNumber } from '../domain/calendar';
import { loadCalendars } from '../infra/calendarData';

const N = Number(process.env.BENCH_N ?? 1_000_000);
const t0 = performance.now();
const calendars = loadCalendars();
const loadMs = performance.now() - t0;
const cn = calendars.national;

// Start dates spread over 2024-2026, so periods cross every holiday season.
const first = dayNumber('2024-01-01');
const starts = Array.from({ length: 1096 }, (_, i) => dateOf(first + i));

function run(label: string, compute: (from: string) => unknown) {
  for (let i = 0; i < 10_000; i++) compute(starts[i % starts.length]!); // warm-up
  const t = performance.now();
  let sink = 0;
  for (let i = 0; i < N; i++) sink += (compute(starts[i % starts.length]!) as { date: string }).date.length;
  const ms = performance.now() - t;
  console.log(`${label.padEnd(46)} ${N.toLocaleString('en')} in ${ms.toFixed(0).padStart(5)} ms  ${Math.round(N / (ms / 1000)).toLocaleString('en').padStart(11)}/s${sink ? '' : ' '}`);
  return ms;
}

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
console.log(`calendar loaded (2004-2060, ${calendars.jurisdictions.join(', ')}) in ${loadMs.toFixed(0)} ms\n`);
const fast = run('20 working days: date + provisional flag', (from) => cn.addWorkingDaysFast(from, 20));
run('20 working days with holidays crossed (--json)', (from) => cn.addWorkingDays(from, 20));
run('30 days, extended past days off', (from) => cn.addDays(from, 30));
console.log(`\ntarget (1,000,000 in < 2,000 ms): ${N >= 1_000_000 && fast < 2000 ? 'met' : 'NOT met'}`);
