/**
 * The official working-day calendar (工作日历): weekends, public holidays and the weekend days made working days
 * (调休), by year and jurisdiction. Pure code over data handed to it (infra/calendarData.ts loads the data); kept out
 * of workflow code, which asks an activity for deadlines so that new holiday data never changes a replay.
 *
 * Years with a published State Council notice use it. A year without one is computed from the statutory days off
 * (全国年节及纪念日放假办法, 2024 revision) and every result that depends on it is marked provisional.
 */
import { z } from 'zod';
import { matching } from './pattern';

/** One year's official schedule for a jurisdiction, as an administrator adds it when the notice is published. */
export const YearScheduleSchema = z
  .strictObject({
    jurisdiction: matching(/^CN(-[A-Z]{2})?$/, 'must be CN or a province code such as CN-GX'),
    year: z.number().int().min(2000).max(2100),
    /** The notice the schedule comes from, e.g. 国务院办公厅关于2027年部分节假日安排的通知. */
    reference: z.string().min(1),
    /** Days off, each with its holiday's name. */
    holidays: z.record(z.string(), z.string().min(1)),
    /** Weekend days that are working days (调休上班), each with the holiday it makes up for. */
    workdays: z.record(z.string(), z.string().min(1)).default({}),
  })
  .superRefine((s, ctx) => {
    for (const field of ['holidays', 'workdays'] as const) {
      for (const date of Object.keys(s[field])) {
        let valid = true;
        try {
          dayNumber(date);
        } catch {
          valid = false;
        }
        if (!valid) ctx.addIssue({ code: 'custom', path: [field, date], message: 'is not a date in the form YYYY-MM-DD' });
        else if (!date.startsWith(`${s.year}-`)) ctx.addIssue({ code: 'custom', path: [field, date], message: `is not in ${s.year}` });
      }
    }
  });
export type YearSchedule = z.infer<typeof YearScheduleSchema>;

/** A day off defined by rule, for provisional years and regional overlays. */
export type DayOffRule =
  | { name: string; kind: 'solar'; month: number; day: number; days: number }
  | { name: string; kind: 'lunar'; month: number; day: number; days: number }
  /** Starting the given number of days before a lunar date (春节 starts on New Year's Eve). */
  | { name: string; kind: 'lunarNewYear'; daysBefore: number; days: number }
  | { name: string; kind: 'solarTerm'; term: 'pure_brightness'; days: number };

/** A regional calendar layered on the national one (e.g. 广西 壮族三月三). */
export const RegionalOverlaySchema = z.strictObject({
  jurisdiction: matching(/^CN-[A-Z]{2}$/, 'must be a province code such as CN-GX'),
  name: z.string().min(1),
  reference: z.string().min(1),
  rules: z.array(
    z.strictObject({
      name: z.string().min(1),
      kind: z.literal('lunar'),
      month: z.number().int().min(1).max(12),
      day: z.number().int().min(1).max(30),
      days: z.number().int().min(1).max(7),
    }),
  ),
});
export type RegionalOverlay = z.infer<typeof RegionalOverlaySchema>;

/** Converts lunar dates and finds solar terms; supplied by infra (chinese-days), so this module stays pure. */
export interface LunarCalendar {
  /** The Gregorian date of a lunar month/day in the lunar year that begins in `year`. */
  solarOfLunar(year: number, month: number, day: number): string;
  /** The Gregorian date of 清明 in `year`. */
  qingming(year: number): string;
}

/** Statutory days off for all citizens since 2025 (全国年节及纪念日放假办法, 2024 revision, art. 2). */
export const STATUTORY_DAYS_OFF: DayOffRule[] = [
  { name: '元旦', kind: 'solar', month: 1, day: 1, days: 1 },
  { name: '春节', kind: 'lunarNewYear', daysBefore: 1, days: 4 },
  { name: '清明节', kind: 'solarTerm', term: 'pure_brightness', days: 1 },
  { name: '劳动节', kind: 'solar', month: 5, day: 1, days: 2 },
  { name: '端午节', kind: 'lunar', month: 5, day: 5, days: 1 },
  { name: '中秋节', kind: 'lunar', month: 8, day: 15, days: 1 },
  { name: '国庆节', kind: 'solar', month: 10, day: 1, days: 3 },
];
export const STATUTORY_BASIS = '全国年节及纪念日放假办法（2024年修订）第二条、第六条';

const DAY_MS = 86_400_000;

