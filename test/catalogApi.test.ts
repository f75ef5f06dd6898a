/**
 * The annual catalog over the HTTP API on the dev server, NATS and a procedure record of its own: opened, drafted,
 * agreed, published (a public notice), adjusted with reasons (a notice each); decisions on a published item, on an
 * unknown one, off-catalog without and with a reason; roles and authorities refused; the close with its lists; the
 * catalog's own record with its hash chain; the routes in the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../api/auth';
import { startApi, type RunningApi } from '../api/server';
import { sampleActors, sampleProposal } from '../client/sample';
import { shanghaiDate } from '../domain/procedure';
import { loadConfig } from '../infra/config';
import { freePort } from '../infra/servers';
import { startRecordHarness, uniqueId, until, type RecordHarness } from './helpers';

const SECRET = 'test-secret-of-at-least-thirty-two-characters';
let dev: RecordHarness;
let api: RunningApi;
const authority = uniqueId('gov');
const year = Number(shanghaiDate(Date.now()).slice(0, 4));
const tokens: Record<string, string> = {};

beforeAll(async () => {
  dev = await startRecordHarness('catalog-api');
  const cfg = loadConfig({ ...process.env, JUECE_JWT_SECRET: SECRET, JUECE_API_PORT: String(await freePort()) });
  api = await startApi(cfg, { client: dev.client, db: dev.db, nats: dev.nc });
  for (const [name, actor] of Object.entries(sampleActors)) tokens[name] = await signToken(SECRET, { actor, authority });
  tokens.otherAuthority = await signToken(SECRET, { actor: sampleActors.meetingSecretary, authority: 'other-gov' });
});

afterAll(async () => {
  await api?.stop();
  await dev?.stop();
});

async function call(method: string, path: string, who: string | undefined, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

const at = `/catalogs/${authority}/${year}`;
const act = (who: string, action: string, body: Record<string, unknown>) => call('POST', `${at}/actions/${action}`, who, { requestId: uniqueId('req'), ...body });
const item = (itemId: string, title: string) => ({ itemId, title, undertakingUnit: '示范市交通运输局', plannedQuarter: 3, basis: '市政府年度工作要点' });
const propose = (inCatalog: unknown, offCatalogReason?: string) =>
  sampleProposal(uniqueId('dec'), { authority: { code: authority, name: '示范市人民政府' }, inCatalog: inCatalog as never, ...(offCatalogReason ? { offCatalogReason } : {}) });

describe('the annual catalog over the API', () => {
  it('goes from draft to publication and adjustment with notices, checks the items decisions name, and closes with its lists', async () => {
    const open = { authority: { code: authority, name: '示范市人民政府' }, year };
    expect((await call('POST', '/catalogs', 'expert', open)).status).toBe(403);
    expect((await call('POST', '/catalogs', 'otherAuthority', open)).status).toBe(403);
    expect((await call('POST', '/catalogs', 'meetingSecretary', open)).status).toBe(201);
    expect((await call('POST', '/catalogs', 'meetingSecretary', open)).status).toBe(409); // one catalog per authority and year

    expect((await act('meetingSecretary', 'draftCatalog', { items: [item('fare', '公共交通票价调整'), item('parking', '停车收费标准调整')] })).status).toBe(200);
    expect((await act('meetingSecretary', 'publishCatalog', { documentNumber: '示政办发〔2026〕1号' })).status).toBe(409); // not yet agreed
    expect((await act('supervisor', 'submitCatalog', { submittedOn: '2026-01-05' })).status).toBe(403);
    expect((await act('meetingSecretary', 'submitCatalog', { submittedOn: '2026-01-05' })).status).toBe(200);
    expect((await act('meetingSecretary', 'recordApproval', { agreedBy: '中共示范市委', agreedOn: '2026-01-10', reference: '示委办〔2026〕3号' })).status).toBe(200);
    expect((await act('head', 'publishCatalog', { documentNumber: '示政办发〔2026〕1号' })).status).toBe(200);
    expect((await act('meetingSecretary', 'addCatalogItem', { item: item('bus', '公交线网优化'), reason: '常务会议研究增列' })).status).toBe(200);
    expect((await act('meetingSecretary', 'removeCatalogItem', { itemId: 'parking', reason: '年内不再提请决策' })).status).toBe(200);
    const bad = await act('meetingSecretary', 'removeCatalogItem', { itemId: 'parking' });
    expect(bad.status).toBe(400);
    expect(bad.json.issues.map((i: { path: string }) => i.path)).toContain('reason');

    // The public notices: the catalog, then one per adjustment.
    const notices = (await call('GET', `/notices/${authority}`, undefined)).json as { kind: string; document: { title: string } }[];
    expect(notices.map((n) => n.kind)).toEqual(['catalog', 'catalogChange', 'catalogChange']);
    expect(notices[0]!.document.title).toContain(`${year}年度重大行政决策事项目录`);

    // Decisions: on a published item; on an unknown one (409); off-catalog without (400) and with its reason.
    const onItem = propose({ year, itemId: 'fare' });
    expect((await call('POST', '/decisions', 'undertakingUnit', onItem)).status).toBe(201);
    const unknown = await call('POST', '/decisions', 'undertakingUnit', propose({ year, itemId: 'nope' }));
    expect(unknown.status).toBe(409);
    expect(unknown.json.message).toMatch(/has no item nope/);
    const noReason = await call('POST', '/decisions', 'undertakingUnit', propose(false));
    expect(noReason.status).toBe(400);
    expect(noReason.json.issues).toEqual([expect.objectContaining({ path: 'offCatalogReason' })]);
    const off = propose(false, '供水设施应急改造，年初未列入目录');
    expect((await call('POST', '/decisions', 'undertakingUnit', off)).status).toBe(201);

    expect((await call('GET', at, 'otherAuthority')).status).toBe(403);
    // Each decision tells the catalog itself, soon after its start.
    const s = await until('the catalog told of both decisions', 20_000, async () => {
      const x = (await call('GET', at, 'supervisor')).json;
      return x.offCatalog.length === 1 && x.items[0].decisions.length === 1 && x;
    });
    expect(s.items.map((i: any) => [i.itemId, i.status, i.decisions])).toEqual([
      ['fare', 'listed', [onItem.decisionId]],
      ['parking', 'removed', []],
      ['bus', 'listed', []],
    ]);
    expect(s.offCatalog.map((o: any) => o.decisionId)).toEqual([off.decisionId]);

    expect((await act('meetingSecretary', 'closeCatalog', { reason: '年度目录执行情况总结' })).status).toBe(200);
    const closed = (await call('GET', at, 'supervisor')).json;
    expect(closed.yearEnd).toMatchObject({ by: 'explicit', neverStarted: [{ itemId: 'bus' }], offCatalog: [{ decisionId: off.decisionId }] });

    // The catalog's own record, complete and hash-chained.
    const record = await until('the catalog record', 30_000, async () => {
      const r = await call('GET', `${at}/record`, 'supervisor');
      return r.status === 200 && r.json.entries.length === closed.events && r.json;
    });
    expect(record.verification).toMatchObject({ chainOk: true });
    expect(record.entries.map((e: any) => e.event.type)).toEqual([
      'catalogOpened',
      'catalogDrafted',
      'catalogSubmitted',
      'catalogApproved',
      'catalogPublished',
      'catalogItemAdded',
      'catalogItemRemoved',
      'catalogItemStarted',
      'offCatalogDecisionStarted',
      'catalogClosed',
    ]);
    expect(record.catalog).toMatchObject({ kind: 'catalog', title: `示范市人民政府${year}年度重大行政决策事项目录` });

    const doc = (await call('GET', '/openapi.json', undefined)).json;
    expect(doc.paths['/catalogs/{authority}/{year}/actions/recordApproval']).toBeDefined();

    for (const d of [onItem, off]) {
      expect((await call('POST', `/decisions/${d.decisionId}/actions/withdraw`, 'undertakingUnit', { requestId: uniqueId('req'), reason: '测试结束' })).status).toBe(200);
    }
  });
});
