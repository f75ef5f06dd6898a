/* FROZEN (v5 and earlier): the code that runs workflows started before the 'lifetime' patch, kept so they and
 * their saved histories replay unchanged. Never edit; new behaviour goes in ../ (see ../majorDecision.ts). */
/**
 * enforcementPublication: one administrative enforcement decision on its way to the publication platform
 * (行政执法公示, 国办发〔2018〕118号). The office records the decision; the workflow holds the 7 or 20 working-day
 * deadline with reminders and escalation, issues the notice when the office hands over its text, and takes it down
 * when the decision is revoked, confirmed unlawful or ordered to be remade, or its display period ends.
 */
import {
  allHandlersFinished,
  condition,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  EnforcementDecisionSchema,
  PUBLICATION_RULE,
  PublishNoticeSchema,
  TAKEDOWN_REASONS,
  TakeDownSchema,
  type EnforcementDecision,
  type EnforcementStatus,
  type NoticeAck,
  type TakeDown,
} from '../../domain/enforcement';
import { periodEndsAt, shanghaiDate } from '../../domain/procedure';
import { DeadlineWatch } from './deadlines';
import { io, parseInput } from '../io';
import { enforcementStatusQuery, publishNotice, takeDownNotice } from '../messages';
import { ProcedureRecord, refuse } from './procedureRecord';

const { deliverNotice } = io;

export async function legacyEnforcementPublication(input: EnforcementDecision): Promise<EnforcementStatus> {
  const c = parseInput(EnforcementDecisionSchema, input, 'enforcement decision', 'InvalidEnforcementDecision');
  const rec = new ProcedureRecord(c.caseId, c.authority.code);
  let state = 'awaitingPublication' as EnforcementStatus['state'];
  let busy = false; // a notice is being delivered or taken down
  let publishedOn: string | undefined;
  const watch = new DeadlineWatch(
    rec,
    { rule: PUBLICATION_RULE[c.kind], from: c.decidedOn, jurisdiction: c.jurisdiction, reminderWorkingDays: c.reminderWorkingDays },
    `the supervisor of ${c.authority.name}`,
  );
  const notice = (action: 'publish' | 'takeDown', body: string) => ({
    schema: 'juece.notice.v1' as const,
    action,
    authority: c.authority.code,
    authorityName: c.authority.name,
    subjectId: c.caseId,
    title: c.title,
    documentNumber: c.documentNumber,
    body,
    at: new Date().toISOString(),
    workflowId: workflowInfo().workflowId,
  });
  const takeDown = async (reason: keyof typeof TAKEDOWN_REASONS, reference: string, actor?: TakeDown['actor']): Promise<NoticeAck> => {
    busy = true;
    const wasPublished = state === 'published';
    if (wasPublished) await deliverNotice(notice('takeDown', `${TAKEDOWN_REASONS[reason]}：${reference}`));
    state = wasPublished ? 'takenDown' : 'withdrawn';
    busy = false;
    const summary = wasPublished
      ? `notice taken down: ${TAKEDOWN_REASONS[reason]} (${reference})`
      : `decision ${TAKEDOWN_REASONS[reason]} (${reference}) before publication: nothing to take down, the deadline no longer applies`;
    const entry = rec.record('noticeTakenDown', { actor, summary, basis: '国办发〔2018〕118号：已公开的行政执法决定被依法撤销、确认违法或者要求重新作出的，应当及时撤下' });
    return { seq: entry.seq, summary };
  };

  setHandler(enforcementStatusQuery, () => ({ caseId: c.caseId, kind: c.kind, state, deadline: watch.spec, publishedOn, history: rec.entries() }));
  rec.onUpdate(publishNotice, PublishNoticeSchema, (p) => {
    if (state !== 'awaitingPublication' || busy) throw refuse(`The notice cannot be published: the case is ${busy ? 'busy' : state}.`);
    return async () => {
      busy = true;
      await deliverNotice(notice('publish', p.body));
      publishedOn = shanghaiDate(Date.now());
      state = 'published';
      busy = false;
      const summary = `notice ${c.documentNumber} published on ${publishedOn}`;
      return { seq: rec.record('noticePublished', { actor: p.actor, summary }).seq, summary };
    };
  });
  rec.onUpdate(takeDownNotice, TakeDownSchema, (t) => {
    if ((state !== 'published' && state !== 'awaitingPublication') || busy) throw refuse(`Nothing to take down: the case is ${busy ? 'busy' : state}.`);
    return () => takeDown(t.reason, t.reference, t.actor);
  });

  rec.record('enforcementDecisionRecorded', {
    summary: `${c.office}: ${c.title} (${c.documentNumber}, ${c.kind}) decided on ${c.decidedOn}`,
    details: { title: c.title, documentNumber: c.documentNumber, kind: c.kind },
  });
  await watch.hold(() => publishedOn, () => state === 'withdrawn');

  if (state === 'published') {
    const displayEnds = c.displayUntil ? periodEndsAt(c.displayUntil, 0).getTime() - Date.now() : undefined;
    const stillUp = () => state === 'published' && !busy;
    if (displayEnds !== undefined) {
      const takenDownEarlier = await condition(() => !stillUp(), Math.max(displayEnds, 1));
      if (!takenDownEarlier) await takeDown('periodExpired', `公示至 ${c.displayUntil}`);
    }
    await condition(() => state === 'takenDown');
  }
  await condition(allHandlersFinished);
  await rec.flushed();
  return { caseId: c.caseId, kind: c.kind, state, deadline: watch.spec, publishedOn, history: rec.entries() };
}