/** Day number (days since 1970-01-01) of a `YYYY-MM-DD` date. */
export function dayNumber(date: string): number {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7));
  const d = Number(date.slice(8, 10));
  const ms = Date.UTC(y, m - 1, d);
  const check = new Date(ms);
  if (date.length !== 10 || Number.isNaN(ms) || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d || date[4] !== '-' || date[7] !== '-') {
    throw new RangeError(`"${date}" is not a date in the form YYYY-MM-DD`);
  }
  return ms / DAY_MS;
}

export function dateOf(dayNo: number): string {
  return new Date(dayNo * DAY_MS).toISOString().slice(0, 10);
}

function addDaysTo(date: string, n: number): string {
  return dateOf(dayNumber(date) + n);
}

/** The statutory days off of a year without a published schedule, with substitute days (补假, art. 6). */
export function provisionalYear(year: number, lunar: LunarCalendar, rules: DayOffRule[] = STATUTORY_DAYS_OFF): YearSchedule {
  const holidays: Record<string, string> = {};
  const blocks: string[][] = [];
  for (const r of rules) {
    let first: string;
    if (r.kind === 'solar') first = `${year}-${String(r.month).padStart(2, '0')}-${String(r.day).padStart(2, '0')}`;
    else if (r.kind === 'lunar') first = lunar.solarOfLunar(year, r.month, r.day);
    else if (r.kind === 'lunarNewYear') first = addDaysTo(lunar.solarOfLunar(year, 1, 1), -r.daysBefore);
    else first = lunar.qingming(year);
    const block = Array.from({ length: r.days }, (_, i) => addDaysTo(first, i));
    for (const d of block) holidays[d] = r.name;
    blocks.push(block);
  }
  // A holiday for all citizens falling on a Saturday or Sunday is made up on the next working day (art. 6).
  for (const block of blocks) {
    const name = holidays[block[0]!]!;
    const owed = block.filter((d) => isWeekend(d)).length;
    let next = addDaysTo(block[block.length - 1]!, 1);
    for (let i = 0; i < owed; ) {
      if (!isWeekend(next) && !holidays[next]) {
        holidays[next] = `${name}（补假）`;
        i += 1;
      }
      next = addDaysTo(next, 1);
    }
  }
  return { jurisdiction: 'CN', year, reference: `provisional: statutory days off (${STATUTORY_BASIS}); no notice published yet`, holidays, workdays: {} };
}

function isWeekend(date: string): boolean {
  const dow = new Date(dayNumber(date) * DAY_MS).getUTCDay();
  return dow === 0 || dow === 6;
}

export interface CrossedDay {
  date: string;
  name: string;
}

export interface DeadlineResult {
  /** The last day of the period (Asia/Shanghai calendar date). */
  date: string;
  /** True when a day in the period lies in a year with no published schedule. */
  provisional: boolean;
  /** Years whose schedule was computed rather than published. */
  provisionalYears: number[];
  /** Public holidays inside the period (start excluded, end included). */
  holidaysCrossed: CrossedDay[];
  /** Weekend days worked inside the period (调休上班). */
  makeUpDaysCrossed: CrossedDay[];
}

/**
 * A working-day calendar for one jurisdiction over a fixed range of years, precomputed into arrays so that
 * adding N working days is two array lookups.
 */
export class WorkingCalendar {
  private readonly first: number;
  private readonly working: Uint8Array;
  /** cumulative[i]: working days among days 0..i. */
  private readonly cumulative: Int32Array;
  /** workingDays[k]: day index of the (k+1)-th working day. */
  private readonly workingDays: Int32Array;
  private readonly names = new Map<number, string>();
  private readonly provisional = new Set<number>();

  constructor(
    readonly jurisdiction: string,
    readonly firstYear: number,
    readonly lastYear: number,
    /** Schedules by year; years missing here are weekends only, which is never silently allowed: see `schedules`. */
    schedules: Map<number, YearSchedule & { provisional?: boolean }>,
    readonly references: Map<number, string> = new Map(),
  ) {
    this.first = dayNumber(`${firstYear}-01-01`);
    const last = dayNumber(`${lastYear}-12-31`);
    const size = last - this.first + 1;
    this.working = new Uint8Array(size);
    for (let i = 0; i < size; i++) {
      const dow = (this.first + i + 4) % 7; // 1970-01-01 was a Thursday
      this.working[i] = dow === 0 || dow === 6 ? 0 : 1;
    }
    for (let year = firstYear; year <= lastYear; year++) {
      const s = schedules.get(year);
      if (!s) throw new Error(`No schedule for ${year} in the ${jurisdiction} calendar`);
      if (s.provisional) this.provisional.add(year);
      for (const [date, name] of Object.entries(s.holidays)) this.mark(date, 0, name);
      for (const [date, name] of Object.entries(s.workdays)) this.mark(date, 1, name);
    }
    this.cumulative = new Int32Array(size);
    let count = 0;
    for (let i = 0; i < size; i++) {
      count += this.working[i]!;
      this.cumulative[i] = count;
    }
    this.workingDays = new Int32Array(count);
    for (let i = 0, k = 0; i < size; i++) if (this.working[i]) this.workingDays[k++] = i;
  }

