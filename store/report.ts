/**
 * The annual compliance report (法治政府建设年度报告的合规数据), computed from the procedure record alone (never from
 * Temporal): per deciding authority, undertaking unit and year (Beijing time), the figures of domain/compliance.ts,
 * each with the decision or case ids behind it. What each figure counts, and its basis, is in that one table.
 */
import { definition, figuresOf, REPORT_SCHEMA_V1, definitionsTable, ComplianceReportSchema, type ComplianceReport, type Figure, type FigureKey, type ReportRow } from '../domain/compliance';
import type { RecordKind } from '../domain/events';
import { shanghaiMidnight, type StepName } from '../domain/procedure';
import type { Queryable } from './db';

export interface ReportQuery {
  /** The calendar year, in Beijing time (UTC+8). */
  year: number;
  authority?: string;
  /** One undertaking unit's figures only (its own decisions). */
  undertakingUnit?: string;
  /** When the report is made (default: now). */
  now?: Date;
}

/** One record entry, as much of it as the figures need. */
interface Entry {
  decisionId: string;
  seq: number;
  type: string;
  at: Date;
  step: StepName | null;
  summary: string;
  /** Where the decision stood after it (absent on events of older runs). */
  status: string | null;
  /** A deadline event's rule. */
  rule: string | null;
  /** An actor took it (a person), rather than the workflow itself. */
  byActor: boolean;
  /** An enforcement case's kind (licensing, penalty, other). */
  caseKind: string | null;
}

/** What one decision or case counts for. */
interface Counted {
  kind: RecordKind;
  id: string;
  authority: string;
  unit: string | null;
  keys: Set<FigureKey>;
  entries: Map<FigureKey, { decisionId: string; seq: number; at: string }[]>;
}

/** The event types the figures read (execution reports, comments, reminders and the like are never loaded). */
const DECISION_TYPES = ['stepCompleted', 'stepSkipped', 'hearingHeld', 'noticePublished', 'deadlineMet', 'deadlineMissed', 'archived', 'evaluationRecorded'];
const CASE_TYPES = ['enforcementDecisionRecorded', 'deadlineSet', 'deadlineOverdue', 'deadlineMet', 'deadlineMissed', 'noticePublished', 'noticeTakenDown'];
const CASE_RULES = ['licensingPenaltyPublication', 'otherEnforcementPublication'];
/** Steps before the meeting: counted only if done before the decision was made. */
const BEFORE_MEETING: [StepName, FigureKey, FigureKey | undefined, FigureKey][] = [
  ['publicParticipation', 'publicParticipation', 'publicParticipationSkipped', 'publicParticipationMissing'],
  ['expertReview', 'expertReview', 'expertReviewSkipped', 'expertReviewMissing'],
  ['riskAssessment', 'riskAssessment', 'riskAssessmentSkipped', 'riskAssessmentMissing'],
  ['legalityReview', 'legalityReview', undefined, 'legalityReviewMissing'],
];

