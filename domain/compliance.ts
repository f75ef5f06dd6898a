/**
 * The compliance figures of the annual rule-of-law report (法治政府建设年度报告): the one table of what each figure
 * counts, of what, against which target, and on what basis (Decree 713 "art. N", the seeds by file number and item,
 * 国办发〔2018〕118号, 政府信息公开条例). The report (store/report.ts) computes them from the procedure record; the
 * CSV, the printable page, the CLI and the README all take their labels and bases from here.
 *
 * Seeds (../shared/seeds): 001 长春市南关区2019年法治政府建设情况报告; 002 盘锦市2023年法治政府建设情况报告;
 * 003 昌吉市行政执法三项制度实施方案; 004 重庆市渝北区法治政府建设五年规划(2012-2016年).
 */
import { z } from 'zod';
import { RecordKindSchema } from './events';

/** A target a figure is held to: a rate of its base, or a count at least / at most so many. */
export type FigureTarget = { rate: number } | { atLeast: number } | { atMost: number };

export interface FigureDefinition {
  /** Major decisions or enforcement cases. */
  kind: 'majorDecision' | 'enforcement';
  /** As the report prints it (Chinese). */
  label: string;
  /** What is counted, from which events of the record. */
  counts: string;
  /** The figure whose count is this one's base (its rate is count / base), or none. */
  of?: FigureKey;
  target?: FigureTarget;
  /** The statute, notice or seed item behind the figure (and its target). */
  basis: string;
  /** The record holds no event for it: the report says so rather than invent a figure. */
  notRecorded?: string;
  /** Counted in record entries (events), not in decisions. */
  countsEvents?: boolean;
}

const made = 'decisionsMade' as const;
const toPublish = 'casesToPublish' as const;

