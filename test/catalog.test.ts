/**
 * The annual catalog of major decision matters on the real time-skipping server (Decree 713 art. 3; seed 004):
 * drafted, submitted, the party committee's agreement recorded, published as a notice; items added and removed with
 * reasons, each a notice; decisions on a published item accepted, on an unknown item refused, off-catalog refused
 * without a reason and accepted with one; at the end of 31 December (Beijing time) the items never started and the
 * decisions made off-catalog are listed. Notices and events go to the real NATS from globalSetup.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DecisionRefused, InvalidInput, type CatalogHandle } from '../client';
import { readDecisionEvents, readSubject } from '../client/events';
import { sampleActors, sampleProposal } from '../client/sample';
import { catalogRecordId, yearEndsAt, type CatalogItem, type CatalogStatus } from '../domain/catalog';
import { NOTICES_STREAM } from '../domain/notices';
import { shanghaiDate } from '../domain/procedure';
import { ruleSet } from '../domain/rules';
import { saveHistory, startHarness, timeSkippingEnv, uniqueId, type Harness } from './helpers';

let env: TestWorkflowEnvironment;
let h: Harness;
let nc: NatsConnection;

beforeAll(async () => {
  env = await timeSkippingEnv();
  h = await startHarness(env);
  nc = await connect({ servers: inject('timeSkippingNatsUrl') });
});

afterAll(async () => {
  await h?.stop();
  await nc?.close();
  await env?.teardown();
});

const sec = sampleActors.meetingSecretary;
const req = () => uniqueId('req-catalog');
const item = (itemId: string, title: string, plannedQuarter = 2): CatalogItem => ({
  itemId,
  title,
  undertakingUnit: '示范市交通运输局',
  plannedQuarter,
  basis: '《示范市国民经济和社会发展第十四个五年规划纲要》',
});

/** A catalog opened, drafted, agreed and published for this (test) year. */
async function publishedCatalog(authority: string, year: number): Promise<CatalogHandle> {
  const c = await h.client.startCatalog({ authority: { code: authority, name: '示范市人民政府' }, year });
  await c.draftCatalog({ requestId: req(), actor: sec, items: [item('fare', '中心城区公共交通票价调整'), item('parking', '中心城区停车收费标准调整', 3), item('metro', '轨道交通线网规划', 4)] });
  await c.submitCatalog({ requestId: req(), actor: sec, submittedOn: shanghaiDate(await env.currentTimeMs()) });
  await c.recordApproval({ requestId: req(), actor: sec, agreedBy: '中共示范市委', agreedOn: shanghaiDate(await env.currentTimeMs()), reference: '示委办〔2026〕3号' });
  await c.publishCatalog({ requestId: req(), actor: sec, documentNumber: '示政办发〔2026〕1号' });
  return c;
}

const proposalFor = (authority: string, decisionId: string, inCatalog: unknown, offCatalogReason?: string) =>
  sampleProposal(decisionId, { authority: { code: authority, name: '示范市人民政府' }, inCatalog: inCatalog as never, ...(offCatalogReason ? { offCatalogReason } : {}) });

