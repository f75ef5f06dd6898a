/**
 * A sample decision and the actors who carry it, used by the README's main job (scripts/demo.ts) and the tests.
 * The inputs are what each office would really submit; nothing here bypasses the workflow's rules.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { EnforcementDecision } from '../domain/enforcement';
import type { LegalReviewCase } from '../domain/enforcementReview';
import { shanghaiDate, type StepName } from '../domain/procedure';
import type {
  Actor,
  CollectiveDecision,
  DraftVersion,
  ExpertOpinion,
  LegalityReview,
  OpenConsultation,
  ProposalInput,
  Publication,
  PublicParticipationReport,
  RetroactiveConsultation,
  RiskAssessment,
  StepAck,
} from '../domain/schemas';
import { CommentPeriodOpen, type DecisionHandle } from './index';

const ORG = '示范市人民政府';

export const sampleActors = {
  undertakingUnit: { id: 'u-transport-01', name: '王敏', role: 'undertakingUnit', organisation: '示范市交通运输局' },
  expert: { id: 'e-0427', name: '李教授', role: 'expert', organisation: '示范大学交通学院' },
  secondExpert: { id: 'e-0512', name: '孙研究员', role: 'expert', organisation: '示范市城市规划设计研究院' },
  riskAssessor: { id: 'r-0103', name: '赵评估', role: 'riskAssessor', organisation: '示范市社会稳定风险评估中心' },
  legalityReviewer: { id: 'l-0001', name: '陈律', role: 'legalityReviewer', organisation: '示范市司法局' },
  meetingSecretary: { id: 's-0002', name: '刘秘书', role: 'meetingSecretary', organisation: `${ORG}办公室` },
  head: { id: 'h-0001', name: '张市长', role: 'headOfGovernment', organisation: ORG },
  supervisor: { id: 'sv-0001', name: '吴督察', role: 'supervisor', organisation: '示范市司法局行政执法监督科' },
} satisfies Record<string, Actor>;

export const draftDigest = (text: string) => createHash('sha256').update(text).digest('hex');

/** A fare adjustment: disclosable, technical, touching social stability, and a matter for a hearing. */
export function sampleProposal(decisionId: string, overrides: Partial<ProposalInput> = {}): ProposalInput {
  return {
    decisionId,
    title: '示范市中心城区公共交通票价调整方案',
    category: 'publicPolicy',
    authority: { code: 'shifan-gov', name: ORG },
    undertakingUnit: '示范市交通运输局',
    inCatalog: true,
    flags: { disclosable: true, technical: true, riskTriggers: ['socialStability'], hearingWarranted: true },
    draft: { reference: '示范市中心城区公共交通票价调整方案（征求意见稿）v1', sha256: draftDigest('票价调整方案 v1') },
    ...overrides,
  };
}

const request = () => randomUUID();
const a = sampleActors;

/** How a consultation opens: on a day (today: it opens with its notice), or as the record of one held elsewhere (补录). */
export type ConsultationOpening = string | { openedOn: string; retroactive?: RetroactiveConsultation };

