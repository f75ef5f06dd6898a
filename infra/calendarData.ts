/**
 * Loads the working-day calendars: published national schedules from the `chinese-days` package (2004 onwards,
 * checked against the State Council notices in test/calendar.test.ts), schedules an administrator adds as JSON files
 * in the calendar folder (`calendars/national/<year>.json`, taking precedence), provisional years computed from the
 * statutory days off, and regional overlays (`calendars/regions/*.json`).
 */
import chineseDays from 'chinese-days';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  provisionalYear,
  RegionalOverlaySchema,
  WorkingCalendar,
  YearScheduleSchema,
  type LunarCalendar,
  type RegionalOverlay,
  type YearSchedule,
} from '../domain/calendar';

export const DEFAULT_CALENDAR_DIR = path.resolve(__dirname, '../calendars');
const FIRST_YEAR = 2004;
/** Years past the last published one are provisional; the calendar reaches this far. */
const LAST_YEAR = 2060;

const lunar: LunarCalendar = {
  solarOfLunar: (year, month, day) =>
    chineseDays.getSolarDateFromLunar(`${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`).date,
  qingming: (year) => {
    const term = chineseDays.getSolarTerms(`${year}-04-01`, `${year}-04-10`).find((t) => t.term === 'pure_brightness');
    if (!term) throw new Error(`No 清明 found in April ${year}`);
    return term.date;
  },
};

type Schedules = Map<number, YearSchedule & { provisional?: boolean }>;

/** National schedules published in the chinese-days package, by year. */
function packagedSchedules(): Schedules {
  const file = require.resolve('chinese-days/dist/chinese-days.json');
  const version = JSON.parse(readFileSync(path.join(path.dirname(file), '..', 'package.json'), 'utf8')).version as string;
  const data = JSON.parse(readFileSync(file, 'utf8')) as { holidays: Record<string, string>; workdays: Record<string, string> };
  const out: Schedules = new Map();
  const at = (date: string) => {
    const year = Number(date.slice(0, 4));
    if (!out.has(year)) {
      out.set(year, {
        jurisdiction: 'CN',
        year,
        reference: `国务院办公厅关于${year}年部分节假日安排的通知 (chinese-days ${version})`,
        holidays: {},
        workdays: {},
      });
    }
    return out.get(year)!;
  };
  // Entries read "English name,中文名,days"; keep the Chinese name.
  for (const [date, v] of Object.entries(data.holidays)) at(date).holidays[date] = v.split(',')[1] ?? v;
  for (const [date, v] of Object.entries(data.workdays)) at(date).workdays[date] = `${v.split(',')[1] ?? v}调休上班`;
  return out;
}

function readJsonFiles(dir: string): { file: string; data: unknown }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      try {
        return { file, data: JSON.parse(readFileSync(file, 'utf8')) as unknown };
      } catch (err) {
        throw new Error(`Calendar file ${file} is not valid JSON: ${(err as Error).message}`);
      }
    });
}

function parseFile<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, file: string, data: unknown): T {
  const r = schema.safeParse(data);
  if (!r.success) {
    throw new Error(`Calendar file ${file} is invalid: ${r.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`);
  }
  return r.data;
}

export interface CalendarSet {
  /** The national calendar. */
  national: WorkingCalendar;
  /** The calendar of a jurisdiction (CN or a province code with an overlay), or a clear error. */
  get(jurisdiction?: string): WorkingCalendar;
  jurisdictions: string[];
  /** The last year with a published national schedule. */
  lastPublishedYear: number;
  /** A digest of all the data the calendars were built from: deadlines record which data computed them. */
  version: string;
}