/** The catalog's status once `ready` holds (a decision tells its catalog by a signal, soon after it starts). */
async function noted(c: CatalogHandle, ready: (s: CatalogStatus) => boolean): Promise<CatalogStatus> {
  for (let i = 0; i < 100; i++) {
    const s = await c.status();
    if (ready(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the catalog was not told');
}

describe('annualCatalog', () => {
  it('is drafted, agreed and published as a notice; adjusted with reasons, each a notice; refuses out-of-turn actions', async () => {
    const authority = uniqueId('gov');
    const year = Number(shanghaiDate(await env.currentTimeMs()).slice(0, 4));
    const c = await h.client.startCatalog({ authority: { code: authority, name: '示范市人民政府' }, year });
    // Nothing to publish before the committee agreed; nothing submitted before a draft.
    await expect(c.submitCatalog({ requestId: req(), actor: sec, submittedOn: '2026-01-05' })).rejects.toThrow(/lists no matter/);
    await c.draftCatalog({ requestId: req(), actor: sec, items: [item('fare', '中心城区公共交通票价调整')] });
    await expect(c.publishCatalog({ requestId: req(), actor: sec, documentNumber: 'x' })).rejects.toThrow(/drafting, not approved/);
    await expect(c.draftCatalog({ requestId: req(), actor: sec, items: [item('a', 'A'), item('a', 'B')] })).rejects.toThrow(/unique/);
    await c.submitCatalog({ requestId: req(), actor: sec, submittedOn: '2026-01-05' });
    await expect(c.draftCatalog({ requestId: req(), actor: sec, items: [item('b', 'B')] })).rejects.toThrow(/submitted, not drafting/);
    await c.recordApproval({ requestId: req(), actor: sec, agreedBy: '中共示范市委', agreedOn: '2026-01-10', reference: '示委办〔2026〕3号' });
    const published = await c.publishCatalog({ requestId: req(), actor: sec, documentNumber: '示政办发〔2026〕1号' });
    expect(published.summary).toMatch(/published/);

    await c.addCatalogItem({ requestId: req(), actor: sec, item: item('bus', '公交线网优化调整', 3), reason: '市政府常务会议研究增列' });
    await expect(c.addCatalogItem({ requestId: req(), actor: sec, item: item('bus', '重复'), reason: 'x' })).rejects.toThrow(/already has an item bus/);
    await c.removeCatalogItem({ requestId: req(), actor: sec, itemId: 'fare', reason: '上级政策调整，年内不再提请决策' });
    await expect(c.removeCatalogItem({ requestId: req(), actor: sec, itemId: 'nope', reason: 'x' })).rejects.toThrow(/no item nope/);

    const s = await c.status();
    expect(s).toMatchObject({ state: 'published', changes: 2, approval: { agreedBy: '中共示范市委', reference: '示委办〔2026〕3号' }, documentNumber: '示政办发〔2026〕1号' });
    expect(s.items.map((i) => [i.itemId, i.status, i.origin])).toEqual([
      ['fare', 'removed', 'catalog'],
      ['bus', 'listed', 'adjustment'],
    ]);
    expect(s.history.map((e) => e.type)).toEqual(['catalogOpened', 'catalogDrafted', 'catalogSubmitted', 'catalogApproved', 'catalogPublished', 'catalogItemAdded', 'catalogItemRemoved']);
    expect(s.history.find((e) => e.type === 'catalogApproved')!.basis).toMatch(/art\. 3/);

    // Three notices in Chinese, each with its basis: the catalog, and one per adjustment with its reason.
    const notices = (await readSubject(nc, NOTICES_STREAM, `juece.notices.${authority}.>`)) as { subjectId: string; document: { title: string; text: string } }[];
    expect(notices.map((n) => n.subjectId)).toEqual([`catalog-${year}`, `catalog-${year}-change-1`, `catalog-${year}-change-2`]);
    expect(notices[0]!.document.title).toBe(`关于公布《示范市人民政府${year}年度重大行政决策事项目录》的公告`);
    expect(notices[0]!.document.text).toContain('中共示范市委同意（示委办〔2026〕3号');
    expect(notices[0]!.document.text).toContain('中心城区公共交通票价调整（事项编号 fare');
    expect(notices[0]!.document.text).toContain('依据：《重大行政决策程序暂行条例》第三条');
    expect(notices[1]!.document.text).toContain('增列事项：公交线网优化调整');
    expect(notices[1]!.document.text).toContain('调整理由：市政府常务会议研究增列');
    expect(notices[2]!.document.text).toContain('删除事项：中心城区公共交通票价调整');

    // The events reach the stream under the catalog's own record id.
    const events = await readDecisionEvents(nc, authority, catalogRecordId(authority, year));
    expect(events.map((e) => e.kind)).toEqual(Array(7).fill('catalog'));
    await c.closeCatalog({ requestId: req(), actor: sec, reason: '测试结束' });
    expect((await c.result()).yearEnd).toMatchObject({ by: 'explicit', neverStarted: [{ itemId: 'bus' }] });
  });

  it('checks the catalog item a decision names, refuses an off-catalog decision without its reason, and lists at year end', async () => {
    const authority = uniqueId('gov');
    const now = await env.currentTimeMs();
    const year = Number(shanghaiDate(now).slice(0, 4));
    const c = await publishedCatalog(authority, year);
    await c.removeCatalogItem({ requestId: req(), actor: sec, itemId: 'metro', reason: '规划编制推迟至下一年度' });

    // On a published item: accepted, and the catalog is told.
    const onItem = uniqueId('dec');
    await h.client.startDecision(proposalFor(authority, onItem, { year, itemId: 'fare' }));
    // An unknown item, a removed one, another year's catalog: refused before anything starts.
    await expect(h.client.startDecision(proposalFor(authority, uniqueId('dec'), { year, itemId: 'nope' }))).rejects.toThrow(DecisionRefused);
    await expect(h.client.startDecision(proposalFor(authority, uniqueId('dec'), { year, itemId: 'nope' }))).rejects.toThrow(/has no item nope/);
    await expect(h.client.startDecision(proposalFor(authority, uniqueId('dec'), { year, itemId: 'metro' }))).rejects.toThrow(/was removed/);
    await expect(h.client.startDecision(proposalFor(authority, uniqueId('dec'), { year: year + 1, itemId: 'fare' }))).rejects.toThrow(/no catalog of decision matters for/);
    // Off-catalog: refused without a reason, accepted with one.
    const refusedId = uniqueId('dec');
    await expect(h.client.startDecision(proposalFor(authority, refusedId, false))).rejects.toThrow(InvalidInput);
    await expect(h.client.startDecision(proposalFor(authority, refusedId, false))).rejects.toThrow(/offCatalogReason/);
    await expect(h.client.decision(refusedId).status()).rejects.toThrow(); // never started
    const off = uniqueId('dec');
    await h.client.startDecision(proposalFor(authority, off, false, '突发供水设施改造需求，年初未能列入目录'));
    // A bare `true` (proposals made before catalogs) still starts, unchecked.
    await h.client.startDecision(proposalFor(authority, uniqueId('dec'), true));

    // The decisions tell the catalog themselves, from their first workflow task.
    const s = await noted(c, (x) => x.offCatalog.length === 1 && x.items.some((i) => i.decisions.length));
    expect(s.items.find((i) => i.itemId === 'fare')!.decisions).toEqual([onItem]);
    expect(s.offCatalog.map((o) => [o.decisionId, o.reason])).toEqual([[off, '突发供水设施改造需求，年初未能列入目录']]);
    expect((await h.client.decision(onItem).status()).history[0]!.details).toMatchObject({ inCatalog: { year, itemId: 'fare' } });

    // The timer at the end of 31 December (Beijing time) closes the catalog with its lists.
    await env.sleep(yearEndsAt(year).getTime() - now + 60_000);
    const closed = await c.result();
    expect(closed.state).toBe('closed');
    expect(closed.yearEnd).toMatchObject({ by: 'yearEnd', neverStarted: [{ itemId: 'parking', plannedQuarter: 3 }], offCatalog: [{ decisionId: off }] });
    expect(closed.history.at(-1)).toMatchObject({ type: 'catalogClosed', summary: expect.stringContaining('1 item(s) never started (parking), 1 decision(s) off-catalog') });
    await saveHistory(c.handle, 'catalog-year-end');
    await saveHistory(h.client.decision(onItem).handle, 'decision-on-catalog-item');
    // A closed catalog names no more items.
    await expect(h.client.startDecision(proposalFor(authority, uniqueId('dec'), { year, itemId: 'parking' }))).rejects.toThrow(/closed/);
  });

  it('is told of a decision by the decision itself: nothing lost when the client stops right after the start', async () => {
    const authority = uniqueId('gov');
    const year = Number(shanghaiDate(await env.currentTimeMs()).slice(0, 4));
    const c = await publishedCatalog(authority, year);
    // Started as JueceClient.startDecision starts it, but no client is left to tell the catalog anything after.
    const id = uniqueId('dec');
    const proposal = proposalFor(authority, id, { year, itemId: 'parking' });
    await h.client.client.workflow.start('majorDecision', { taskQueue: h.taskQueue, workflowId: `decision-${id}`, args: [{ proposal, rules: ruleSet(proposal.ruleSet ?? 'national') }] });
    const s = await noted(c, (x) => x.items.find((i) => i.itemId === 'parking')!.decisions.length > 0);
    expect(s.items.find((i) => i.itemId === 'parking')!.decisions).toEqual([id]);
    expect(s.history.at(-1)).toMatchObject({ type: 'catalogItemStarted', summary: `decision ${id} started on item parking` });
    // A repeat changes nothing (a decision is noted once).
    await h.client.client.workflow.getHandle(c.workflowId).signal('catalogDecisionStarted', { requestId: `decision-${id}`, decisionId: id, title: proposal.title, itemId: 'parking' });
    await new Promise((r) => setTimeout(r, 500));
    expect((await c.status()).items.find((i) => i.itemId === 'parking')!.decisions).toEqual([id]);
    await c.closeCatalog({ requestId: req(), actor: sec, reason: '测试结束' });
  });
});