export async function complianceReport(db: Queryable, q: ReportQuery): Promise<ComplianceReport> {
  const from = shanghaiMidnight(`${q.year}-01-01`);
  const to = shanghaiMidnight(`${q.year + 1}-01-01`);
  const inYear = (at: Date) => at >= from && at < to;

  // Every unit with a record begun by the year's end has its row, even with nothing to count (evaluations: ≥2).
  const p1: unknown[] = [to];
  const units = await db.query<{ kind: RecordKind; authority: string; unit: string | null }>(
    `SELECT DISTINCT d.kind, d.authority, d.undertaking_unit AS unit FROM decisions d WHERE d.kind <> 'catalog' AND d.started_at < $1${scoped(q, p1)}`,
    p1,
  );
  const p2: unknown[] = [to];
  const overdue = await db.query<{ decision_id: string; authority: string; unit: string | null }>(
    `SELECT d.decision_id, d.authority, d.undertaking_unit AS unit FROM decisions d WHERE d.kind = 'majorDecision' AND d.overdue AND d.started_at < $1${scoped(q, p2)}`,
    p2,
  );
  // The decisions and cases with something in the year: a meeting, an evaluation, a deadline missed; a case recorded.
  const p3: unknown[] = [from, to];
  const candidates = await db.query<{ kind: RecordKind; decision_id: string; authority: string; unit: string | null }>(
    `SELECT DISTINCT d.kind, d.decision_id, d.authority, d.undertaking_unit AS unit
     FROM record_entries r JOIN decisions d ON d.kind = r.kind AND d.decision_id = r.decision_id
     WHERE r.at >= $1 AND r.at < $2${scoped(q, p3)} AND (
       (r.kind = 'majorDecision' AND r.type = 'stepCompleted' AND r.step = 'collectiveDecision')
       OR (r.kind = 'majorDecision' AND r.type IN ('evaluationRecorded', 'deadlineMissed'))
       OR (r.kind = 'enforcement' AND r.type = 'enforcementDecisionRecorded'))`,
    p3,
  );

  const counted: Counted[] = [];
  for (const kind of ['majorDecision', 'enforcement'] as const) {
    const mine = candidates.filter((c) => c.kind === kind);
    if (!mine.length) continue;
    const entries = await loadEntries(db, kind, mine.map((c) => c.decision_id), kind === 'majorDecision' ? DECISION_TYPES : CASE_TYPES);
    for (const c of mine) {
      const target: Counted = { kind, id: c.decision_id, authority: c.authority, unit: c.unit, keys: new Set(), entries: new Map() };
      const es = entries.get(c.decision_id) ?? [];
      if (kind === 'majorDecision') countDecision(target, es, inYear);
      else countCase(target, es, inYear);
      counted.push(target);
    }
  }
  // Decisions overdue now count in their unit's row, whether or not anything of theirs fell in the year.
  for (const o of overdue) {
    let c = counted.find((x) => x.kind === 'majorDecision' && x.id === o.decision_id);
    if (!c) counted.push((c = { kind: 'majorDecision', id: o.decision_id, authority: o.authority, unit: o.unit, keys: new Set(), entries: new Map() }));
    c.keys.add('overdueNow');
  }

  const rows = (kind: Exclude<RecordKind, 'catalog'>): ReportRow[] => {
    const groups = new Map<string, { authority: string; unit: string | null; total: boolean }>();
    const addGroup = (authority: string, unit: string | null, total: boolean) => groups.set(JSON.stringify([authority, unit, total]), { authority, unit, total });
    for (const u of units.filter((u) => u.kind === kind)) {
      if (!q.undertakingUnit) addGroup(u.authority, null, true);
      if (u.unit !== null) addGroup(u.authority, u.unit, false);
    }
    // An authority asked for with nothing in the record by the year's end still has its (empty) row of decisions.
    if (kind === 'majorDecision' && q.authority && !q.undertakingUnit && units.length === 0) addGroup(q.authority, null, true);
    const ofKind = counted.filter((c) => c.kind === kind);
    return [...groups.values()]
      .sort((a, b) => a.authority.localeCompare(b.authority) || Number(b.total) - Number(a.total) || (a.unit ?? '').localeCompare(b.unit ?? '', 'zh'))
      .map((g) => ({
        kind,
        authority: g.authority,
        undertakingUnit: g.unit,
        total: g.total,
        figures: figuresFor(kind, ofKind.filter((c) => c.authority === g.authority && (g.total || c.unit === g.unit))),
      }));
  };

  const report: ComplianceReport = {
    schema: REPORT_SCHEMA_V1,
    year: q.year,
    authority: q.authority ?? null,
    undertakingUnit: q.undertakingUnit ?? null,
    period: { from: from.toISOString(), to: to.toISOString(), timeZone: 'Asia/Shanghai' },
    generatedAt: (q.now ?? new Date()).toISOString(),
    decisions: rows('majorDecision'),
    enforcement: rows('enforcement'),
    definitions: definitionsTable(),
  };
  return ComplianceReportSchema.parse(report);
}

/** The query's authority and unit as conditions on `decisions d`, their values appended to `params`. */
function scoped(q: ReportQuery, params: unknown[]): string {
  let sql = '';
  if (q.authority) sql += ` AND d.authority = $${params.push(q.authority)}`;
  if (q.undertakingUnit) sql += ` AND d.undertaking_unit = $${params.push(q.undertakingUnit)}`;
  return sql;
}

async function loadEntries(db: Queryable, kind: RecordKind, ids: string[], types: string[]): Promise<Map<string, Entry[]>> {
  const rows = await db.query<{
    decision_id: string;
    seq: number;
    type: string;
    at: Date | string;
    step: StepName | null;
    summary: string;
    status: string | null;
    rule: string | null;
    by_actor: boolean;
    case_kind: string | null;
  }>(
    `SELECT decision_id, seq, type, at, step, summary, event->'standing'->>'status' AS status, event->'deadline'->>'rule' AS rule,
       (event->'actor') IS NOT NULL AS by_actor, event->'details'->>'kind' AS case_kind
     FROM record_entries WHERE kind = $1 AND decision_id = ANY($2::text[]) AND type = ANY($3::text[]) ORDER BY decision_id, seq`,
    [kind, ids, types],
  );
  const byId = new Map<string, Entry[]>();
  for (const r of rows) {
    const e: Entry = {
      decisionId: r.decision_id,
      seq: Number(r.seq),
      type: r.type,
      at: new Date(r.at),
      step: r.step,
      summary: r.summary,
      status: r.status,
      rule: r.rule,
      byActor: Boolean(r.by_actor),
      caseKind: r.case_kind,
    };
    byId.set(e.decisionId, [...(byId.get(e.decisionId) ?? []), e]);
  }
  return byId;
}

const entryRef = (e: Entry) => ({ decisionId: e.decisionId, seq: e.seq, at: e.at.toISOString() });

function addEntries(c: Counted, key: FigureKey, es: Entry[]): void {
  if (!es.length) return;
  c.keys.add(key);
  c.entries.set(key, es.map(entryRef));
}

