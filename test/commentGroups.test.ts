/**
 * Comment groups and campaigns over the API and the CLI, on the real dev server, NATS and PostgreSQL: a
 * consultation opened today draws comments (a campaign, a smaller group, single texts); whoever may read the decision
 * pages through its groups largest first with their total, campaigns apart; the undertaking unit answers each group
 * in the adoption report (all answers or none), and `juece comments` shows and answers them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JueceClient } from '../client';
import { retroactiveConsultation, sampleActors, sampleInput, sampleProposal } from '../client/sample';
import { shanghaiDate } from '../domain/procedure';
import { startApiHarness, uniqueId, until, type ApiHarness } from './helpers';

let client: JueceClient;
let dev: ApiHarness;
let call: ApiHarness['call'];
let cli: ApiHarness['cli'];

beforeAll(async () => {
  dev = await startApiHarness('groups');
  ({ client, call, cli } = dev);
});

afterAll(async () => {
  await dev?.stop();
});

const files = mkdtempSync(path.join(tmpdir(), 'juece-groups-'));
const withoutActor = ({ actor: _actor, ...rest }: Record<string, unknown>) => rest;

describe('comment groups and the adoption report, over the API and the CLI', () => {
  it('pages through groups largest first with their total, campaigns apart, and lets the office answer each', async () => {
    const proposal = sampleProposal(uniqueId('groups'));
    const id = proposal.decisionId;
    expect((await call('POST', '/decisions', 'undertakingUnit', proposal)).status).toBe(201);
    const { actor: _actor, ...opening } = sampleInput.openConsultation(shanghaiDate(Date.now()));
    expect((await call('POST', `/decisions/${id}/actions/openConsultation`, 'undertakingUnit', opening)).status).toBe(200);

    // A campaign of 25 submitters (half in full-width digits: one text once folded), a group of 3, five single texts.
    const campaign = Array.from({ length: 25 }, (_, i) => ({ submitter: `c-${i}`, text: i % 2 ? '建议２２：００后停运' : '建议22:00后停运' }));
    const three = Array.from({ length: 3 }, (_, i) => ({ submitter: `t-${i}`, text: '学生票应当保留' }));
    const singles = Array.from({ length: 5 }, (_, i) => ({ submitter: `s-${i}`, text: `单独意见${i}` }));
    // Comments are taken once the record knows the consultation's period (from its deadline event).
    const stored = await until('the consultation open for comments', 20_000, async () => {
      const r = await call('POST', `/decisions/${id}/comments`, 'undertakingUnit', { comments: [...campaign, ...three, ...singles] });
      return r.status === 200 ? r.json : undefined;
    });
    expect(stored).toMatchObject({ accepted: 33, duplicates: 0, total: 33 });

    // All groups, largest first, with the total; one page of them; campaigns only; the others only.
    const all = await call('GET', `/decisions/${id}/comments/groups`, 'head');
    expect(all.status).toBe(200);
    expect(all.json).toMatchObject({ decisionId: id, total: 7, limit: 100, offset: 0 });
    expect(all.json.groups.map((g: { comments: number }) => g.comments)).toEqual([25, 3, 1, 1, 1, 1, 1]);
    expect(all.json.groups[0]).toMatchObject({ text: '建议22:00后停运', campaign: true, adopted: null, reason: null, answeredBy: null });
    expect(all.json.groups.slice(1).every((g: { campaign: boolean }) => !g.campaign)).toBe(true);
    const page = await call('GET', `/decisions/${id}/comments/groups?limit=2&offset=1`, 'expert');
    expect(page.json).toMatchObject({ total: 7, limit: 2, offset: 1 });
    expect(page.json.groups.map((g: { groupId: number }) => g.groupId)).toEqual(all.json.groups.slice(1, 3).map((g: { groupId: number }) => g.groupId));
    const campaigns = await call('GET', `/decisions/${id}/comments/groups?campaign=true`, 'supervisor');
    expect(campaigns.json).toMatchObject({ total: 1, groups: [{ comments: 25, campaign: true }] });
    expect((await call('GET', `/decisions/${id}/comments/groups?campaign=false`, 'undertakingUnit')).json.total).toBe(6);

    // Who may not read, and what is not a query.
    expect((await call('GET', `/decisions/${id}/comments/groups`)).status).toBe(401);
    expect((await call('GET', `/decisions/${id}/comments/groups`, 'otherOffice')).status).toBe(403);
    expect((await call('GET', '/decisions/no-such-decision/comments/groups', 'supervisor')).status).toBe(404);
    for (const q of ['limit=0', 'limit=1001', 'offset=-1', 'campaign=yes', 'sort=text']) {
      const bad = await call('GET', `/decisions/${id}/comments/groups?${q}`, 'supervisor');
      expect(bad.status, q).toBe(400);
      expect(bad.json.issues.length, q).toBeGreaterThan(0);
    }

    // The adoption report: only the undertaking unit answers; an unknown group refuses the whole batch.
    const [big, small] = all.json.groups as { groupId: number }[];
    const answers = [
      { groupId: big!.groupId, adopted: true, reason: '已调整末班车时间' },
      { groupId: small!.groupId, adopted: false, reason: '学生票保留，不在本次调整范围' },
    ];
    expect((await call('POST', `/decisions/${id}/comments/adoption`, 'expert', { answers })).status).toBe(403);
    expect((await call('POST', `/decisions/${id}/comments/adoption`, 'supervisor', { answers })).status).toBe(403);
    expect((await call('POST', `/decisions/${id}/comments/adoption`, 'otherOffice', { answers })).status).toBe(403);
    const unknown = await call('POST', `/decisions/${id}/comments/adoption`, 'undertakingUnit', { answers: [...answers, { groupId: 999_999_999, adopted: true, reason: '—' }] });
    expect(unknown).toMatchObject({ status: 409, json: { error: 'refused', message: `Comment group 999999999 is not a group of ${id}.` } });
    expect((await call('GET', `/decisions/${id}/comments/groups?answered=true`, 'head')).json.total).toBe(0);
    for (const body of [{ answers: [] }, { answers: [{ groupId: big!.groupId, adopted: 'yes', reason: '—' }] }, { answers: [{ groupId: big!.groupId, adopted: true }] }, answers]) {
      expect((await call('POST', `/decisions/${id}/comments/adoption`, 'undertakingUnit', body)).status).toBe(400);
    }
    const answered = await call('POST', `/decisions/${id}/comments/adoption`, 'undertakingUnit', { answers });
    expect(answered).toMatchObject({ status: 200, json: { decisionId: id, answered: 2, unanswered: 5 } });
    const done = (await call('GET', `/decisions/${id}/comments/groups?answered=true`, 'supervisor')).json;
    expect(done.total).toBe(2);
    expect(done.groups[0]).toMatchObject({ adopted: true, reason: '已调整末班车时间', answeredBy: { id: sampleActors.undertakingUnit.id, name: '王敏', organisation: '示范市交通运输局' } });
    expect(Date.parse(done.groups[0].answeredAt)).toBeGreaterThan(Date.now() - 60_000);
    expect((await call('GET', `/decisions/${id}/comments/groups?answered=false&campaign=false`, 'head')).json.total).toBe(5);

    // The OpenAPI document has both routes.
    const doc = (await call('GET', '/openapi.json')).json;
    expect(doc.paths['/decisions/{id}/comments/groups'].get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(['path:id', 'query:campaign', 'query:answered', 'query:limit', 'query:offset']);
    expect(doc.paths['/decisions/{id}/comments/adoption'].post.requestBody.content['application/json'].schema.properties.answers).toBeDefined();

    // The CLI: a table largest first, campaigns only as JSON, answers from a file, and exit codes.
    const table = await cli('supervisor', 'comments', id);
    expect(table.code).toBe(0);
    const rows = table.stdout.split('\n');
    expect(rows[0]).toMatch(/^group +submitters +campaign +text +adopted +reason$/);
    expect(rows[2]).toMatch(/^\d+ +25 +集中 +建议22:00后停运 +采纳 +已调整末班车时间$/);
    expect(rows[3]).toMatch(/^\d+ +3 +学生票应当保留 +未采纳 /);
    expect(table.stdout).toContain('1-7 of 7 group(s)');
    const asJson = JSON.parse((await cli('head', 'comments', id, '--campaigns', '--json')).stdout);
    expect(asJson).toMatchObject({ total: 1, groups: [{ comments: 25, campaign: true }] });
    const singleIds = (all.json.groups as { groupId: number }[]).slice(2).map((g) => g.groupId);
    const file = path.join(files, 'answers.json');
    writeFileSync(file, JSON.stringify(singleIds.map((groupId) => ({ groupId, adopted: false, reason: '与决策事项无关' }))));
    const cliAnswered = await cli('undertakingUnit', 'comments', id, '--answer', file, '--unanswered');
    expect(cliAnswered.code).toBe(0);
    expect(cliAnswered.stdout).toContain('answered 5 group(s); 0 still unanswered');
    expect(cliAnswered.stdout).toContain('(no comment groups)');
    expect((await cli('supervisor', 'comments', id, '--answer', file)).code).toBe(3);
    expect((await cli('supervisor', 'comments', 'no-such-decision')).code).toBe(4);
    expect((await cli('supervisor', 'comments', id, '--limit', '0')).code).toBe(2);
    await client.decision(id).handle.terminate('test done');
  });

  it('records the comments of a consultation held elsewhere (补录) with their times, and publishes the adoption report once filed', async () => {
    const proposal = sampleProposal(uniqueId('adopt'));
    const id = proposal.decisionId;
    expect((await call('POST', '/decisions', 'undertakingUnit', proposal)).status).toBe(201);
    const held = retroactiveConsultation();
    const { actor: _actor, ...opening } = sampleInput.openConsultation(held);
    expect((await call('POST', `/decisions/${id}/actions/openConsultation`, 'undertakingUnit', opening)).status).toBe(200);
    const withinPeriod = new Date(Date.parse(`${held.retroactive.noticeDate}T10:00:00+08:00`) + 5 * 86_400_000).toISOString();
    // Live comments are too late; recorded ones need their time within the period of the original notice.
    await until('the consultation closed in the record', 20_000, async () => (await dev.db.query('SELECT 1 FROM consultations WHERE decision_id = $1 AND closed_at IS NOT NULL', [id])).length > 0);
    expect((await call('POST', `/decisions/${id}/comments`, 'undertakingUnit', { comments: [{ submitter: 'x', text: '迟到的意见' }] })).status).toBe(409);
    const late = await call('POST', `/decisions/${id}/comments`, 'undertakingUnit', { comments: [{ submitter: 'x', text: '超期', receivedAt: new Date().toISOString() }] });
    expect(late.status).toBe(409);
    expect(late.json.message).toContain('must give its receivedAt within its period');
    const recorded = [
      ...Array.from({ length: 4 }, (_, i) => ({ submitter: `r-${i}`, text: '建议保留<学生>月票', receivedAt: withinPeriod })),
      { submitter: 'r-9', text: '支持调价', receivedAt: withinPeriod },
    ];
    expect((await call('POST', `/decisions/${id}/comments`, 'undertakingUnit', { comments: recorded })).json).toMatchObject({ accepted: 5, total: 5 });

    // Not public before the report is filed; then anyone reads it, without a token.
    const publicAt = `/public/decisions/${id}/adoption`;
    expect((await call('GET', publicAt)).status).toBe(404);
    const groups = (await call('GET', `/decisions/${id}/comments/groups`, 'undertakingUnit')).json.groups as { groupId: number; text: string }[];
    const answers = groups.map((g) => ({ groupId: g.groupId, adopted: g.text.includes('学生'), reason: g.text.includes('学生') ? '保留学生月票' : '已在方案中体现' }));
    expect((await call('POST', `/decisions/${id}/comments/adoption`, 'undertakingUnit', { answers })).status).toBe(200);
    expect((await call('POST', `/decisions/${id}/actions/completePublicParticipation`, 'undertakingUnit', withoutActor(sampleInput.publicParticipationReport()))).status).toBe(200);
    const report = await until('the adoption report public', 20_000, async () => {
      const r = await call('GET', publicAt);
      return r.status === 200 ? r.json : undefined;
    });
    expect(report).toMatchObject({ decisionId: id, title: proposal.title, counts: { received: 5, groups: 2, campaigns: 0 }, page: { total: 2 } });
    expect(report.page.groups.map((g: { text: string; comments: number; adopted: boolean; reason: string }) => [g.text, g.comments, g.adopted, g.reason])).toEqual([
      ['建议保留<学生>月票', 4, true, '保留学生月票'],
      ['支持调价', 1, false, '已在方案中体现'],
    ]);
    const page = await call('GET', `${publicAt}?format=html`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`关于《${proposal.title}》公开征求意见采纳情况`);
    expect(page.text).toContain('建议保留&lt;学生&gt;月票');
    expect(page.text).toContain('共收到意见 5 条，归并为 2 组');
    expect(page.text).toMatch(/报告提交时间（北京时间）：\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    expect((await call('GET', '/public/decisions/no-such-decision/adoption')).status).toBe(404);
    expect((await call('GET', `${publicAt}?format=pdf`)).status).toBe(400);
    await client.decision(id).handle.terminate('test done');
  });
});
