/**
 * The annual compliance report from a procedure record built by real decisions and enforcement cases on the dev
 * server (a worker, NATS, the projector and PostgreSQL): four decisions of one authority's two units and five cases
 * of another, each driven along its own path, then the figures pinned as driven, each traceable to its ids and
 * record entries; the same record on PGlite gives the same report; the API's JSON, CSV (BOM, Chinese header) and
 * printable page, who may read what (403), and `juece report`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../api/auth';
import { startApi, type RunningApi } from '../api/server';
import type { DecisionHandle, EnforcementHandle } from '../client';
import {
  commentPeriodClosed,
  retroactiveConsultation,
  sampleActors,
  sampleEnforcementActor,
  sampleEnforcementCase,
  sampleInput,
  sampleNotice,
  sampleProposal,
  stepOpen,
} from '../client/sample';
import { figure, figuresOf, type ComplianceReport, type FigureKey, type ReportRow } from '../domain/compliance';
import { ProcedureEventSchema } from '../domain/events';
import { shanghaiDate } from '../domain/procedure';
import type { Actor } from '../domain/schemas';
import { loadConfig } from '../infra/config';
import { freePort } from '../infra/servers';
import { openDb } from '../store/db';
import { applyEvent } from '../store/record';
import { complianceReport } from '../store/report';
import { samplePools, startRecordHarness, uniqueId, until, type RecordHarness } from './helpers';

const SECRET = 'test-secret-of-at-least-thirty-two-characters';
/** Authorities of their own: the projector records every decision in the shared stream, the report reads only these. */
const GOV = uniqueId('rptgov');
const AMR = uniqueId('rptamr');
const YEAR = Number(shanghaiDate(Date.now()).slice(0, 4));
const TRANSPORT = '示范市交通运输局';
const EDUCATION = '示范市教育局';
const edu: Actor = { id: 'u-edu-01', name: '周老师', role: 'undertakingUnit', organisation: EDUCATION };
const daysAgo = (n: number) => shanghaiDate(Date.now() - n * 86_400_000);
const as = <T extends { actor: Actor }>(input: T, actor: Actor): T => ({ ...input, actor });
const req = () => uniqueId('req-report');

let h: RecordHarness;
let api: RunningApi;
const tokens: Record<string, string> = {};
const ids = { hearing: uniqueId('rpt-d1'), late: uniqueId('rpt-d4'), rejected: uniqueId('rpt-d3'), edu: uniqueId('rpt-d2') };
const cases = { inTime: uniqueId('rpt-c1'), late: uniqueId('rpt-c2'), unpublished: uniqueId('rpt-c3'), withdrawn: uniqueId('rpt-c4'), expired: uniqueId('rpt-c5') };
const decisions: Record<string, DecisionHandle> = {};
const caseHandles: Record<string, EnforcementHandle> = {};
let report: ComplianceReport;

/** Public participation (with a hearing), expert review and risk assessment as each applies, then legality review. */
async function toTheMeeting(d: DecisionHandle, o: { unit: Actor; consultation: boolean; hearing?: boolean; expert: boolean; risk: boolean }): Promise<void> {
  if (o.consultation) {
    await d.openConsultation(as(sampleInput.openConsultation(retroactiveConsultation()), o.unit));
    if (o.hearing) {
      await d.scheduleHearing({
        requestId: req(),
        actor: o.unit,
        announcedOn: daysAgo(52),
        hearingDate: daysAgo(30),
        place: '示范市人民政府第一会议室',
        participantSelection: '公开报名，随机抽取',
        participants: ['市民代表甲', '市民代表乙', '企业代表丙'],
        materialsDeliveredOn: daysAgo(50),
      });
      await d.recordHearing({ requestId: req(), actor: o.unit, heldOn: daysAgo(30), recordSignedByParticipants: true, summary: '听证会意见已记录。' });
    }
  }
  if (o.expert) {
    await d.assignExperts(as(sampleInput.assignExperts(), o.unit));
    await d.submitExpertOpinion(sampleInput.expertOpinion());
    await d.completeExpertReview(as(sampleInput.completeExpertReview(), o.unit));
  }
  if (o.risk) await d.completeRiskAssessment(sampleInput.riskAssessment());
  if (o.consultation) {
    await commentPeriodClosed(d);
    await d.completePublicParticipation(as(sampleInput.publicParticipationReport(), o.unit));
  }
  await stepOpen(d, 'legalityReview');
  await d.requestLegalityReview(as(sampleInput.requestLegalityReview(), o.unit));
  await d.assignLegalityReviewer(sampleInput.assignLegalityReviewer());
  await d.completeLegalityReview(sampleInput.legalityReview());
  await stepOpen(d, 'collectiveDecision');
}