export function loadCalendars(dir: string = DEFAULT_CALENDAR_DIR): CalendarSet {
  const hash = createHash('sha256');
  const published = packagedSchedules();
  for (const { file, data } of readJsonFiles(path.join(dir, 'national'))) {
    const s = parseFile(YearScheduleSchema, file, data);
    if (s.jurisdiction !== 'CN') throw new Error(`Calendar file ${file}: a national schedule must have jurisdiction CN`);
    published.set(s.year, s);
  }
  const lastPublishedYear = Math.max(...published.keys());
  const national: Schedules = new Map();
  for (let year = FIRST_YEAR; year <= LAST_YEAR; year++) {
    national.set(year, published.get(year) ?? { ...provisionalYear(year, lunar), provisional: true });
  }
  for (const [year, s] of national) hash.update(`${year}:${JSON.stringify(s)}`);

  const calendars = new Map<string, WorkingCalendar>([['CN', new WorkingCalendar('CN', FIRST_YEAR, LAST_YEAR, national)]]);
  const regionFiles = readJsonFiles(path.join(dir, 'regions'));
  const overlays = regionFiles.filter((f) => (f.data as { rules?: unknown }).rules !== undefined);
  const regionalYears = regionFiles.filter((f) => (f.data as { rules?: unknown }).rules === undefined);
  for (const { file, data } of overlays) {
    const overlay = parseFile(RegionalOverlaySchema, file, data);
    const years = new Map<number, YearSchedule>();
    for (const f of regionalYears) {
      const s = parseFile(YearScheduleSchema, f.file, f.data);
      if (s.jurisdiction === overlay.jurisdiction) years.set(s.year, s);
    }
    calendars.set(overlay.jurisdiction, regionalCalendar(overlay, national, years));
    hash.update(JSON.stringify(overlay));
    for (const s of years.values()) hash.update(JSON.stringify(s));
  }
  const version = hash.digest('hex').slice(0, 16);
  return {
    national: calendars.get('CN')!,
    get(jurisdiction = 'CN') {
      const c = calendars.get(jurisdiction);
      if (!c) throw new Error(`No calendar for jurisdiction "${jurisdiction}"; known: ${[...calendars.keys()].join(', ')}`);
      return c;
    },
    jurisdictions: [...calendars.keys()],
    lastPublishedYear,
    version,
  };
}

/**
 * The national schedule with the region's own days off. A year with the region's published schedule uses it; other
 * years compute the regional days from the overlay's rules and are provisional, since the region's yearly notice
 * may move them.
 */
function regionalCalendar(overlay: RegionalOverlay, national: Schedules, published: Map<number, YearSchedule>): WorkingCalendar {
  const schedules: Schedules = new Map();
  for (const [year, base] of national) {
    const own = published.get(year);
    const holidays = { ...base.holidays };
    const workdays = { ...base.workdays };
    if (own) {
      Object.assign(holidays, own.holidays);
      Object.assign(workdays, own.workdays);
    } else {
      for (const rule of overlay.rules) {
        const first = Date.parse(`${lunar.solarOfLunar(year, rule.month, rule.day)}T00:00:00Z`);
        for (let i = 0; i < rule.days; i++) holidays[new Date(first + i * 86_400_000).toISOString().slice(0, 10)] = rule.name;
      }
    }
    schedules.set(year, { ...base, jurisdiction: overlay.jurisdiction, holidays, workdays, provisional: base.provisional || !own });
  }
  return new WorkingCalendar(overlay.jurisdiction, FIRST_YEAR, LAST_YEAR, schedules);
}

export interface CalendarProvider {
  /** The calendars as the files are now: reloaded when a calendar file is added, changed or removed. */
  current(): CalendarSet;
  dir: string;
}

/** Caches the calendars and reloads them when the calendar folder's files change (a new year's notice added). */
export function calendarProvider(dir: string = DEFAULT_CALENDAR_DIR): CalendarProvider {
  let cached: { signature: string; set: CalendarSet } | undefined;
  const signature = () =>
    ['national', 'regions']
      .flatMap((sub) => {
        const d = path.join(dir, sub);
        return existsSync(d) ? readdirSync(d).map((f) => `${sub}/${f}:${statSync(path.join(d, f)).mtimeMs}`) : [];
      })
      .sort()
      .join('|');
  return {
    dir,
    current() {
      const sig = signature();
      if (!cached || cached.signature !== sig) cached = { signature: sig, set: loadCalendars(dir) };
      return cached.set;
    },
  };
}
