/**
 * enforcementPublication: one administrative enforcement decision on its way to the publication platform
 * (行政执法公示, 国办发〔2018〕118号). The office records the decision; the workflow holds the 7 or 20 working-day
 * deadline with reminders and escalation, issues the notice when the office hands over its text, and takes it down
 * when the decision is revoked, confirmed unlawful or ordered to be remade, or its display period ends.
 */
import { allHandlersFinished, condition, setHandler, workflowInfo } from '@temporalio/workflow';
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
} from '../domain/enforcement';
import { periodEndsAt, shanghaiDate } from '../domain/procedure';
import type { DeadlineSpec } from '../domain/schemas';
import { io, parseInput } from './io';
import { legacyEnforcementPublication } from './legacy/enforcementPublication';
import { LIFETIME_PATCH } from './majorDecision';
import { since } from './patches';
import { enforcementStatusQuery, publishNotice, takeDownNotice } from './messages';
import { ProcedureRecord, refuse, type CarriedRecord } from './procedureRecord';

const { deliverNotice } = io;

/** An enforcement case's record: its state is its status; it has no steps. */
class CaseRecord extends ProcedureRecord {
  state: EnforcementStatus['state'] = 'awaitingPublication';
  protected where() {
    return { status: this.state, openSteps: [] };
  }
}

/**
 * `carried`: the case's record when the case comes from its legal review (enforcementLegalReview continues as new
 * into this workflow, same workflow id, so the case keeps one record and its sequence numbers run on).
 */
export async function enforcementPublication(input: EnforcementDecision, carried?: CarriedRecord): Promise<EnforcementStatus> {
  if (!since(LIFETIME_PATCH)) return legacyEnforcementPublication(input);
  const c = parseInput(EnforcementDecisionSchema, input, 'enforcement decision', 'InvalidEnforcementDecision');
  const rec = new CaseRecord('enforcement', c.caseId, c.authority.code, carried);
  let busy = false; // a notice is being delivered or taken down
  let publishedOn: string | undefined;
  let deadline: DeadlineSpec | undefined;
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
    const wasPublished = rec.state === 'published';
    if (wasPublished) await deliverNotice(notice('takeDown', `${TAKEDOWN_REASONS[reason]}：${reference}`));
    rec.state = wasPublished ? 'takenDown' : 'withdrawn';
    if (!wasPublished) rec.deadlines.release('publication'); // the deadline no longer applies
    busy = false;
    const summary = wasPublished
      ? `notice taken down: ${TAKEDOWN_REASONS[reason]} (${reference})`
      : `decision ${TAKEDOWN_REASONS[reason]} (${reference}) before publication: nothing to take down, the deadline no longer applies`;
    const entry = rec.record('noticeTakenDown', { actor, summary, basis: '国办发〔2018〕118号：已公开的行政执法决定被依法撤销、确认违法或者要求重新作出的，应当及时撤下' });
    return { seq: entry.seq, summary };
  };

  setHandler(enforcementStatusQuery, () => ({ caseId: c.caseId, kind: c.kind, state: rec.state, deadline, publishedOn, history: rec.entries() }));
  rec.onUpdate(publishNotice, PublishNoticeSchema, (p) => {
    if (rec.state !== 'awaitingPublication' || busy) throw refuse(`The notice cannot be published: the case is ${busy ? 'busy' : rec.state}.`);
    return async () => {
      busy = true;
      await deliverNotice(notice('publish', p.body));
      publishedOn = shanghaiDate(Date.now());
      rec.state = 'published';
      busy = false;
      const summary = `notice ${c.documentNumber} published on ${publishedOn}`;
      return { seq: rec.record('noticePublished', { actor: p.actor, summary }).seq, summary };
    };
  });
  rec.onUpdate(takeDownNotice, TakeDownSchema, (t) => {
    if ((rec.state !== 'published' && rec.state !== 'awaitingPublication') || busy) throw refuse(`Nothing to take down: the case is ${busy ? 'busy' : rec.state}.`);
    return () => takeDown(t.reason, t.reference, t.actor);
  });

  rec.record('enforcementDecisionRecorded', {
    summary: `${c.office}: ${c.title} (${c.documentNumber}, ${c.kind}) decided on ${c.decidedOn}`,
    details: { title: c.title, documentNumber: c.documentNumber, kind: c.kind },
  });
  await rec.deadlines.hold(
    'publication',
    { rule: PUBLICATION_RULE[c.kind], from: c.decidedOn, jurisdiction: c.jurisdiction, reminderWorkingDays: c.reminderWorkingDays },
    {
      mode: 'deadline',
      escalateTo: `the supervisor of ${c.authority.name}`,
      doneOn: () => publishedOn,
      lifted: () => rec.state === 'withdrawn',
      onSet: (spec) => void (deadline = spec),
    },
  );

  if (rec.state === 'published') {
    const displayEnds = c.displayUntil ? periodEndsAt(c.displayUntil, 0).getTime() - Date.now() : undefined;
    const stillUp = () => rec.state === 'published' && !busy;
    if (displayEnds !== undefined) {
      const takenDownEarlier = await condition(() => !stillUp(), Math.max(displayEnds, 1));
      if (!takenDownEarlier) await takeDown('periodExpired', `公示至 ${c.displayUntil}`);
    }
    await condition(() => rec.state === 'takenDown');
  }
  await condition(allHandlersFinished);
  await rec.flushed();
  return { caseId: c.caseId, kind: c.kind, state: rec.state, deadline, publishedOn, history: rec.entries() };
}