/** Adopted at a meeting held on `heldOn`, reported to the party committee and published; then in execution. */
async function adoptAndPublish(d: DecisionHandle, unit: Actor, heldOn = shanghaiDate(Date.now())): Promise<void> {
  await d.recordCollectiveDecision({ ...sampleInput.collectiveDecision('adopt'), heldOn });
  await stepOpen(d, 'partyCommitteeReport');
  await d.recordPartyCommitteeReport(as(sampleInput.partyCommitteeReport(), unit));
  await stepOpen(d, 'publication');
  await d.recordPublication(as(sampleInput.publication(), unit));
  await stepOpen(d, 'execution');
}

const evaluate = (d: DecisionHandle) =>
  d.recordEvaluation({ requestId: req(), actor: sampleActors.expert, trigger: 'authorityChoice', findings: '执行效果总体良好，建议完善配套措施。' });

async function caseUntil(e: EnforcementHandle, type: string): Promise<void> {
  await until(`case event ${type}`, 30_000, async () => (await e.status()).history.some((x) => x.type === type));
}

/** Waits until the record holds `seq` events of the decision or case. */
async function recorded(kind: string, id: string, seq: number): Promise<void> {
  await until(`${kind} ${id} recorded to #${seq}`, 120_000, async () => {
    const [row] = await h.db.query<{ last_seq: number }>('SELECT last_seq FROM decisions WHERE kind = $1 AND decision_id = $2', [kind, id]);
    return row !== undefined && Number(row.last_seq) >= seq;
  });
}