/** Every figure, in the order the report gives them. */
export const FIGURES = {
  // 重大行政决策 (per authority and undertaking unit, per year).
  decisionsMade: {
    kind: 'majorDecision',
    label: '作出重大行政决策（件）',
    counts: 'decisions adopted at the collective meeting in the year: a stepCompleted of collectiveDecision whose standing is not rejected, its time in Beijing time',
    basis: '重大行政决策程序暂行条例 第二十九、三十条；seed 001 一、二是，seed 002 一(四)一是（年度报告列出决策件数）',
  },
  decisionsRejected: {
    kind: 'majorDecision',
    label: '集体讨论决定不予通过（件）',
    counts: 'decisions the head rejected at the collective meeting in the year (stepCompleted of collectiveDecision, standing rejected); not among the decisions made',
    basis: '重大行政决策程序暂行条例 第三十条',
  },
  publicParticipation: {
    kind: 'majorDecision',
    label: '履行公众参与程序',
    counts: 'decisions made whose publicParticipation step was completed before the meeting',
    of: made,
    basis: '重大行政决策程序暂行条例 第十四至十八条；seed 004 二(二)6(1)（公众参与为必经程序）',
  },
  publicParticipationSkipped: {
    kind: 'majorDecision',
    label: '依法不公开征求意见（跳过，附法定理由）',
    counts: 'decisions made whose publicParticipation was skipped with its statutory reason (stepSkipped: the matter may not be disclosed by law)',
    of: made,
    basis: '重大行政决策程序暂行条例 第十四条',
  },
  publicParticipationMissing: {
    kind: 'majorDecision',
    label: '公众参与缺失（既未履行也无法定理由）',
    counts: 'decisions made whose record shows publicParticipation neither completed nor skipped before the meeting',
    of: made,
    target: { atMost: 0 },
    basis: '重大行政决策程序暂行条例 第十四条',
  },
  hearing: {
    kind: 'majorDecision',
    label: '举行听证',
    counts: 'decisions made with a hearing held before the meeting (hearingHeld)',
    of: made,
    basis: '重大行政决策程序暂行条例 第十六、十七条；seed 004 一(二)（听证制度全面推行）',
  },
  expertReview: {
    kind: 'majorDecision',
    label: '履行专家论证程序',
    counts: 'decisions made whose expertReview step was completed before the meeting',
    of: made,
    basis: '重大行政决策程序暂行条例 第十九至二十一条；seed 004 二(二)6(1)',
  },
  expertReviewSkipped: {
    kind: 'majorDecision',
    label: '无需专家论证（跳过，附法定理由）',
    counts: 'decisions made whose expertReview was skipped with its statutory reason (not a professional or technical matter)',
    of: made,
    basis: '重大行政决策程序暂行条例 第十九条',
  },
  expertReviewMissing: {
    kind: 'majorDecision',
    label: '专家论证缺失',
    counts: 'decisions made whose record shows expertReview neither completed nor skipped before the meeting',
    of: made,
    target: { atMost: 0 },
    basis: '重大行政决策程序暂行条例 第十九条',
  },
  riskAssessment: {
    kind: 'majorDecision',
    label: '履行风险评估程序',
    counts: 'decisions made whose riskAssessment step was completed (risk controllable) before the meeting',
    of: made,
    target: { rate: 1 },
    basis: '重大行政决策程序暂行条例 第二十二至二十四条；seed 004 二(二)7(1)(3)（风险评估为前置条件，风险评估率达到100%，地方目标）',
  },
  riskAssessmentSkipped: {
    kind: 'majorDecision',
    label: '无需风险评估（跳过，附法定理由）',
    counts: 'decisions made whose riskAssessment was skipped with its statutory reason (no risk trigger, or an existing assessment not repeated); under seed 004 rules no decision may skip it',
    of: made,
    basis: '重大行政决策程序暂行条例 第二十二条',
  },
  riskAssessmentMissing: {
    kind: 'majorDecision',
    label: '风险评估缺失',
    counts: 'decisions made whose record shows riskAssessment neither completed nor skipped before the meeting',
    of: made,
    target: { atMost: 0 },
    basis: '重大行政决策程序暂行条例 第二十二条',
  },
  legalityReview: {
    kind: 'majorDecision',
    label: '经合法性审查',
    counts: 'decisions made whose legalityReview step was completed (draft found lawful) before the meeting; it is never skipped',
    of: made,
    target: { rate: 1 },
    basis: '重大行政决策程序暂行条例 第二十五条；seed 004 二(二)7(3)（合法性审查率达到100%）；seed 001 一、五是（合法性审查为必经前置程序）',
  },
  legalityReviewMissing: {
    kind: 'majorDecision',
    label: '未经合法性审查',
    counts: 'decisions made whose record shows no legality review completed before the meeting (the workflow refuses such a meeting: art. 25)',
    of: made,
    target: { atMost: 0 },
    basis: '重大行政决策程序暂行条例 第二十五条（未经合法性审查或者经审查不合法的，不得提交讨论）',
  },
  collectiveDecision: {
    kind: 'majorDecision',
    label: '经集体讨论决定',
    counts: 'decisions made by a collective meeting: every decision made, since the record knows no other way to make one',
    of: made,
    target: { rate: 1 },
    basis: '重大行政决策程序暂行条例 第二十九、三十条；seed 004 二(二)6(1)',
  },
  partyCommitteeReport: {
    kind: 'majorDecision',
    label: '向同级党委请示报告',
    counts: 'decisions made whose partyCommitteeReport step is completed (as the record stands when the report is made)',
    of: made,
    basis: '重大行政决策程序暂行条例 第三十一条',
  },
  published: {
    kind: 'majorDecision',
    label: '决策公布',
    counts: 'decisions made whose publication step is completed (as the record stands when the report is made)',
    of: made,
    basis: '重大行政决策程序暂行条例 第三十二条',
  },
  publishedOnline: {
    kind: 'majorDecision',
    label: '网上公布',
    counts: "decisions made whose 决策公布 notice was issued to the publication platform (noticePublished of the publication step; the authority's public notices, GET /notices/<authority>)",
    of: made,
    target: { rate: 1 },
    basis: '重大行政决策程序暂行条例 第三十二条；seed 004 一(二)（网上公布率达到100%；依法主动公开的政务信息100%可在网上查询）',
  },
  publishedInTime: {
    kind: 'majorDecision',
    label: '20个工作日内公布',
    counts: 'decisions made whose publication met the proactive disclosure deadline from the meeting (deadlineMet, rule proactiveDisclosure)',
    of: made,
    basis: '政府信息公开条例 第二十六条（20个工作日内主动公开）',
  },
  publishedLate: {
    kind: 'majorDecision',
    label: '逾期公布',
    counts: 'decisions made published after that deadline (deadlineMissed, rule proactiveDisclosure)',
    of: made,
    target: { atMost: 0 },
    basis: '政府信息公开条例 第二十六条',
  },
  archived: {
    kind: 'majorDecision',
    label: '决策过程记录归档',
    counts: 'decisions made whose procedure record is archived (archived)',
    of: made,
    basis: '重大行政决策程序暂行条例 第三十三条',
  },
  filing: {
    kind: 'majorDecision',
    label: '报备',
    counts: 'decisions filed (报备) with the body above: juece records no filing event, so the figure is not recorded',
    of: made,
    target: { rate: 1 },
    basis: 'seed 004 一(二)、二(三)10(1)（规范性文件报备率达到100%，公布之日起15日内备案）',
    notRecorded: '程序记录中没有报备事件，本项未记录（不推算）',
  },
  evaluations: {
    kind: 'majorDecision',
    label: '开展决策后评估（件）',
    counts: "decisions evaluated in the year (evaluationRecorded in the year, whenever the decision was made); each evaluation is listed in `entries`",
    target: { atLeast: 2 },
    basis: '重大行政决策程序暂行条例 第三十五、三十六条；seed 004 二(二)8(3)（每年选取2件以上重大行政决策事项进行重点评估）',
  },
  deadlinesMissed: {
    kind: 'majorDecision',
    label: '逾期完成的法定期限（次）',
    counts: 'statutory deadlines done late in the year (deadlineMissed in the year: legality review time, publication), each listed in `entries`',
    countsEvents: true,
    basis: 'domain/deadlines.ts：重大行政决策程序暂行条例 第二十七条；政府信息公开条例 第二十六条',
  },
  overdueNow: {
    kind: 'majorDecision',
    label: '报告生成时仍逾期未办（件）',
    counts: "decisions whose latest event says a deadline held has run out and is not yet met (the record's standing, when the report is made)",
    target: { atMost: 0 },
    basis: 'domain/deadlines.ts（期限届满即记录逾期并报告督察）',
  },

  // 行政执法决定公示 (per authority, per year).
  casesDecided: {
    kind: 'enforcement',
    label: '作出行政执法决定（件）',
    counts: 'enforcement decisions recorded in the year (enforcementDecisionRecorded, Beijing time)',
    basis: '国办发〔2018〕118号；seed 003 二(二)4 四是（行政执法统计年报）',
  },
  casesSevenDay: {
    kind: 'enforcement',
    label: '其中：行政许可、行政处罚决定（7个工作日内公开）',
    counts: 'of them, licensing and penalty decisions (published within 7 working days)',
    of: 'casesDecided',
    basis: '国办发〔2018〕118号；seed 003 二(二)4 一是',
  },
  casesTwentyDay: {
    kind: 'enforcement',
    label: '其中：其他行政执法决定（20个工作日内公布）',
    counts: 'of them, other enforcement decisions (published within 20 working days)',
    of: 'casesDecided',
    basis: '国办发〔2018〕118号；seed 003 二(二)4 一是',
  },
  withdrawnBeforePublication: {
    kind: 'enforcement',
    label: '公开前被撤销、确认违法或要求重新作出',
    counts: 'cases revoked, confirmed unlawful or ordered remade before publication (noticeTakenDown with nothing published): nothing to publish',
    of: 'casesDecided',
    basis: '国办发〔2018〕118号；seed 003 二(二)4 三是',
  },
  casesToPublish: {
    kind: 'enforcement',
    label: '应当公开（件）',
    counts: 'cases decided less those withdrawn before publication',
    of: 'casesDecided',
    basis: '国办发〔2018〕118号；seed 003 二(二)4 一是',
  },
  publishedWithinDeadline: {
    kind: 'enforcement',
    label: '按期公开',
    counts: 'cases published within their 7 or 20 working-day deadline (deadlineMet)',
    of: toPublish,
    target: { rate: 1 },
    basis: '国办发〔2018〕118号；seed 003 二(二)4 一是（作出之日起7个工作日/20个工作日内公开）',
  },
  publishedAfterDeadline: {
    kind: 'enforcement',
    label: '逾期公开',
    counts: 'cases published after their deadline (deadlineMissed)',
    of: toPublish,
    target: { atMost: 0 },
    basis: '国办发〔2018〕118号；seed 003 二(二)4 一是',
  },
  notYetPublished: {
    kind: 'enforcement',
    label: '尚未公开',
    counts: 'cases to publish with no notice published yet (as the record stands when the report is made)',
    of: toPublish,
    basis: '国办发〔2018〕118号；seed 003 二(二)4 一是',
  },
  notYetPublishedOverdue: {
    kind: 'enforcement',
    label: '其中：已超过公开期限',
    counts: 'of them, cases past their deadline (deadlineOverdue recorded)',
    of: toPublish,
    target: { atMost: 0 },
    basis: '国办发〔2018〕118号；seed 003 二(二)4 一是',
  },
  takenDownRevoked: {
    kind: 'enforcement',
    label: '公开后因撤销、确认违法或要求重新作出而撤下',
    counts: 'published cases taken down by the office when the decision was revoked, confirmed unlawful or ordered remade (noticeTakenDown after noticePublished, with its actor)',
    of: 'casesDecided',
    basis: '国办发〔2018〕118号；seed 003 二(二)4 三是（应当及时从信息公示平台撤下）',
  },
  takenDownExpired: {
    kind: 'enforcement',
    label: '公示期限届满撤下',
    counts: 'published cases taken down when their display period ended (noticeTakenDown after noticePublished, by the workflow itself)',
    of: 'casesDecided',
    basis: '国办发〔2018〕118号；seed 003 二(二)4 三是',
  },
} as const satisfies Record<string, Omit<FigureDefinition, 'of'> & { of?: string }>;