/** A major decision: made (or rejected) in the year, with the steps it had; its evaluations and missed deadlines in the year. */
function countDecision(c: Counted, es: Entry[], inYear: (at: Date) => boolean): void {
  const meeting = es.find((e) => e.type === 'stepCompleted' && e.step === 'collectiveDecision');
  // The head's decision: the standing says rejected (events of older runs carry no standing: their summary says it).
  const rejected = meeting && (meeting.status ? meeting.status === 'rejected' : /the head decided to reject/.test(meeting.summary));
  if (meeting && inYear(meeting.at) && rejected) c.keys.add('decisionsRejected');
  if (meeting && inYear(meeting.at) && !rejected) {
    const has = (type: string, step?: StepName, o: { before?: boolean; rule?: string } = {}) =>
      es.some((e) => e.type === type && (step === undefined || e.step === step) && (!o.before || e.seq < meeting.seq) && (o.rule === undefined || e.rule === o.rule));
    c.keys.add('decisionsMade');
    c.keys.add('collectiveDecision');
    for (const [step, done, skipped, missing] of BEFORE_MEETING) {
      if (has('stepCompleted', step, { before: true })) c.keys.add(done);
      else if (skipped && has('stepSkipped', step, { before: true })) c.keys.add(skipped);
      else c.keys.add(missing);
    }
    if (has('hearingHeld', undefined, { before: true })) c.keys.add('hearing');
    if (has('stepCompleted', 'partyCommitteeReport')) c.keys.add('partyCommitteeReport');
    if (has('stepCompleted', 'publication')) c.keys.add('published');
    if (has('noticePublished', 'publication')) c.keys.add('publishedOnline');
    if (has('deadlineMet', undefined, { rule: 'proactiveDisclosure' })) c.keys.add('publishedInTime');
    if (has('deadlineMissed', undefined, { rule: 'proactiveDisclosure' })) c.keys.add('publishedLate');
    if (has('archived')) c.keys.add('archived');
  }
  addEntries(c, 'evaluations', es.filter((e) => e.type === 'evaluationRecorded' && inYear(e.at)));
  addEntries(c, 'deadlinesMissed', es.filter((e) => e.type === 'deadlineMissed' && inYear(e.at)));
}

/** An enforcement case recorded in the year: published in time, late, not yet, withdrawn, taken down. */
function countCase(c: Counted, es: Entry[], inYear: (at: Date) => boolean): void {
  const recorded = es.find((e) => e.type === 'enforcementDecisionRecorded');
  if (!recorded || !inYear(recorded.at)) return;
  c.keys.add('casesDecided');
  const rule = es.find((e) => e.type === 'deadlineSet' && e.rule && CASE_RULES.includes(e.rule))?.rule;
  const sevenDay = rule ? rule === 'licensingPenaltyPublication' : recorded.caseKind !== 'other';
  c.keys.add(sevenDay ? 'casesSevenDay' : 'casesTwentyDay');
  const published = es.find((e) => e.type === 'noticePublished');
  const takenDown = es.find((e) => e.type === 'noticeTakenDown');
  const settled = (type: string) => es.some((e) => e.type === type && e.rule !== null && CASE_RULES.includes(e.rule));
  if (takenDown && (!published || takenDown.seq < published.seq)) {
    c.keys.add('withdrawnBeforePublication');
    return;
  }
  c.keys.add('casesToPublish');
  if (settled('deadlineMet')) c.keys.add('publishedWithinDeadline');
  if (settled('deadlineMissed')) c.keys.add('publishedAfterDeadline');
  if (!published) {
    c.keys.add('notYetPublished');
    if (es.some((e) => e.type === 'deadlineOverdue' && e.rule !== null && CASE_RULES.includes(e.rule))) c.keys.add('notYetPublishedOverdue');
  }
  if (published && takenDown) c.keys.add(takenDown.byActor ? 'takenDownRevoked' : 'takenDownExpired');
}

/** A row's figures over the decisions or cases in it: counts, bases, rates, targets, and the ids behind each. */
function figuresFor(kind: Exclude<RecordKind, 'catalog'>, members: Counted[]): Figure[] {
  const keys = figuresOf(kind);
  const counts = new Map<FigureKey, number>();
  const partial = keys.map((key) => {
    const d = definition(key);
    const with_ = members.filter((m) => m.keys.has(key));
    const ids = [...new Set(with_.map((m) => m.id))].sort();
    const entries = with_.flatMap((m) => m.entries.get(key) ?? []).sort((a, b) => a.at.localeCompare(b.at) || a.decisionId.localeCompare(b.decisionId) || a.seq - b.seq);
    const count = d.notRecorded ? null : d.countsEvents ? entries.length : ids.length;
    if (count !== null) counts.set(key, count);
    return { key, d, count, ids, entries };
  });
  return partial.map(({ key, d, count, ids, entries }) => {
    const of = d.of ? (counts.get(d.of) ?? 0) : null;
    const rate = count === null || of === null || of === 0 ? null : count / of;
    const t = d.target;
    const meetsTarget =
      count === null || !t ? null : 'rate' in t ? (rate === null ? null : rate >= t.rate) : 'atLeast' in t ? count >= t.atLeast : count <= t.atMost;
    return { key, count, of, rate, meetsTarget, ids: count === null ? [] : ids, ...(entries.length ? { entries } : {}) };
  });
}