beforeAll(async () => {
  h = await startRecordHarness('report', { poolDir: samplePools(GOV, AMR) });
  const cfg = loadConfig({ ...process.env, JUECE_JWT_SECRET: SECRET, JUECE_API_PORT: String(await freePort()) });
  api = await startApi(cfg, { client: h.client, db: h.db, nats: h.nc });
  const sign = (actor: Actor, authority: string) => signToken(SECRET, { actor, authority });
  tokens.supervisor = await sign(sampleActors.supervisor, 'shifan-sfj');
  tokens.head = await sign(sampleActors.head, GOV);
  tokens.transport = await sign(sampleActors.undertakingUnit, GOV);
  tokens.expert = await sign(sampleActors.expert, GOV);
  tokens.riskAssessor = await sign(sampleActors.riskAssessor, GOV);
  tokens.otherHead = await sign({ ...sampleActors.head, id: 'h-0002', organisation: '另一市人民政府' }, uniqueId('rptother'));

  const authority = { code: GOV, name: '示范市人民政府' };
  const plain = { disclosable: true, technical: false, riskTriggers: [], hearingWarranted: false };
  const secret = { disclosable: false, technical: false, riskTriggers: [], hearingWarranted: false };
  const start = async (key: keyof typeof ids, o: Parameters<typeof sampleProposal>[1]) =>
    (decisions[key] = await h.client.startDecision(sampleProposal(ids[key], { authority, ...o })));

  // Four decisions side by side, each on its own path.
  await Promise.all([
    // D1 (transport): every step, a hearing, published in time, evaluated twice.
    (async () => {
      const d = await start('hearing', {});
      await toTheMeeting(d, { unit: sampleActors.undertakingUnit, consultation: true, hearing: true, expert: true, risk: true });
      await adoptAndPublish(d, sampleActors.undertakingUnit);
      await evaluate(d);
      await evaluate(d);
    })(),
    // D4 (transport): not technical, no risk trigger (both skipped with their reasons); the meeting held 40 days
    // ago, so its publication is 20 working days late (missed); evaluated once.
    (async () => {
      const d = await start('late', { flags: plain });
      await toTheMeeting(d, { unit: sampleActors.undertakingUnit, consultation: true, expert: false, risk: false });
      await adoptAndPublish(d, sampleActors.undertakingUnit, daysAgo(40));
      await evaluate(d);
    })(),
    // D3 (transport): rejected at the meeting: not a decision made.
    (async () => {
      const d = await start('rejected', { flags: secret });
      await toTheMeeting(d, { unit: sampleActors.undertakingUnit, consultation: false, expert: false, risk: false });
      await d.recordCollectiveDecision(sampleInput.collectiveDecision('reject'));
    })(),
    // D2 (education): not disclosable, not technical, no risk: all three skipped; published in time; no evaluation.
    (async () => {
      const d = await start('edu', { flags: secret, undertakingUnit: EDUCATION });
      await toTheMeeting(d, { unit: edu, consultation: false, expert: false, risk: false });
      await adoptAndPublish(d, edu);
    })(),
  ]);

  // Five enforcement cases of the market regulator.
  const amr = { code: AMR, name: '示范市市场监督管理局' };
  const record = async (key: keyof typeof cases, o: Parameters<typeof sampleEnforcementCase>[1]) =>
    (caseHandles[key] = await h.client.recordEnforcementDecision(sampleEnforcementCase(cases[key], { authority: amr, ...o })));
  const takeDown = (e: EnforcementHandle) =>
    e.takeDownNotice({ requestId: req(), actor: sampleEnforcementActor, reason: 'revoked', reference: '示政复决〔2026〕5号 行政复议决定' });
  await Promise.all([
    // C1: a penalty published the day it was decided, then revoked and taken down.
    (async () => {
      const e = await record('inTime', { kind: 'penalty' });
      await caseUntil(e, 'deadlineSet');
      await e.publishNotice(sampleNotice());
      await caseUntil(e, 'deadlineMet');
      await takeDown(e);
    })(),
    // C2: another kind of decision (20 working days) decided 40 days ago, published late.
    (async () => {
      const e = await record('late', { kind: 'other', decidedOn: daysAgo(40) });
      await caseUntil(e, 'deadlineOverdue');
      await e.publishNotice(sampleNotice());
      await caseUntil(e, 'deadlineMissed');
    })(),
    // C3: a licence decided 40 days ago, not published: overdue.
    (async () => {
      const e = await record('unpublished', { kind: 'licensing', decidedOn: daysAgo(40) });
      await caseUntil(e, 'deadlineEscalated');
    })(),
    // C4: a penalty revoked before it was published.
    (async () => {
      const e = await record('withdrawn', { kind: 'penalty' });
      await caseUntil(e, 'deadlineSet');
      await takeDown(e);
    })(),
    // C5: a penalty whose display period ended yesterday: published, then taken down by the workflow itself.
    (async () => {
      const e = await record('expired', { kind: 'penalty', displayUntil: daysAgo(1) });
      await caseUntil(e, 'deadlineSet');
      await e.publishNotice(sampleNotice());
      await caseUntil(e, 'noticeTakenDown');
    })(),
  ]);

  // Everything in the record.
  for (const [key, d] of Object.entries(decisions)) {
    const s = key === 'rejected' ? await d.result() : await d.status();
    await recorded('majorDecision', s.decisionId, s.events!);
  }
  for (const e of Object.values(caseHandles)) {
    const s = await e.status();
    await recorded('enforcement', s.caseId, s.history.at(-1)!.seq);
  }
  report = await complianceReport(h.db, { year: YEAR, authority: GOV });
}, 600_000);

