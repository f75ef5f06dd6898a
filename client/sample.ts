/**
 * A sample decision and the actors who carry it, used by the README's main job (scripts/demo.ts) and the tests.
 * The inputs are what each office would really submit; nothing here bypasses the workflow's rules.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { EnforcementDecision } from '../domain/enforcement';
import { shanghaiDate } from '../domain/procedure';
import type {
  Actor,
  CollectiveDecision,
  ExpertReview,
  LegalityReview,
  OpenConsultation,
  ProposalInput,
  Publication,
  PublicParticipationReport,
  RiskAssessment,
  StepAck,
} from '../domain/schemas';
import type { DecisionHandle } from './index';

const ORG = '示范市人民政府';

export const sampleActors = {
  undertakingUnit: { id: 'u-transport-01', name: '王敏', role: 'undertakingUnit', organisation: '示范市交通运输局' },
  expert: { id: 'e-0427', name: '李教授', role: 'expert', organisation: '示范大学交通学院' },
  riskAssessor: { id: 'r-0103', name: '赵评估', role: 'riskAssessor', organisation: '示范市社会稳定风险评估中心' },
  legalityReviewer: { id: 'l-0001', name: '陈律', role: 'legalityReviewer', organisation: '示范市司法局' },
  meetingSecretary: { id: 's-0002', name: '刘秘书', role: 'meetingSecretary', organisation: `${ORG}办公室` },
} satisfies Record<string, Actor>;

export function sampleProposal(decisionId: string): ProposalInput {
  const draft = '示范市中心城区公共交通票价调整方案（征求意见稿）';
  return {
    decisionId,
    title: '示范市中心城区公共交通票价调整方案',
    authority: { code: 'shifan-gov', name: ORG },
    undertakingUnit: '示范市交通运输局',
    draft: { reference: `${draft} v1`, sha256: createHash('sha256').update(draft).digest('hex') },
  };
}

const request = () => randomUUID();
const a = sampleActors;

/** Each step's input as its office would submit it, with a fresh request id each call. */
export const sampleInput = {
  openConsultation: (openedOn: string): OpenConsultation => ({ requestId: request(), actor: a.undertakingUnit, openedOn, periodDays: 30 }),
  publicParticipationReport: (): PublicParticipationReport => ({
    requestId: request(),
    actor: a.undertakingUnit,
    commentsReceived: 1284,
    adoptionReport: '共收到意见1284条，采纳312条；未采纳意见及理由已逐条说明。',
  }),
  expertReview: (): ExpertReview => ({
    requestId: request(),
    actor: a.expert,
    opinions: [{ expert: a.expert.name, opinion: '票价测算依据充分，建议增设低收入群体优惠。', signed: true }],
  }),
  riskAssessment: (verdict: RiskAssessment['verdict'] = 'controllable'): RiskAssessment => ({
    requestId: request(),
    actor: a.riskAssessor,
    riskPoints: ['通勤成本上升引发群体不满', '换乘优惠衔接不畅'],
    measures: '分步实施；同步推出月票优惠；设立意见反馈热线。',
    verdict,
  }),
  legalityReview: (verdict: LegalityReview['verdict'] = 'lawful'): LegalityReview => ({
    requestId: request(),
    actor: a.legalityReviewer,
    verdict,
    opinion: '决策权限、程序及内容符合《价格法》和《重大行政决策程序暂行条例》。',
  }),
  collectiveDecision: (outcome: CollectiveDecision['outcome'] = 'adopt'): CollectiveDecision => ({
    requestId: request(),
    actor: a.meetingSecretary,
    meeting: 'executive',
    outcome,
    minutes: '市政府第12次常务会议讨论通过。',
  }),
  publication: (): Publication => ({
    requestId: request(),
    actor: a.undertakingUnit,
    channel: 'governmentWebsite',
    documentNumber: '示政发〔2026〕18号',
    publishedOn: shanghaiDate(Date.now()),
  }),
};

/**
 * The opening day of a consultation whose 30-day comment period is over today, even when its last day fell in a
 * holiday and ran on to the next working day (a real server cannot skip time).
 */
export function consultationAlreadyOver(): string {
  return shanghaiDate(Date.now() - 45 * 86_400_000);
}

/** Waits until the comment period of a decision has closed (the workflow records it). */
export async function commentPeriodClosed(d: DecisionHandle, timeoutMs = 30_000): Promise<void> {
  await waitUntil(async () => (await d.status()).history.some((e) => e.type === 'commentPeriodClosed'), timeoutMs);
}

/**
 * Drives a decision through every step. `openedOn` is the day the consultation was published: on a real server
 * `consultationAlreadyOver()` lets the comment period be over already; on the time-skipping server the caller
 * skips time instead.
 */
export async function driveSampleDecision(
  d: DecisionHandle,
  o: { openedOn: string; onStep?: (ack: StepAck) => void; afterConsultationOpened?: () => Promise<void> },
): Promise<void> {
  const note = (ack: StepAck) => o.onStep?.(ack);
  note(await d.openConsultation(sampleInput.openConsultation(o.openedOn)));
  await o.afterConsultationOpened?.();
  await commentPeriodClosed(d);
  note(await d.completePublicParticipation(sampleInput.publicParticipationReport()));
  note(await d.completeExpertReview(sampleInput.expertReview()));
  note(await d.completeRiskAssessment(sampleInput.riskAssessment()));
  note(await d.completeLegalityReview(sampleInput.legalityReview()));
  note(await d.recordCollectiveDecision(sampleInput.collectiveDecision()));
  note(await d.recordPublication(sampleInput.publication()));
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