export type FigureKey = keyof typeof FIGURES;
export const FIGURE_KEYS = Object.keys(FIGURES) as FigureKey[];
export const FigureKeySchema = z.enum(FIGURE_KEYS as [FigureKey, ...FigureKey[]]);

/** The figures of one kind, in order. */
export const figuresOf = (kind: FigureDefinition['kind']): FigureKey[] => FIGURE_KEYS.filter((k) => FIGURES[k].kind === kind);

export const definition = (key: FigureKey): FigureDefinition => FIGURES[key] as FigureDefinition;

/** A target as the report prints it. */
export function targetText(t: FigureTarget | undefined): string {
  if (!t) return '';
  if ('rate' in t) return `${Math.round(t.rate * 100)}%`;
  if ('atLeast' in t) return `≥${t.atLeast}`;
  return `≤${t.atMost}`;
}

/** One figure of one row: how many, of how many, and the decisions (and record entries) behind it. */
export const FigureSchema = z.object({
  key: FigureKeySchema,
  /** null: the record holds no event for it (see the definition's notRecorded). */
  count: z.number().int().min(0).nullable(),
  /** The count of the base figure, where the figure has one. */
  of: z.number().int().min(0).nullable(),
  /** count / of; null without a base, or with a base of 0, or not recorded. */
  rate: z.number().min(0).max(1).nullable(),
  /** Whether it meets its target; null without a target or where it cannot be told. */
  meetsTarget: z.boolean().nullable(),
  /** The decision or case ids behind the figure, sorted. */
  ids: z.array(z.string()),
  /** For figures counted in events (evaluations, deadlines missed): each record entry counted. */
  entries: z.array(z.object({ decisionId: z.string(), seq: z.number().int().positive(), at: z.string() })).optional(),
});
export type Figure = z.infer<typeof FigureSchema>;

