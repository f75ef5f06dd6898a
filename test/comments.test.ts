/**
 * Inbound commands over NATS request-reply and public comments at scale, on the real dev server, NATS and
 * PostgreSQL: bad input answered with a clear error and nothing recorded; 100,000 comments (many duplicates, one
 * large campaign) in 50 batches stored and grouped while the workflow's history does not grow at all (the comment
 * store alone keeps the count); texts folded for width, spacing and case; intake closed with the period.
 */
import type { NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionHandle, JueceClient } from '../client';
import { commentPeriodClosed, retroactiveConsultation, sampleActors, sampleInput, sampleProposal } from '../client/sample';
import { CommentIntake } from '../commands/commentIntake';
import { startCommandResponder, type CommandReply, type CommandResponder } from '../commands/nats';
import { shanghaiDate } from '../domain/procedure';
import { adoptionReport, commentCounts, commentTally, CAMPAIGN_MIN_SUBMITTERS, normalizeComment, recordAdoption, type CommentInput } from '../store/comments';
import type { Db } from '../store/db';
import { getDecision } from '../store/record';
import { startRecordHarness, uniqueId, type RecordHarness } from './helpers';

let client: JueceClient;
let dev: RecordHarness;
let nc: NatsConnection;
let db: Db;
let intake: CommentIntake;
let responder: CommandResponder;

beforeAll(async () => {
  dev = await startRecordHarness('comments');
  ({ client, nc, db } = dev);
  intake = new CommentIntake({ db });
  responder = startCommandResponder({ nc, client, intake, db });
});

afterAll(async () => {
  await responder?.stop();
  await dev?.stop();
});

async function command(name: string, body: unknown): Promise<CommandReply> {
  const m = await nc.request(`juece.commands.${name}`, typeof body === 'string' ? body : JSON.stringify(body), { timeout: 30_000 });
  return m.json<CommandReply>();
}

/** Comments per batch: 100,000 comments in 50 batches. */
const BATCH = 2000;

/** The length of the workflow's history once it has stopped growing (its activities done, only timers waiting). */
async function settledHistoryLength(d: DecisionHandle): Promise<number> {
  let last = -1;
  for (let same = 0, i = 0; same < 3; i++) {
    if (i > 100) throw new Error(`${d.workflowId}: the history did not settle`);
    const n = (await d.handle.fetchHistory()).events!.length;
    same = n === last ? same + 1 : 0;
    last = n;
    await new Promise((r) => setTimeout(r, 300));
  }
  return last;
}

