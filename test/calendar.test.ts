/**
 * The working-day calendar and the deadline calculator, against the State Council's holiday notices.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { applyDeadlineRule, DEADLINE_RULES } from '../domain/deadlines';
import { loadCalendars } from '../infra/calendarData';

const calendars = loadCalendars();
const cn = calendars.national;
const run = promisify(execFile);
const juece = (...args: string[]) => run(process.execPath, [path.resolve(__dirname, '../bin/juece.js'), ...args]);

/** Expand 'YYYY-MM-DD..YYYY-MM-DD' into its days. */
function days(range: string): string[] {
  const [a, b = a] = range.split('..') as [string, string?];
  const out: string[] = [];
  for (let t = Date.parse(`${a}T00:00:00Z`); t <= Date.parse(`${b}T00:00:00Z`); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/**
 * The notices as published (国务院办公厅关于20XX年部分节假日安排的通知): the days off of each holiday, and the weekend
 * days made working days. Transcribed here so that the package the calendar uses is checked against them.
 */
const NOTICES: Record<number, { off: string[]; work: string[] }> = {
  2024: {
    off: ['2024-01-01', '2024-02-10..2024-02-17', '2024-04-04..2024-04-06', '2024-05-01..2024-05-05', '2024-06-10', '2024-09-15..2024-09-17', '2024-10-01..2024-10-07'],
    work: ['2024-02-04', '2024-02-18', '2024-04-07', '2024-04-28', '2024-05-11', '2024-09-14', '2024-09-29', '2024-10-12'],
  },
  2025: {
    off: ['2025-01-01', '2025-01-28..2025-02-04', '2025-04-04..2025-04-06', '2025-05-01..2025-05-05', '2025-05-31..2025-06-02', '2025-10-01..2025-10-08'],
    work: ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11'],
  },
  2026: {
    off: ['2026-01-01..2026-01-03', '2026-02-15..2026-02-23', '2026-04-04..2026-04-06', '2026-05-01..2026-05-05', '2026-06-19..2026-06-21', '2026-09-25..2026-09-27', '2026-10-01..2026-10-07'],
    work: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
  },
};

describe('the national calendar', () => {
  it.each(Object.keys(NOTICES).map(Number))('agrees with the State Council notice for %i, day by day', (year) => {
    const off = new Set(NOTICES[year]!.off.flatMap(days));
    const work = new Set(NOTICES[year]!.work);
    for (const day of days(`${year}-01-01..${year}-12-31`)) {
      const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
      const expected = off.has(day) ? false : work.has(day) ? true : dow !== 0 && dow !== 6;
      expect(cn.isWorkingDay(day), day).toBe(expected);
    }
    expect(cn.isPublished(year)).toBe(true);
  });

  it.each([
    // from, working days, deadline: across the 2024, 2025 and 2026 seasons, make-up Saturdays and Sundays included
    ['2024-09-27', 7, '2024-10-12'], // National Day 2024: make-up Sunday 29 Sep and Saturday 12 Oct
    ['2024-02-08', 3, '2024-02-19'], // Spring Festival 2024: make-up Sunday 18 Feb
    ['2024-04-03', 1, '2024-04-07'], // Qingming 2024: make-up Sunday 7 Apr
    ['2024-05-10', 1, '2024-05-11'], // Labour Day 2024: make-up Saturday 11 May
    ['2025-01-24', 2, '2025-01-27'], // Spring Festival 2025: make-up Sunday 26 Jan
    ['2025-09-26', 5, '2025-10-10'], // National Day 2025: eight days off
    ['2025-09-26', 6, '2025-10-11'], // ... and make-up Saturday 11 Oct
    ['2026-02-12', 2, '2026-02-14'], // Spring Festival 2026: make-up Saturday 14 Feb
    ['2026-02-12', 3, '2026-02-24'], // ... then nine days off
    ['2026-09-18', 1, '2026-09-20'], // National Day 2026: make-up Sunday 20 Sep
    ['2026-11-20', 20, '2026-12-18'], // an ordinary stretch
  ] as const)('%s + %i working days = %s', (from, n, expected) => {
    const r = cn.addWorkingDays(from, n);
    expect(r.date).toBe(expected);
    expect(r.provisional).toBe(false);
  });

  it('ends a period in days that falls on a day off on the next working day', () => {
    expect(cn.addDays('2024-09-01', 30).date).toBe('2024-10-08'); // 1 Oct is National Day
    expect(cn.addDays('2026-01-30', 30).date).toBe('2026-03-02'); // 1 Mar 2026 is a Sunday
    expect(cn.addDays('2026-03-01', 30).date).toBe('2026-03-31'); // an ordinary Tuesday
  });

  it('lists the holidays and make-up days a period crosses', () => {
    const r = cn.addWorkingDays('2024-09-27', 7);
    expect(r.makeUpDaysCrossed.map((d) => d.date)).toEqual(['2024-09-29', '2024-10-12']);
    expect(r.holidaysCrossed.map((d) => d.date)).toEqual(days('2024-10-01..2024-10-07'));
    expect(r.holidaysCrossed[0]!.name).toBe('国庆节');
  });

  it('marks a result in 2027, whose schedule is not published, provisional, and still skips 1 January', () => {
    const r = cn.addWorkingDays('2026-12-30', 2);
    expect(r).toMatchObject({ date: '2027-01-04', provisional: true, provisionalYears: [2027] });
    expect(r.holidaysCrossed).toEqual([{ date: '2027-01-01', name: '元旦' }]);
    // Spring Festival 2027: New Year's Eve 5 Feb and days 1-3 (6-8 Feb); 6 and 7 Feb are a weekend, made up on 9 and 10 Feb.
    for (const day of days('2027-02-05..2027-02-10')) expect(cn.isWorkingDay(day), day).toBe(false);
    expect(cn.isWorkingDay('2027-02-11')).toBe(true);
    expect(cn.addWorkingDays('2027-02-04', 1).date).toBe('2027-02-11');
  });

  it('applies each statutory deadline rule with its legal basis', () => {
    expect(applyDeadlineRule(cn, DEADLINE_RULES.licensingPenaltyPublication, '2024-09-27').date).toBe('2024-10-12');
    expect(applyDeadlineRule(cn, DEADLINE_RULES.otherEnforcementPublication, '2025-09-26').date).toBe('2025-10-30');
    expect(applyDeadlineRule(cn, DEADLINE_RULES.commentPeriod, '2024-09-01').date).toBe('2024-10-08');
    expect(applyDeadlineRule(cn, DEADLINE_RULES.commentPeriod, '2024-09-01', { length: 45 }).date).toBe('2024-10-16');
    expect(applyDeadlineRule(cn, DEADLINE_RULES.commentPeriod, '2024-09-01', { length: 10 }).date).toBe('2024-10-08'); // never shorter than the statute
    expect(applyDeadlineRule(cn, DEADLINE_RULES.commentPeriod, '2024-09-01', { length: 10, urgencyReason: '汛期' }).date).toBe('2024-09-11');
    expect(applyDeadlineRule(cn, DEADLINE_RULES.hearingMaterials, '2024-10-08').date).toBe('2024-09-30'); // 1 Oct is off: the working day before
    expect(applyDeadlineRule(cn, DEADLINE_RULES.normativeDocumentFiling, '2026-09-20').date).toBe('2026-10-08');
    expect(applyDeadlineRule(cn, DEADLINE_RULES.annualStatistics, '2025-06-30').date).toBe('2026-01-31');
    expect(applyDeadlineRule(cn, DEADLINE_RULES.normativeDocumentValidity, '2024-02-29').date).toBe('2029-02-28');
    for (const rule of Object.values(DEADLINE_RULES)) expect(rule.basis.length).toBeGreaterThan(5);
  });
});

describe('calendar data', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'juece-calendar-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes a new year from a JSON file, without a code change, and stops being provisional', () => {
    mkdirSync(path.join(dir, 'national'), { recursive: true });
    writeFileSync(
      path.join(dir, 'national', '2027.json'),
      JSON.stringify({
        jurisdiction: 'CN',
        year: 2027,
        reference: '国务院办公厅关于2027年部分节假日安排的通知（测试）',
        holidays: { '2027-01-01': '元旦', '2027-01-02': '元旦', '2027-01-03': '元旦', '2027-01-04': '元旦' },
        workdays: {},
      }),
    );
    const loaded = loadCalendars(dir);
    expect(loaded.lastPublishedYear).toBe(2027);
    expect(loaded.version).not.toBe(calendars.version);
    expect(loaded.national.addWorkingDays('2026-12-30', 2)).toMatchObject({ date: '2027-01-05', provisional: false });
  });

  it('refuses a bad calendar file, naming the file and the field', () => {
    const bad = mkdtempSync(path.join(tmpdir(), 'juece-calendar-bad-'));
    mkdirSync(path.join(bad, 'national'));
    writeFileSync(path.join(bad, 'national', '2028.json'), JSON.stringify({ jurisdiction: 'CN', year: 2028, reference: 'x', holidays: { '2028-1-1': '元旦' } }));
    expect(() => loadCalendars(bad)).toThrow(/2028\.json is invalid: holidays\.2028-1-1: is not a date in the form YYYY-MM-DD/);
    rmSync(bad, { recursive: true, force: true });
  });
});