  private mark(date: string, working: 0 | 1, name: string) {
    const i = dayNumber(date) - this.first;
    if (i < 0 || i >= this.working.length) return;
    this.working[i] = working;
    this.names.set(i, name);
  }

  private index(date: string): number {
    const i = dayNumber(date) - this.first;
    if (i < 0 || i >= this.working.length) {
      throw new RangeError(`${date} is outside the calendar (${this.firstYear}-${this.lastYear})`);
    }
    return i;
  }

  isWorkingDay(date: string): boolean {
    return this.working[this.index(date)] === 1;
  }

  /** Whether the schedule of `year` is published (false: computed from the statutory days off). */
  isPublished(year: number): boolean {
    return !this.provisional.has(year);
  }

  /** `n` working days after `from` (the start day not counted): the date and whether it is provisional, no details. */
  addWorkingDaysFast(from: string, n: number): { date: string; provisional: boolean } {
    const k = this.cumulative[this.index(from)]! + n - 1;
    const target = this.workingDays[k];
    if (target === undefined || n < 1) throw new RangeError(`${n} working days after ${from} is outside the calendar`);
    const date = dateOf(this.first + target);
    let provisional = false;
    if (this.provisional.size > 0) {
      for (let y = Number(from.slice(0, 4)), last = Number(date.slice(0, 4)); y <= last && !provisional; y++) {
        provisional = this.provisional.has(y) && (y > Number(from.slice(0, 4)) || from.slice(5) !== '12-31');
      }
    }
    return { date, provisional };
  }

  /** `n` working days after `from`, the start day not counted. */
  addWorkingDays(from: string, n: number): DeadlineResult {
    if (!Number.isInteger(n) || n < 1) throw new RangeError('the number of working days must be a whole number, at least 1');
    return this.describe(from, this.addWorkingDaysFast(from, n).date);
  }

  /**
   * `n` calendar days after `from`, the start day not counted; a period whose last day is a day off ends on the
   * next working day (following Civil Code arts. 201-203 on periods).
   */
  addDays(from: string, n: number): DeadlineResult {
    if (!Number.isInteger(n) || n < 1) throw new RangeError('the number of days must be a whole number, at least 1');
    let i = this.index(from) + n;
    while (i < this.working.length && !this.working[i]) i++;
    if (i >= this.working.length) throw new RangeError(`${n} days after ${from} is outside the calendar`);
    return this.describe(from, dateOf(this.first + i));
  }

  /** A deadline fixed to a date (not a period): provisional only if its own year is. */
  fixedDay(date: string): DeadlineResult {
    this.index(date);
    const year = Number(date.slice(0, 4));
    const provisional = this.provisional.has(year);
    return { date, provisional, provisionalYears: provisional ? [year] : [], holidaysCrossed: [], makeUpDaysCrossed: [] };
  }

  /** The working day `n` working days before `date` (for reminders). */
  workingDaysBefore(date: string, n: number): string {
    const i = this.index(date);
    const before = this.cumulative[i]! - this.working[i]!; // working days strictly before `date`
    const target = this.workingDays[before - n];
    if (target === undefined) throw new RangeError(`${n} working days before ${date} is outside the calendar`);
    return dateOf(this.first + target);
  }

  /** Working days in (a, b]; negative when b is before a. */
  workingDaysBetween(a: string, b: string): number {
    return this.cumulative[this.index(b)]! - this.cumulative[this.index(a)]!;
  }

  private describe(from: string, to: string): DeadlineResult {
    const start = this.index(from);
    const end = this.index(to);
    const holidaysCrossed: CrossedDay[] = [];
    const makeUpDaysCrossed: CrossedDay[] = [];
    for (let i = start + 1; i <= end; i++) {
      const name = this.names.get(i);
      if (name === undefined) continue;
      (this.working[i] ? makeUpDaysCrossed : holidaysCrossed).push({ date: dateOf(this.first + i), name });
    }
    const provisionalYears: number[] = [];
    if (end > start) {
      for (let y = Number(dateOf(this.first + start + 1).slice(0, 4)), last = Number(to.slice(0, 4)); y <= last; y++) {
        if (this.provisional.has(y)) provisionalYears.push(y);
      }
    }
    return { date: to, provisional: provisionalYears.length > 0, provisionalYears, holidaysCrossed, makeUpDaysCrossed };
  }
}
