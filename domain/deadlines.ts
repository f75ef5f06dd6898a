/**
 * The one table of statutory periods and deadlines: each number with its legal basis, and how it is counted on the
 * working-day calendar. Rule sets (rules.ts), schemas and workflows take their numbers from here.
 * Counting (design choice following the general rule on periods, Civil Code arts. 201-203): the start day is not
 * counted; a period in days whose last day is a day off ends on the next working day; times are Asia/Shanghai.
 */
import { z } from 'zod';
import { dayNumber, type DeadlineResult, type WorkingCalendar } from './calendar';

/** `basis` is the full citation; `cite`, where the rule comes from Decree 713, the short "art. N" used in the record. */
type Cited = { term: string; basis: string; cite?: string };
export type DeadlineRule = Cited &
  (
    /** N working days after the start day. */
    | { kind: 'workingDays'; length: number }
    /** N calendar days after the start day, extended to the next working day if it ends on a day off. */
    | { kind: 'days'; length: number }
    /** N calendar days before an event date; moved back to the working day before if it falls on a day off. */
    | { kind: 'daysBefore'; length: number }
    /** A fixed day of the year after the start's year (e.g. 31 January). */
    | { kind: 'annual'; month: number; day: number }
    /** N years after the start day (validity); the anniversary itself, not extended. */
    | { kind: 'years'; length: number }
  );

/** Reminders of a held deadline: so many working days before it (a practice, not a statute). */
export const REMINDER_WORKING_DAYS = [3, 1] as const;

export const DEADLINE_RULES = {
  /** 行政许可、行政处罚决定 published within 7 working days of the decision (国办发〔2018〕118号; seed 003). */
  licensingPenaltyPublication: {
    kind: 'workingDays',
    length: 7,
    term: '行政许可、行政处罚决定公示',
    basis: '国办发〔2018〕118号 行政执法公示制度：作出之日起7个工作日内公开',
  },
  /** Other enforcement decisions within 20 working days (国办发〔2018〕118号; seed 003). */
  otherEnforcementPublication: {
    kind: 'workingDays',
    length: 20,
    term: '其他行政执法决定公示',
    basis: '国办发〔2018〕118号 行政执法公示制度：作出之日起20个工作日内公布',
  },
  /**
   * Legal review of a major enforcement decision: the legal body's opinion within 7 working days of receiving the
   * materials, counted again from a resubmission. Neither 国办发〔2018〕118号 nor seed 003 sets the number (seed 003
   * 二(四)4 has each office set its 时限); 7 follows 辽宁省重大行政执法决定法制审核办法 (法制机构收到送审材料（需补充
   * 材料的，从材料全部补充完毕）起7个工作日内完成审核). A design choice, not national statute.
   */
  enforcementLegalReview: {
    kind: 'workingDays',
    length: 7,
    term: '重大执法决定法制审核',
    basis: '国办发〔2018〕118号、seed 003 二(四)4 审核时限由机关确定；7个工作日依辽宁省重大行政执法决定法制审核办法（设计选择）',
  },
  /** Proactive disclosure within 20 working days of the information being formed or changed. */
  proactiveDisclosure: {
    kind: 'workingDays',
    length: 20,
    term: '主动公开',
    basis: '政府信息公开条例 第二十六条',
  },
  /** The legality reviewer is given generally at least 7 working days. */
  legalityReviewTime: {
    kind: 'workingDays',
    length: 7,
    term: '合法性审查时间',
    basis: '重大行政决策程序暂行条例 第二十七条',
    cite: 'art. 27',
  },
  /** Public comment period: generally at least 30 days. */
  commentPeriod: {
    kind: 'days',
    length: 30,
    term: '征求意见期限',
    basis: '重大行政决策程序暂行条例 第十五条',
    cite: 'art. 15',
  },
  /** Hearing materials delivered to participants 7 days before the hearing. */
  hearingMaterials: {
    kind: 'daysBefore',
    length: 7,
    term: '听证材料送达',
    basis: '重大行政决策程序暂行条例 第十七条',
    cite: 'art. 17',
  },
  /** Normative documents filed within 15 days of publication (seed 004). */
  normativeDocumentFiling: {
    kind: 'days',
    length: 15,
    term: '规范性文件备案',
    basis: '规范性文件备案审查制度：公布之日起15日内报送备案（seed 004）',
  },
  /** Annual enforcement statistics for the previous year by 31 January (seed 003; 政府信息公开条例 第四十九条 for the annual report). */
  annualStatistics: {
    kind: 'annual',
    month: 1,
    day: 31,
    term: '行政执法统计年报',
    basis: '国办发〔2018〕118号：每年1月31日前公开上年度行政执法总体情况（seed 003）',
  },
  /** Normative documents valid at most 5 years, lapsing unless re-confirmed (seed 004). */
  normativeDocumentValidity: {
    kind: 'years',
    length: 5,
    term: '规范性文件有效期',
    basis: '规范性文件有效期制度：有效期最长5年（seed 004）',
  },
} as const satisfies Record<string, DeadlineRule>;

export type DeadlineRuleName = keyof typeof DEADLINE_RULES;
export const DeadlineRuleNameSchema = z.enum(Object.keys(DEADLINE_RULES) as [DeadlineRuleName, ...DeadlineRuleName[]]);

/**
 * Applies a rule to a start (or event) date on a calendar. A longer period than the statute's may be given; a
 * shorter one only with a stated urgency reason where the statute allows it (e.g. the comment period, art. 15).
 */
export function applyDeadlineRule(
  calendar: WorkingCalendar,
  rule: DeadlineRule,
  from: string,
  opts: { length?: number; urgencyReason?: string } = {},
): DeadlineResult {
  dayNumber(from); // a clear error for a date that does not exist
  const statutory = 'length' in rule ? rule.length : 0;
  const n = opts.length === undefined ? statutory : opts.urgencyReason ? opts.length : Math.max(opts.length, statutory);
  switch (rule.kind) {
    case 'workingDays':
      return calendar.addWorkingDays(from, n);
    case 'days':
      return calendar.addDays(from, n);
    case 'daysBefore': {
      let date = shiftDate(from, -n);
      while (!calendar.isWorkingDay(date)) date = shiftDate(date, -1);
      return calendar.fixedDay(date);
    }
    case 'annual':
      return calendar.fixedDay(`${Number(from.slice(0, 4)) + 1}-${pad(rule.month)}-${pad(rule.day)}`);
    case 'years':
      return calendar.fixedDay(anniversary(from, n));
  }
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The same day `years` later; with no such day (29 February), the month's last day (Civil Code art. 202). */
function anniversary(from: string, years: number): string {
  const y = Number(from.slice(0, 4)) + years;
  const m = Number(from.slice(5, 7));
  const lastDay = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${y}-${pad(m)}-${pad(Math.min(Number(from.slice(8, 10)), lastDay))}`;
}

function shiftDate(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