describe('a regional calendar', () => {
  it('changes a result where the region has its own days off (广西 壮族三月三)', () => {
    // 三月三 2026 is 19 April (Sunday); Guangxi is off on 19 and 20 April.
    expect(cn.addWorkingDays('2026-04-17', 1).date).toBe('2026-04-20');
    const gx = calendars.get('CN-GX').addWorkingDays('2026-04-17', 1);
    expect(gx.date).toBe('2026-04-21');
    expect(gx.holidaysCrossed).toContainEqual({ date: '2026-04-20', name: '壮族三月三' });
    expect(gx.provisional).toBe(true); // computed from the regional rule until Guangxi's own schedule is added
  });

  it('names the known jurisdictions when asked for an unknown one', () => {
    expect(() => calendars.get('CN-XX')).toThrow('No calendar for jurisdiction "CN-XX"; known: CN, CN-GX');
  });
});

describe('juece deadline', () => {
  it('prints the deadline date', async () => {
    const { stdout } = await juece('deadline', '--from', '2024-09-27', '--working-days', '7');
    expect(stdout).toBe('2024-10-12\n');
  });

  it('prints the details as JSON, with the provisional flag and what the period crossed', async () => {
    const { stdout } = await juece('deadline', '--from', '2026-12-30', '--working-days', '2', '--json');
    expect(JSON.parse(stdout)).toMatchObject({ date: '2027-01-04', provisional: true, holidaysCrossed: [{ date: '2027-01-01', name: '元旦' }] });
    const region = await juece('deadline', '--from', '2026-04-17', '--working-days', '1', '--region', 'CN-GX');
    expect(region.stdout).toBe('2026-04-21\n');
    const days = await juece('deadline', '--from', '2024-09-01', '--days', '30');
    expect(days.stdout).toBe('2024-10-08\n');
  });

  it('refuses bad input with exit code 2 and a reason', async () => {
    for (const args of [
      ['--from', '2024-02-30', '--days', '3'],
      ['--from', '2024-02-01'],
      ['--from', '2024-02-01', '--days', '-3'],
      ['--from', '2024-02-01', '--days', '3', '--region', 'CN-XX'],
    ]) {
      const err = await juece('deadline', ...args).catch((e: { code: number; stderr: string }) => e);
      expect(err, args.join(' ')).toMatchObject({ code: 2 });
      expect((err as { stderr: string }).stderr).toMatch(/^juece deadline: \S/);
    }
  });
});