async function recorded(decisionId: string, minEvents: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (((await getDecision(db, 'majorDecision', decisionId))?.events ?? 0) >= minEvents) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${decisionId}: the record did not reach ${minEvents} events`);
}

describe('commands over NATS', () => {
  it('starts a decision and takes a step, and answers bad input with a clear error, recording nothing', async () => {
    const proposal = sampleProposal(uniqueId('nats'));
    const bad = await command('startDecision', { proposal: { ...proposal, title: '' } });
    expect(bad).toEqual({ ok: false, error: { code: 'invalid', message: 'Invalid proposal: title: must not be empty' } });
    await expect(client.decision(proposal.decisionId).status()).rejects.toThrow(/not found/i);

    expect(await command('startDecision', { proposal })).toEqual({ ok: true, result: { decisionId: proposal.decisionId, workflowId: `decision-${proposal.decisionId}` } });
    const before = (await client.decision(proposal.decisionId).status()).history.length;

    const answers = await Promise.all([
      command('act', { decisionId: proposal.decisionId, action: 'openConsultation', input: { ...sampleInput.openConsultation(shanghaiDate(Date.now())), periodDays: 10 } }),
      command('act', { decisionId: proposal.decisionId, action: 'completeLegalityReview', input: { ...sampleInput.legalityReview(), actor: sampleActors.expert } }),
      command('act', { decisionId: proposal.decisionId, action: 'approve', input: {} }),
      command('act', { decisionId: 'no-such-decision', action: 'withdraw', input: { requestId: uniqueId('req'), actor: sampleActors.head, reason: '无' } }),
      command('act', { decisionId: proposal.decisionId }),
      command('launch', {}),
      command('act', '{not json'),
      command('startDecision', { proposal, extra: '<script>alert(1)</script>' }),
    ]);
    expect(answers.map((a) => (a.ok ? 'ok' : a.error.code))).toEqual(['invalid', 'refused', 'invalid', 'notFound', 'invalid', 'invalid', 'invalid', 'invalid']);
    const messages = answers.map((a) => (a.ok ? '' : a.error.message));
    expect(messages[0]).toContain('a comment period shorter than 30 days needs an urgency reason');
    expect(messages[1]).toContain('completeLegalityReview is for legalityReviewer, not expert');
    expect(messages[2]).toContain('Unknown action "approve"');
    expect(messages[4]).toContain('action:');
    expect(messages[5]).toContain('Unknown command "launch"');
    expect(messages[6]).toBe('The message is not JSON.');
    expect(messages[7]).toContain('extra');
    expect((await client.decision(proposal.decisionId).status()).history.length).toBe(before);

    const opened = await command('act', { decisionId: proposal.decisionId, action: 'openConsultation', input: sampleInput.openConsultation(shanghaiDate(Date.now())) });
    expect(opened).toMatchObject({ ok: true, result: { step: 'publicParticipation' } });
    await client.decision(proposal.decisionId).handle.terminate('test done');
  });
});

describe('public comments at scale', () => {
  it('takes 100,000 comments for one decision, counts each submitter once per text, groups a campaign, and keeps the workflow small', async () => {
    const proposal = sampleProposal(uniqueId('many'));
    const d = await client.startDecision(proposal);
    await d.openConsultation(sampleInput.openConsultation(shanghaiDate(Date.now())));
    // Comments are taken once the record holds the consultation's closing time.
    const periodSet = async () => (await d.status()).history.find((e) => e.type === 'deadlineSet' && e.step === 'publicParticipation')?.seq;
    for (let i = 0; i < 100 && !(await periodSet()); i++) await new Promise((r) => setTimeout(r, 100));
    await recorded(proposal.decisionId, (await periodSet())!);

    // Deterministic mix: a campaign of one text (in half-width and full-width forms), a pool of common texts,
    // single texts, and submitters who send the same text again.
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const campaign = '反对在学校周边设置夜间施工许可，建议改为 22:00 前完工。';
    const comments: CommentInput[] = [];
    for (let i = 0; i < 100_000; i++) {
      const kind = i % 10;
      if (kind < 4) comments.push({ submitter: `c-${rand(30_000)}`, text: i % 3 ? campaign : campaign.normalize('NFKC').replace('22:00', '２２：００') });
      else if (kind < 7) comments.push({ submitter: `p-${rand(20_000)}`, text: `第${rand(300)}条意见：建议明确第${rand(5)}款的适用范围。` });
      else if (kind < 9) comments.push({ submitter: `u-${i}`, text: `个人意见 ${i}：请增加听证环节。`, channel: 'letter' });
      else comments.push({ submitter: `r-${rand(2000)}`, text: '   重复  提交 的意见   ' });
    }
    const distinctPairs = new Set(comments.map((c) => `${c.submitter}\u0000${normalizeComment(c.text)}`)).size;
    const distinctTexts = new Set(comments.map((c) => normalizeComment(c.text))).size;

    // The workflow's history once it has settled after opening the consultation (notice out, period set).
    const before = await settledHistoryLength(d);
    const eventsBefore = (await d.status()).events;

    let accepted = 0;
    let batches = 0;
    for (let i = 0; i < comments.length; i += BATCH, batches++) {
      const batch = comments.slice(i, i + BATCH);
      // Half the batches arrive over NATS, half straight from the API's side of the intake.
      const r = batches % 2 === 0 ? await command('comments', { decisionId: proposal.decisionId, comments: batch }) : { ok: true as const, result: await intake.submit(proposal.decisionId, batch) };
      expect(r).toMatchObject({ ok: true });
      accepted += (r as { result: { accepted: number } }).result.accepted;
    }
    expect(batches).toBe(50);

    expect(accepted).toBe(distinctPairs);
    const tally = await commentTally(db, proposal.decisionId, 3);
    expect(tally).toMatchObject({ comments: distinctPairs, groups: distinctTexts, unanswered: distinctTexts });
    expect(tally.top[0]!.campaign).toBe(true);
    expect(normalizeComment(tally.top[0]!.text)).toBe(normalizeComment(campaign)); // both widths, one group
    expect(tally.campaigns).toBeGreaterThanOrEqual(1);
    expect(tally.top[0]!.comments).toBeGreaterThan(CAMPAIGN_MIN_SUBMITTERS);
    expect(await commentCounts(db, proposal.decisionId)).toEqual({ received: distinctPairs, groups: distinctTexts, campaigns: tally.campaigns });

    // Not one history event for 50 batches: the workflow is never told per batch (the store is the count's source).
    await new Promise((r) => setTimeout(r, 1000));
    expect((await d.handle.fetchHistory()).events!.length).toBe(before);
    expect((await d.status()).events).toBe(eventsBefore);
    expect((await d.status()).history.some((e) => e.type === 'commentsRecorded')).toBe(false);

    // A comment sent again is not counted twice, and a malformed batch is refused whole.
    expect(await intake.submit(proposal.decisionId, [comments[0]!])).toMatchObject({ accepted: 0, duplicates: 1, total: distinctPairs });
    expect(await command('comments', { decisionId: proposal.decisionId, comments: [{ submitter: 'x', text: 'ok' }, { submitter: '', text: 'y' }] })).toEqual({
      ok: false,
      error: { code: 'invalid', message: 'Invalid comments: 1.submitter: must not be empty' },
    });

    // The adoption report answers each group.
    await recordAdoption(db, proposal.decisionId, [{ groupId: tally.top[0]!.groupId, adopted: true, reason: '已调整施工时段' }]);
    const report = await adoptionReport(db, proposal.decisionId);
    expect(report[0]).toMatchObject({ adopted: true, reason: '已调整施工时段' });
    expect(report.filter((g) => g.adopted === null)).toHaveLength(distinctTexts - 1);
    await d.handle.terminate('test done');
  }, 300_000);

  it('refuses comments once the comment period has closed', async () => {
    const proposal = sampleProposal(uniqueId('late'));
    const d = await client.startDecision(proposal);
    await d.openConsultation(sampleInput.openConsultation(retroactiveConsultation()));
    await commentPeriodClosed(d);
    const closedSeq = (await d.status()).history.find((e) => e.type === 'commentPeriodClosed')!.seq;
    await recorded(proposal.decisionId, closedSeq);
    const late = await command('comments', { decisionId: proposal.decisionId, comments: [{ submitter: 'late-1', text: '迟到的意见' }] });
    expect(late).toMatchObject({ ok: false, error: { code: 'closed' } });
    expect((await commentTally(db, proposal.decisionId)).comments).toBe(0);
    const unopened = await command('comments', { decisionId: 'never-opened', comments: [{ submitter: 'a', text: 'b' }] });
    expect(unopened).toMatchObject({ ok: false, error: { code: 'closed', message: 'never-opened has no open consultation (art. 15).' } });
    await d.handle.terminate('test done');
  });
});

describe('comment texts', () => {
  it('are compared after width, spacing and case folding: a full-width repeat counts once, both widths make one campaign', async () => {
    expect(normalizeComment('ＡＢＣ１２３')).toBe('abc123');
    expect(normalizeComment('  Ａ  b\tＣ ')).toBe('a b c');
    // A consultation open for another day, as the projector records it from the comment period's deadline.
    const decisionId = uniqueId('fold');
    await db.query(`INSERT INTO consultations (decision_id, authority, closes_at) VALUES ($1, 'shifan-gov', now() + interval '1 day')`, [decisionId]);
    expect(await intake.submit(decisionId, [{ submitter: 's-1', text: 'abc123' }])).toEqual({ accepted: 1, duplicates: 0, total: 1 });
    // Without NFKC the full-width text would fold only to 'ａｂｃ１２３' and count a second time.
    expect(await intake.submit(decisionId, [{ submitter: 's-1', text: 'ＡＢＣ１２３' }])).toEqual({ accepted: 0, duplicates: 1, total: 1 });
    // 20 submitters, half of them with full-width digits and colon: one group of 20, a campaign (unfolded: two groups of 10, none).
    const same = Array.from({ length: 20 }, (_, i) => ({ submitter: `c-${i}`, text: i % 2 ? '建议２２：００前完工' : '建议22:00前完工' }));
    expect(await intake.submit(decisionId, same)).toEqual({ accepted: 20, duplicates: 0, total: 21 });
    expect(await commentCounts(db, decisionId)).toEqual({ received: 21, groups: 2, campaigns: 1 });
    expect((await commentTally(db, decisionId)).top[0]).toMatchObject({ comments: 20, campaign: true });
  });
});
