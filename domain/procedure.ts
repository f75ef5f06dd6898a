/**
 * The procedure's rules, each with its legal basis. Source: 重大行政决策程序暂行条例 (Interim Regulations on Major
 * Administrative Decision Procedures, State Council Decree No. 713, in force 2019-09-01), cited as "art. N".
 * Pure code: imported by workflows, activities and clients alike.
 */
import { DEADLINE_RULES } from './deadlines';

/**
 * The failure type of an action refused because the comment period (征求意见期限, art. 15) is still open: the report
 * on the comments waits for its end. A client that tries first and waits only on this refusal asks nothing else.
 */
export const COMMENT_PERIOD_OPEN = 'CommentPeriodOpen';

/** The steps in order; the statute fixes no order among the first three, which run side by side. */
export const STEP_NAMES = [
  'publicParticipation',
  'expertReview',
  'riskAssessment',
  'legalityReview',
  'collectiveDecision',
  'partyCommitteeReport',
  'publication',
  'execution',
] as const;
export type StepName = (typeof STEP_NAMES)[number];

export interface StepRule {
  /** The Chinese term used in the statute. */
  term: string;
  /** Legal basis. */
  basis: string;
}

export const STEPS: Record<StepName, StepRule> = {
  /** 公众参与: required unless the matter may not be disclosed (art. 14); comment period (art. 15); report (arts. 18, 29). */
  publicParticipation: { term: '公众参与', basis: 'arts. 14-18' },
  /** 专家论证: required for professional or technical matters; no expert with a direct interest (arts. 19-21). */
  expertReview: { term: '专家论证', basis: 'arts. 19-21' },
  /** 风险评估: required when implementation may harm stability, safety or ecology; controllable before deciding (arts. 22-24). */
  riskAssessment: { term: '风险评估', basis: 'arts. 22-24' },
  /** 合法性审查: must precede the collective discussion; unlawful or unreviewed drafts may not be discussed (arts. 25-28). */
  legalityReview: { term: '合法性审查', basis: 'arts. 25-28' },
  /** 集体讨论决定: executive or plenary meeting, the head decides last, dissent recorded (arts. 29-31). */
  collectiveDecision: { term: '集体讨论决定', basis: 'arts. 29-31' },
  /** 向同级党委请示报告: reported to the party committee at the same level before issue (art. 31). */
  partyCommitteeReport: { term: '向党委报告', basis: 'art. 31' },
  /** 公布: published promptly through the gazette, the government website or newspapers (art. 32). */
  publication: { term: '公布', basis: 'art. 32' },
  /** 决策执行: execution reports, post-decision evaluation, suspension and stop (arts. 34-37). */
  execution: { term: '决策执行', basis: 'arts. 34-37' },
};

/** 归档: the whole process recorded and its materials archived (art. 33). */
export const ARCHIVE_RULE: StepRule = { term: '归档', basis: 'art. 33' };

/** Public comment period: generally at least 30 days; shorter only for urgency, the reason stated when published (art. 15). */
export const COMMENT_PERIOD = { minDays: DEADLINE_RULES.commentPeriod.length, basis: DEADLINE_RULES.commentPeriod.cite } as const;

/** Risk verdicts: only a controllable risk lets the decision go on (art. 24). */
export const RISK_GATE = { basis: 'art. 24' } as const;

/** A draft not reviewed, or found unlawful, may not go to the collective discussion (art. 25). */
export const LEGALITY_GATE = { basis: 'art. 25' } as const;

/** China keeps one time zone with no daylight saving: Asia/Shanghai is UTC+08:00 all year. */
const SHANGHAI_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

/** Parses a calendar date `YYYY-MM-DD` (Asia/Shanghai) into its midnight as an instant. */
export function shanghaiMidnight(date: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new Error(`"${date}" is not a date in the form YYYY-MM-DD`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - SHANGHAI_OFFSET_MS);
}

/** The calendar date (Asia/Shanghai) of an instant, as `YYYY-MM-DD`. */
/** An instant in Beijing time (UTC+8, no daylight saving), e.g. 2026-12-01 09:30, or with seconds 2026-12-01 09:30:05. */
export const beijingTime = (iso: string, seconds = false) => new Date(Date.parse(iso) + SHANGHAI_OFFSET_MS).toISOString().slice(0, seconds ? 19 : 16).replace('T', ' ');

export function shanghaiDate(instant: Date | number): string {
  return new Date(new Date(instant).getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * When a period of `days` calendar days that starts on `startDate` ends: the start day is not counted, and the
 * period runs to the end (24:00 Asia/Shanghai) of its last day. Working-day extension is the calendar's job.
 */
export function periodEndsAt(startDate: string, days: number): Date {
  return new Date(shanghaiMidnight(startDate).getTime() + (days + 1) * DAY_MS);
}