afterAll(async () => {
  // Close what is still running: decisions in execution, cases still up or waiting.
  const stop = (d: DecisionHandle) => d.stopExecution({ requestId: req(), actor: sampleActors.head, reason: '测试结束', procedureReference: '测试' });
  await Promise.allSettled((['hearing', 'late', 'edu'] as const).map((key) => decisions[key] && stop(decisions[key])));
  await Promise.allSettled(
    [caseHandles.late, caseHandles.unpublished].map((e) => e?.takeDownNotice({ requestId: req(), actor: sampleEnforcementActor, reason: 'revoked', reference: '测试结束' })),
  );
  await api?.stop();
  await h?.stop();
}, 120_000);

const counts = (row: ReportRow) => Object.fromEntries(row.figures.map((f) => [f.key, f.count]));
const idsOf = (row: ReportRow, key: FigureKey) => figure(row, key).ids;
const sorted = (...xs: string[]) => [...xs].sort();
const rowOf = (r: ComplianceReport, unit: string | null) => r.decisions.find((x) => (unit === null ? x.total : x.undertakingUnit === unit))!;

describe('the compliance report from the procedure record', () => {
  it('counts, per authority and unit, the decisions made in the year and the steps they had, as driven', () => {
    expect(report.decisions.map((r) => [r.authority, r.undertakingUnit, r.total])).toEqual([
      [GOV, null, true],
      // Units in pinyin order: 交通 (jiaotong) before 教育 (jiaoyu).
      [GOV, TRANSPORT, false],
      [GOV, EDUCATION, false],
    ]);
    const total = rowOf(report, null);
    expect(counts(total)).toEqual({
      decisionsMade: 3,
      decisionsRejected: 1,
      publicParticipation: 2,
      publicParticipationSkipped: 1,
      publicParticipationMissing: 0,
      hearing: 1,
      expertReview: 1,
      expertReviewSkipped: 2,
      expertReviewMissing: 0,
      riskAssessment: 1,
      riskAssessmentSkipped: 2,
      riskAssessmentMissing: 0,
      legalityReview: 3,
      legalityReviewMissing: 0,
      collectiveDecision: 3,
      partyCommitteeReport: 3,
      published: 3,
      publishedOnline: 3,
      publishedInTime: 2,
      publishedLate: 1,
      archived: 3,
      filing: null,
      evaluations: 2,
      deadlinesMissed: 1,
      overdueNow: 0,
    });
    expect(idsOf(total, 'decisionsMade')).toEqual(sorted(ids.hearing, ids.late, ids.edu));
    expect(idsOf(total, 'decisionsRejected')).toEqual([ids.rejected]);
    expect(idsOf(total, 'hearing')).toEqual([ids.hearing]);
    expect(idsOf(total, 'publicParticipationSkipped')).toEqual([ids.edu]);
    expect(idsOf(total, 'expertReviewSkipped')).toEqual(sorted(ids.late, ids.edu));
    expect(idsOf(total, 'publishedLate')).toEqual([ids.late]);
    expect(figure(total, 'publicParticipation')).toMatchObject({ of: 3, rate: 2 / 3, meetsTarget: null });
    // Targets: legality review and online publication 100% (met); risk assessment 100% (seed 004's local target: not met).
    expect(figure(total, 'legalityReview')).toMatchObject({ rate: 1, meetsTarget: true });
    expect(figure(total, 'publishedOnline')).toMatchObject({ rate: 1, meetsTarget: true });
    expect(figure(total, 'riskAssessment')).toMatchObject({ count: 1, of: 3, rate: 1 / 3, meetsTarget: false });
    expect(figure(total, 'publishedLate').meetsTarget).toBe(false);
    // Filing: the record has no such event, so the figure says so rather than invent one.
    expect(figure(total, 'filing')).toMatchObject({ count: null, rate: null, meetsTarget: null, ids: [] });
    expect(report.definitions.find((d) => d.key === 'filing')!.notRecorded).toContain('未记录');

    const transport = rowOf(report, TRANSPORT);
    expect(counts(transport)).toMatchObject({ decisionsMade: 2, decisionsRejected: 1, hearing: 1, expertReview: 1, expertReviewSkipped: 1, publishedInTime: 1, publishedLate: 1, evaluations: 2, deadlinesMissed: 1 });
    expect(idsOf(transport, 'decisionsMade')).toEqual(sorted(ids.hearing, ids.late));
    const education = rowOf(report, EDUCATION);
    expect(counts(education)).toMatchObject({ decisionsMade: 1, decisionsRejected: 0, publicParticipationSkipped: 1, expertReviewSkipped: 1, riskAssessmentSkipped: 1, legalityReview: 1, publishedInTime: 1, evaluations: 0, deadlinesMissed: 0 });
  });

  it('holds each unit to at least 2 post-decision evaluations a year (seed 004), each evaluation traceable to its record entry', async () => {
    const transport = rowOf(report, TRANSPORT);
    const evaluations = figure(transport, 'evaluations');
    expect(evaluations).toMatchObject({ count: 2, meetsTarget: true, ids: sorted(ids.hearing, ids.late) });
    expect(evaluations.entries!.map((e) => e.decisionId).sort()).toEqual(sorted(ids.hearing, ids.hearing, ids.late));
    expect(figure(rowOf(report, EDUCATION), 'evaluations')).toMatchObject({ count: 0, meetsTarget: false, ids: [] });
    for (const e of [...evaluations.entries!, ...figure(transport, 'deadlinesMissed').entries!]) {
      const [entry] = await h.db.query<{ type: string; rule: string | null }>(
        "SELECT type, event->'deadline'->>'rule' AS rule FROM record_entries WHERE kind = 'majorDecision' AND decision_id = $1 AND seq = $2",
        [e.decisionId, e.seq],
      );
      expect(['evaluationRecorded', 'deadlineMissed']).toContain(entry!.type);
      if (entry!.type === 'deadlineMissed') expect(entry!.rule).toBe('proactiveDisclosure');
    }
    // Every id behind every figure is one of the decisions driven here.
    const driven = new Set(Object.values(ids));
    for (const row of report.decisions) for (const f of row.figures) for (const id of f.ids) expect(driven.has(id)).toBe(true);
  });

  it('counts the enforcement cases: published within the deadline, late, not yet, withdrawn, taken down', () => {
    const r = complianceReport(h.db, { year: YEAR, authority: AMR });
    return r.then((amr) => {
      expect(amr.decisions).toEqual([]);
      expect(amr.enforcement).toHaveLength(1);
      const row = amr.enforcement[0]!;
      expect(row).toMatchObject({ kind: 'enforcement', authority: AMR, undertakingUnit: null, total: true });
      expect(counts(row)).toEqual({
        casesDecided: 5,
        casesSevenDay: 4,
        casesTwentyDay: 1,
        withdrawnBeforePublication: 1,
        casesToPublish: 4,
        publishedWithinDeadline: 2,
        publishedAfterDeadline: 1,
        notYetPublished: 1,
        notYetPublishedOverdue: 1,
        takenDownRevoked: 1,
        takenDownExpired: 1,
      });
      expect(idsOf(row, 'publishedWithinDeadline')).toEqual(sorted(cases.inTime, cases.expired));
      expect(idsOf(row, 'publishedAfterDeadline')).toEqual([cases.late]);
      expect(idsOf(row, 'notYetPublishedOverdue')).toEqual([cases.unpublished]);
      expect(idsOf(row, 'withdrawnBeforePublication')).toEqual([cases.withdrawn]);
      expect(idsOf(row, 'takenDownRevoked')).toEqual([cases.inTime]);
      expect(idsOf(row, 'takenDownExpired')).toEqual([cases.expired]);
      expect(figure(row, 'publishedWithinDeadline')).toMatchObject({ of: 4, rate: 0.5, meetsTarget: false });
    });
  });

  it('gives another year nothing, and the same report from the same record on PGlite', async () => {
    const before = await complianceReport(h.db, { year: YEAR - 1, authority: GOV });
    expect(before.decisions).toHaveLength(1);
    expect(counts(before.decisions[0]!)).toMatchObject({ decisionsMade: 0, evaluations: 0 });
    expect(figure(before.decisions[0]!, 'evaluations').meetsTarget).toBe(false);
    expect(before.enforcement).toEqual([]);

    const dir = mkdtempSync(path.join(tmpdir(), 'juece-report-'));
    const lite = await openDb({ dir });
    try {
      const events = await h.db.query<{ event: unknown }>('SELECT event FROM record_entries WHERE decision_id = ANY($1::text[]) ORDER BY kind, decision_id, seq', [
        [...Object.values(ids), ...Object.values(cases)],
      ]);
      for (const { event } of events) await applyEvent(lite, ProcedureEventSchema.parse(event));
      const now = new Date();
      for (const authority of [GOV, AMR]) {
        expect(await complianceReport(lite, { year: YEAR, authority, now })).toEqual(await complianceReport(h.db, { year: YEAR, authority, now }));
      }
    } finally {
      await lite.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('GET /reports/compliance and juece report', () => {
  const get = async (who: string, query: string) => {
    const res = await fetch(`${api.url}/reports/compliance?${query}`, { headers: { authorization: `Bearer ${tokens[who]}` } });
    return { status: res.status, type: res.headers.get('content-type') ?? '', bytes: Buffer.from(await res.arrayBuffer()) };
  };
  const json = (r: { bytes: Buffer }) => JSON.parse(r.bytes.toString('utf8'));

  it("serves a supervisor the JSON, a CSV for Excel and a printable page in Chinese", async () => {
    const r = await get('supervisor', `year=${YEAR}&authority=${GOV}`);
    expect(r.status).toBe(200);
    const body = json(r) as ComplianceReport;
    expect(body.decisions.map((row) => counts(row))).toEqual(report.decisions.map((row) => counts(row)));
    expect(figure(body.decisions[0]!, 'decisionsMade').ids).toEqual(sorted(ids.hearing, ids.late, ids.edu));

    const csv = await get('supervisor', `year=${YEAR}&authority=${GOV}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.type).toContain('text/csv');
    expect([...csv.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = csv.bytes.toString('utf8').slice(1).split('\r\n');
    expect(lines[0]).toBe('年度,类别,决策机关,承办单位,指标,数量,基数,比率,目标,是否达标,依据,决策或案件编号');
    // One line per row and figure (3 rows of decision figures), then the final line end.
    expect(lines).toHaveLength(1 + 3 * figuresOf('majorDecision').length + 1);
    const made = lines.find((l) => l.startsWith(`${YEAR},重大行政决策,${GOV},合计,作出重大行政决策（件）,3,`))!;
    expect(made.split(',').at(-1)).toBe(sorted(ids.hearing, ids.late, ids.edu).join(';'));
    expect(lines.find((l) => l.includes(',合计,经合法性审查,'))).toContain(',3,3,100%,100%,是,');
    expect(lines.find((l) => l.includes(',合计,报备,'))).toContain(',未记录,');

    const page = await get('supervisor', `year=${YEAR}&authority=${GOV}&format=html`);
    expect(page.status).toBe(200);
    const html = page.bytes.toString('utf8');
    expect(html).toContain(`<h1>${YEAR}年度重大行政决策合规情况统计</h1>`);
    expect(html).toContain(`统计期间：${YEAR}-01-01 至 ${YEAR}-12-31（北京时间）`);
    expect(html).toContain('生成时间：');
    expect(html).toContain('指标说明及依据');
    expect(html).toContain(ids.late);
  });

  it("scopes the authority's staff to their authority and a unit to its own figures; refuses outside roles and other authorities", async () => {
    const head = json(await get('head', `year=${YEAR}`)) as ComplianceReport;
    expect(head.authority).toBe(GOV);
    expect(counts(head.decisions[0]!)).toEqual(counts(report.decisions[0]!));

    const unit = json(await get('transport', `year=${YEAR}`)) as ComplianceReport;
    expect(unit.decisions.map((r) => r.undertakingUnit)).toEqual([TRANSPORT]);
    expect(figure(unit.decisions[0]!, 'decisionsMade').ids).toEqual(sorted(ids.hearing, ids.late));

    expect((await get('transport', `year=${YEAR}&undertakingUnit=${encodeURIComponent(EDUCATION)}`)).status).toBe(403);
    expect((await get('expert', `year=${YEAR}`)).status).toBe(403);
    expect((await get('riskAssessor', `year=${YEAR}`)).status).toBe(403);
    expect((await get('otherHead', `year=${YEAR}&authority=${GOV}`)).status).toBe(403);
    expect((await get('supervisor', `authority=${GOV}`)).status).toBe(400);
    expect((await get('supervisor', `year=${YEAR}&format=pdf`)).status).toBe(400);
    const refusals = await h.db.query<{ role: string }>("SELECT role FROM access_refusals WHERE path = '/reports/compliance' AND status = 403");
    expect(refusals.map((r) => r.role).sort()).toEqual(['headOfGovernment', 'expert', 'riskAssessor', 'undertakingUnit'].sort());
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as { paths: Record<string, { get: { parameters: { name: string }[] } }> };
    expect(doc.paths['/reports/compliance']!.get.parameters.map((p: { name: string }) => p.name)).toEqual(['year', 'authority', 'undertakingUnit', 'format']);
  });

  it('juece report prints the table, the CSV with its BOM, and the JSON', async () => {
    const root = path.resolve(__dirname, '..');
    const run = async (who: string, ...args: string[]) => {
      try {
        const { stdout } = await promisify(execFile)(process.execPath, ['bin/juece.js', 'report', ...args], {
          cwd: root,
          encoding: 'buffer',
          env: { ...process.env, JUECE_API_URL: api.url, JUECE_TOKEN: tokens[who] },
        });
        return { code: 0, stdout: stdout as Buffer };
      } catch (err) {
        const e = err as { code: number; stdout: Buffer; stderr: Buffer };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr.toString() };
      }
    };
    const table = await run('supervisor', '--year', String(YEAR), '--authority', GOV);
    expect(table.code).toBe(0);
    const text = table.stdout.toString('utf8');
    expect(text).toMatch(new RegExp(`${GOV}\\s+合计\\s+作出重大行政决策（件）\\s+3\\s`));
    expect(text).toContain('行政执法决定公示');

    const csv = await run('supervisor', '--year', String(YEAR), '--authority', AMR, '--csv');
    expect(csv.code).toBe(0);
    expect([...csv.stdout.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.stdout.toString('utf8')).toContain(`${YEAR},行政执法决定公示,${AMR},合计,按期公开,2,4,50%,100%,否,`);

    const asJson = await run('supervisor', '--year', String(YEAR), '--authority', AMR, '--json');
    expect(figure((JSON.parse(asJson.stdout.toString('utf8')) as ComplianceReport).enforcement[0]!, 'casesDecided').count).toBe(5);

    expect((await run('expert', '--year', String(YEAR))).code).toBe(3);
  });
});