/** Each action's input as its office would submit it, with a fresh request id each call. */
export const sampleInput = {
  openConsultation: (opening: ConsultationOpening): OpenConsultation => ({
    requestId: request(),
    actor: a.undertakingUnit,
    ...(typeof opening === 'string' ? { openedOn: opening } : opening),
    periodDays: 30,
  }),
  publicParticipationReport: (): PublicParticipationReport => ({
    requestId: request(),
    actor: a.undertakingUnit,
    commentsReceived: 1284,
    adoptionReport: '共收到意见1284条，采纳312条；未采纳意见及理由已逐条说明。',
  }),
  expertOpinion: (draftVersion = 1, expert: Actor = a.expert): ExpertOpinion => ({
    requestId: request(),
    actor: expert,
    opinion: '票价测算依据充分，建议增设低收入群体优惠。',
    directInterest: false,
    signature: expert.name,
    draftVersion,
  }),
  completeExpertReview: () => ({ requestId: request(), actor: a.undertakingUnit, summary: '专家一致认为方案可行，建议完善优惠措施。' }),
  riskAssessment: (verdict: RiskAssessment['verdict'] = 'controllable', draftVersion = 1): RiskAssessment => ({
    requestId: request(),
    actor: a.riskAssessor,
    riskPoints: ['通勤成本上升引发群体不满', '换乘优惠衔接不畅'],
    measures: '分步实施；同步推出月票优惠；设立意见反馈热线。',
    contingencyPlan: '出现群体性不满时暂缓第二阶段调价并召开座谈会。',
    verdict,
    draftVersion,
  }),
  draftVersion: (version: number, reason: string): DraftVersion => ({
    requestId: request(),
    actor: a.undertakingUnit,
    reference: `示范市中心城区公共交通票价调整方案（送审稿）v${version}`,
    sha256: draftDigest(`票价调整方案 v${version}`),
    reason,
  }),
  /** The transport bureau asks experts of the city's pool (pools/shifan-gov.json); by default 李教授. */
  assignExperts: (...experts: Actor[]) => ({
    requestId: request(),
    actor: a.undertakingUnit,
    experts: (experts.length ? experts : [a.expert]).map((e) => e.id),
  }),
  /** The justice bureau's legal-affairs office names its reviewer of the draft; by default 陈律, of its own staff. */
  assignLegalityReviewer: (reviewer: Actor = a.legalityReviewer, capacity: 'legalAffairsOffice' | 'legalAdviser' | 'publicLawyer' = 'legalAffairsOffice') => ({
    requestId: request(),
    actor: a.legalityReviewer,
    reviewer: { id: reviewer.id, name: reviewer.name, organisation: reviewer.organisation, capacity },
  }),
  requestLegalityReview: (draftVersion = 1) => ({
    requestId: request(),
    actor: a.undertakingUnit,
    materials: ['决策草案及起草说明', '公众意见采纳情况报告', '专家论证意见', '风险评估报告'],
    draftVersion,
  }),
  legalityReview: (verdict: LegalityReview['verdict'] = 'lawful', draftVersion = 1): LegalityReview => ({
    requestId: request(),
    actor: a.legalityReviewer,
    verdict,
    opinion: '决策权限、程序及内容符合《价格法》和《重大行政决策程序暂行条例》。',
    draftVersion,
  }),
  collectiveDecision: (headDecision: CollectiveDecision['headDecision'] = 'adopt', draftVersion = 1): CollectiveDecision => ({
    requestId: request(),
    actor: a.meetingSecretary,
    meeting: 'executive',
    heldOn: shanghaiDate(Date.now()),
    participants: ['张市长', '李副市长', '王副市长', '赵秘书长'],
    headDecision,
    differsFromMajority: false,
    dissent: [{ participant: '王副市长', statement: '建议老年人免费乘车政策同步实施，不宜分步。' }],
    minutes: '市政府第12次常务会议讨论了票价调整方案。',
    draftVersion,
  }),
  partyCommitteeReport: () => ({ requestId: request(), actor: a.undertakingUnit, reportedOn: shanghaiDate(Date.now()), reference: '示交请〔2026〕7号' }),
  publication: (): Publication => ({
    requestId: request(),
    actor: a.undertakingUnit,
    channel: 'governmentWebsite',
    documentNumber: '示政发〔2026〕18号',
    publishedOn: shanghaiDate(Date.now()),
  }),
};

/** Waits until the comment period of a decision has closed (the workflow records it). */
export async function commentPeriodClosed(d: DecisionHandle, timeoutMs = 30_000): Promise<void> {
  await waitUntil(async () => (await d.status()).history.some((e) => e.type === 'commentPeriodClosed'), timeoutMs);
}

/**
 * Drives a decision through every step to publication (the hearing aside). `consultation` is how the consultation
 * opens: on a real server, which cannot skip time, `retroactiveConsultation()` records one held elsewhere whose
 * comment period is over already; on the time-skipping server the caller opens it today and skips time instead.
 */
export async function driveSampleDecision(
  d: DecisionHandle,
  o: { consultation: ConsultationOpening; onStep?: (ack: StepAck) => void; afterConsultationOpened?: () => Promise<void> },
): Promise<void> {
  for (const [i, step] of sampleSteps(d, o.consultation).entries()) {
    if (i === 4) await o.afterConsultationOpened?.();
    const ack = await step(); // not inside `onStep?.(…)`: without onStep that would never run the step
    o.onStep?.(ack);
  }
}

/**
 * The sample decision's steps to publication, each a function that waits for its step to be open and takes it:
 * the consultation, expert review and risk assessment side by side, then the report on comments (once the
 * period is closed), legality review, the meeting, the party committee report and publication.
 */
export function sampleSteps(d: DecisionHandle, consultation: ConsultationOpening): (() => Promise<StepAck>)[] {
  return [
    () => d.openConsultation(sampleInput.openConsultation(consultation)),
    async () => {
      await d.assignExperts(sampleInput.assignExperts());
      return d.submitExpertOpinion(sampleInput.expertOpinion());
    },
    () => d.completeExpertReview(sampleInput.completeExpertReview()),
    () => d.completeRiskAssessment(sampleInput.riskAssessment()),
    async () => {
      // Usually the period is over by now (a consultation recorded after the fact, or one whose period the caller
      // waited out): send the report at once, and wait for the close (asking the status) only if refused as open.
      try {
        return await d.completePublicParticipation(sampleInput.publicParticipationReport());
      } catch (err) {
        if (!(err instanceof CommentPeriodOpen)) throw err;
      }
      await commentPeriodClosed(d);
      return d.completePublicParticipation(sampleInput.publicParticipationReport());
    },
    async () => {
      // The workflow opens each next step once the last one's activities are done: a busy worker takes a moment.
      await stepOpen(d, 'legalityReview');
      return d.requestLegalityReview(sampleInput.requestLegalityReview());
    },
    async () => {
      await d.assignLegalityReviewer(sampleInput.assignLegalityReviewer());
      return d.completeLegalityReview(sampleInput.legalityReview());
    },
    async () => {
      await stepOpen(d, 'collectiveDecision');
      return d.recordCollectiveDecision(sampleInput.collectiveDecision());
    },
    async () => {
      await stepOpen(d, 'partyCommitteeReport');
      return d.recordPartyCommitteeReport(sampleInput.partyCommitteeReport());
    },
    async () => {
      await stepOpen(d, 'publication');
      return d.recordPublication(sampleInput.publication());
    },
  ];
}