export const ReportRowSchema = z.object({
  kind: RecordKindSchema,
  authority: z.string(),
  /** The undertaking unit (承办单位); null on an authority's total row (and for cases, whose office the record does not name). */
  undertakingUnit: z.string().nullable(),
  /** The authority's total over all its units. */
  total: z.boolean(),
  figures: z.array(FigureSchema),
});
export type ReportRow = z.infer<typeof ReportRowSchema>;

export const REPORT_SCHEMA_V1 = 'juece.compliance.v1';

export const ComplianceReportSchema = z.object({
  schema: z.literal(REPORT_SCHEMA_V1),
  year: z.number().int(),
  authority: z.string().nullable(),
  undertakingUnit: z.string().nullable(),
  /** The year in Beijing time: [from, to) as instants. */
  period: z.object({ from: z.string(), to: z.string(), timeZone: z.literal('Asia/Shanghai') }),
  generatedAt: z.string(),
  decisions: z.array(ReportRowSchema),
  enforcement: z.array(ReportRowSchema),
  definitions: z.array(
    z.object({ key: FigureKeySchema, kind: RecordKindSchema, label: z.string(), counts: z.string(), of: FigureKeySchema.nullable(), target: z.string(), basis: z.string(), notRecorded: z.string().nullable() }),
  ),
});
export type ComplianceReport = z.infer<typeof ComplianceReportSchema>;

/** The definitions as the report carries them (data, for whoever reads the JSON). */
export function definitionsTable(): ComplianceReport['definitions'] {
  return FIGURE_KEYS.map((key) => {
    const d = definition(key);
    return { key, kind: d.kind, label: d.label, counts: d.counts, of: d.of ?? null, target: targetText(d.target), basis: d.basis, notRecorded: d.notRecorded ?? null };
  });
}

/** The figure `key` of a row. */
export function figure(row: Pick<ReportRow, 'figures'>, key: FigureKey): Figure {
  const f = row.figures.find((x) => x.key === key);
  if (!f) throw new Error(`no figure ${key} in this row`);
  return f;
}

// Each base names a figure of the same kind (checked once, when the table is loaded).
for (const key of FIGURE_KEYS) {
  const base = (FIGURES[key] as { of?: string }).of;
  if (base !== undefined && (!(base in FIGURES) || FIGURES[base as FigureKey].kind !== FIGURES[key].kind)) {
    throw new Error(`figure ${key}: its base ${base} is not a figure of the same kind`);
  }
}