/** Waits until the decision has `step` open: at once when the last action's answer said so, else asking its status. */
export async function stepOpen(d: DecisionHandle, step: StepName, timeoutMs = 30_000): Promise<void> {
  if (d.lastStanding?.openSteps.includes(step)) return;
  await waitUntil(async () => (await d.status()).openSteps.includes(step), timeoutMs);
}

/**
 * 补录: a consultation the transport bureau published on the government portal 45 days ago, before the decision was
 * in juece, recorded after the fact with its original notice. Its 30-day comment period is over today, even when its
 * last day fell in a holiday and ran on to the next working day. A real server cannot skip time, and a consultation
 * opened in juece opens today (a backdated opening is refused): this is how the sample reaches its later steps there.
 */
export function retroactiveConsultation(): { openedOn: string; retroactive: RetroactiveConsultation } {
  const noticeDate = shanghaiDate(Date.now() - 45 * 86_400_000);
  return {
    openedOn: noticeDate,
    retroactive: { noticeReference: '示交公告〔2026〕3号', noticeDate, heldAt: '示范市人民政府门户网站' },
  };
}



async function waitUntil(done: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the comment period to close');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A sample enforcement decision (行政处罚决定) of a market regulation office. */
export function sampleEnforcementCase(caseId: string, overrides: Partial<EnforcementDecision> = {}): EnforcementDecision {
  return {
    caseId,
    authority: { code: 'shifan-amr', name: '示范市市场监督管理局' },
    office: '示范市市场监督管理局',
    kind: 'penalty',
    title: '对示范市某食品有限公司的行政处罚决定',
    documentNumber: '示市监处罚〔2026〕112号',
    decidedOn: shanghaiDate(Date.now()),
    ...overrides,
  };
}

export const sampleEnforcementActor: Actor = { id: 'amr-0007', name: '周执法', role: 'undertakingUnit', organisation: '示范市市场监督管理局' };

export const sampleNotice = () => ({
  requestId: request(),
  actor: sampleEnforcementActor,
  body: '当事人：示范市某食品有限公司。违法事实：生产经营标签不符合规定的食品。处罚内容：警告，罚款人民币二万元。',
});

/** The market regulation office's legal review body (法制审核机构) and one of its reviewers. */
export const sampleLegalBody = '示范市市场监督管理局法规科';
export const sampleLegalReviewer: Actor = { id: 'amr-legal-02', name: '钱审核', role: 'enforcementLegalReviewer', organisation: sampleLegalBody };

export const sampleReviewMaterials = () => ({
  facts: '当事人示范市某食品有限公司于2026年3月生产标签不符合食品安全标准的预包装食品，货值金额人民币十二万元。',
  evidence: [
    { name: '现场检查笔录', reference: '示市监检〔2026〕31号' },
    { name: '抽样检验报告', reference: 'JY-2026-0412' },
  ],
  legalBasis: ['《中华人民共和国食品安全法》第一百二十五条第一款第（二）项'],
  discretion: '货值金额一万元以上，按货值金额五倍以上十倍以下罚款；当事人主动召回，依裁量基准从轻，拟处货值金额五倍罚款。',
  procedure: '已告知陈述、申辩和听证权利，当事人申请听证，已于2026年4月举行听证。',
  draftReference: '示市监罚〔2026〕12号（草案）',
});

/** A proposed major penalty decision, submitted by the office for legal review. */
export function sampleLegalReviewCase(caseId: string, overrides: Partial<LegalReviewCase> = {}): LegalReviewCase {
  return {
    caseId,
    authority: { code: 'shifan-amr', name: '示范市市场监督管理局' },
    office: '示范市市场监督管理局',
    legalBody: sampleLegalBody,
    kind: 'penalty',
    title: '示范市某食品有限公司生产经营标签不符合规定食品案（拟罚款六十万元）',
    grounds: ['majorRights', 'hearing'],
    materials: sampleReviewMaterials(),
    submittedBy: sampleEnforcementActor,
    ...overrides,
  };
}

/** The sample actors as the workspace's development sign-in offers them, each with the authority they work for. */
export function sampleSignIns(): Record<string, { actor: Actor; authority: string }> {
  return {
    ...Object.fromEntries(Object.entries(sampleActors).map(([key, actor]) => [key, { actor: actor as Actor, authority: 'shifan-gov' }])),
    enforcementOffice: { actor: sampleEnforcementActor, authority: 'shifan-amr' },
    enforcementReviewer: { actor: sampleLegalReviewer, authority: 'shifan-amr' },
  };
}
