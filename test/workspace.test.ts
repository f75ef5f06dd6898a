/**
 * The workspace in a real browser (Debian's chromium, driven by playwright-core; ../shared/BROWSER-TESTS.md), on the
 * real dev server, NATS and PostgreSQL: the office signs in and opens the consultation from its inbox (a refusal
 * shown as the workflow gives it), asks an expert of the pool; the expert finds the decision in their inbox and
 * gives the opinion (a field error shown at the field); an expert not asked is offered nothing. Each page is
 * checked with axe, and screenshots are written for a person to look at (JUECE_SCREENSHOTS, default a temp folder).
 */
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signToken } from '../api/auth';
import { retroactiveConsultation, sampleActors, sampleEnforcementActor, sampleEnforcementCase, sampleInput, sampleNotice, sampleProposal } from '../client/sample';
import { shanghaiDate } from '../domain/procedure';
import { startApiHarness, TEST_JWT_SECRET, uniqueId, until, type ApiHarness } from './helpers';

let h: ApiHarness;
let browser: Browser;
const shots = process.env.JUECE_SCREENSHOTS ?? mkdtempSync(path.join(tmpdir(), 'juece-screens-'));
mkdirSync(shots, { recursive: true });

beforeAll(async () => {
  h = await startApiHarness('web');
  browser = await chromium.launch({
    executablePath: inject('chromiumPath'),
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  console.log(`workspace screenshots: ${shots}`);
  await browser?.close();
  await h?.stop();
});

/** A person's own browser window, signed in through the development sign-in as the sample actor `name`. */
async function signIn(name: string): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await ctx.newPage();
  await page.goto(`${h.api.url}/app`);
  expect(page.url()).toMatch(/\/app\/signin$/);
  await page.getByRole('button', { name }).click();
  await page.waitForURL(/\/app$/);
  return { ctx, page };
}

/** Reloads until `text` is on the page: the record (timeline, inbox) follows the workflow within moments. */
async function reloadUntil(page: Page, text: string, exact = false): Promise<void> {
  // Opened afresh (never reloaded: the page after a refused form is that form's POST, and a reload would send it again).
  const url = page.url().replace(/\/actions\/\w+$/, '').replace(/\?.*$/, '');
  await until(`"${text}" on ${url}`, 20_000, async () => {
    await page.goto(url);
    return (await page.getByText(text, { exact }).count()) > 0;
  });
}
const text = async (l: ReturnType<Page['locator']>) => (await l.textContent()) ?? '';

/** An action's form, unfolded (each is folded under its name until opened). */
async function openForm(page: Page, action: string) {
  const details = page.locator(`details:has(#${action}-title)`);
  if (!(await details.evaluate((d) => (d as unknown as { open: boolean }).open))) await details.locator('summary').click();
  return page.locator(`form[aria-labelledby="${action}-title"]`);
}

/** axe finds no serious or critical violation on the page. */
async function accessible(page: Page): Promise<void> {
  const r = await new AxeBuilder({ page }).analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

/** Fills an action's form (fields by name; selects by value) and sends it; waits for the page that answers. */
async function submit(page: Page, action: string, fields: Record<string, string> = {}): Promise<void> {
  const form = await openForm(page, action);
  for (const [name, value] of Object.entries(fields)) {
    const el = form.locator(`#${action}-${name}`);
    if ((await el.evaluate((e) => e.tagName)) === 'SELECT') await el.selectOption(value);
    else await el.fill(value);
  }
  await Promise.all([page.waitForLoadState('load'), form.getByRole('button', { name: '提交' }).click()]);
  const status = await page.getByRole('status').count();
  if (!status) throw new Error(`${action} was not taken: ${await text(page.locator('[role=alert]'))}`);
}

/** Opens the decision's page from the person's inbox, once it is listed there. */
async function fromInbox(page: Page, id: string): Promise<void> {
  await until(`decision ${id} in the inbox`, 20_000, async () => {
    await page.goto(`${h.api.url}/app`);
    return (await page.locator(`a[href="/app/decisions/${id}"]`).count()) > 0;
  });
  await page.locator(`a[href="/app/decisions/${id}"]`).click();
}

/** Opens the decision's page until the form of `action` is offered (the steps open as the workflow moves on). */
async function offered(page: Page, id: string, action: string): Promise<void> {
  await until(`${action} offered on ${id}`, 30_000, async () => {
    await page.goto(`${h.api.url}/app/decisions/${id}`);
    return (await page.locator(`#${action}-title`).count()) > 0;
  });
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

describe('the workspace in a browser', () => {
  it('carries the consultation and an expert opinion from the inbox, as each person may, with refusals and field errors shown', async () => {
    const proposal = sampleProposal(uniqueId('web'));
    const id = proposal.decisionId;
    expect((await h.call('POST', '/decisions', 'undertakingUnit', proposal)).status).toBe(201);
    await until('the decision in the record', 20_000, async () => (await h.call('GET', `/decisions?limit=1000`, 'undertakingUnit')).json.decisions.some((d: { decisionId: string }) => d.decisionId === id));

    // The office: its inbox lists the decision; the page offers what it may do now, and nothing of the experts'.
    const office = await signIn('王敏（决策承办单位）');
    await accessible(office.page);
    await office.page.locator(`a[href="/app/decisions/${id}"]`).click(); // sample decisions share their title: by id
    expect(await text(office.page.getByRole('heading', { level: 1 }))).toBe(proposal.title);
    expect(await office.page.getByRole('heading', { name: '公开征求意见', level: 3 }).count()).toBe(1);
    expect(await office.page.getByRole('heading', { name: '提交专家论证意见' }).count()).toBe(0);
    // A period shorter than 30 days without urgency: the error at its field, nothing recorded.
    const consultation = await openForm(office.page, 'openConsultation');
    await consultation.getByLabel('征求意见期限（日）').fill('10');
    await consultation.getByRole('button', { name: '提交' }).click();
    expect(await text(office.page.getByRole('alert'))).toBe('未予受理：请更正以下内容：征求意见期限（日）');
    expect(await text(office.page.locator('#openConsultation-periodDays-error'))).toContain('needs an urgency reason (art. 15)');
    expect(await office.page.locator('#openConsultation-periodDays').inputValue()).toBe('10'); // what was typed is kept
    await accessible(office.page);
    await shot(office.page, 'decision-field-error-office');
    await (await openForm(office.page, 'openConsultation')).getByLabel('征求意见期限（日）').fill('30');
    await (await openForm(office.page, 'openConsultation')).getByRole('button', { name: '提交' }).click();
    expect(await text(office.page.getByRole('status'))).toBe('已提交：公开征求意见');
    expect(await office.page.getByRole('heading', { name: '公开征求意见', level: 3 }).count()).toBe(0); // done, no longer offered

    // The office asks 李教授 of the city's pool.
    const ask = (await openForm(office.page, 'assignExperts'));
    await ask.getByLabel(/专家（专家库编号）/).fill('e-0427');
    await ask.getByRole('button', { name: '提交' }).click();
    expect(await text(office.page.getByRole('status'))).toBe('已提交：邀请专家');
    await reloadUntil(office.page, 'asked 李教授 (e-0427, 示范大学交通学院)');
    // Closing expert review before any opinion: refused with the workflow's own reason.
    const close = (await openForm(office.page, 'completeExpertReview'));
    await close.getByLabel('概述').fill('专家论证结束');
    await close.getByRole('button', { name: '提交' }).click();
    expect(await text(office.page.getByRole('alert'))).toBe('未予受理：No expert opinion has been given yet (art. 21).');
    await accessible(office.page);
    await shot(office.page, 'decision-office');

    // The expert asked: the decision waits in their inbox, marked as assigned to them.
    const expert = await signIn('李教授（专家）');
    await until("the expert's assignment in the inbox", 20_000, async () => {
      await expert.page.goto(`${h.api.url}/app`);
      return (await expert.page.locator(`a[href="/app/decisions/${id}"]`).count()) > 0;
    });
    expect(await text(expert.page.getByRole('row').filter({ has: expert.page.locator(`a[href="/app/decisions/${id}"]`) }))).toContain('指定由您办理：专家论证');
    await accessible(expert.page);
    await shot(expert.page, 'inbox-expert');
    await expert.page.locator(`a[href="/app/decisions/${id}"]`).click();
    const opinion = (await openForm(expert.page, 'submitExpertOpinion'));
    // No opinion text: the error is shown at its field.
    await opinion.getByLabel('签名').fill('李教授');
    await opinion.locator('textarea[name="opinion"]').evaluate((el) => el.removeAttribute('required'));
    await opinion.getByRole('button', { name: '提交' }).click();
    const field = expert.page.locator('form[aria-labelledby="submitExpertOpinion-title"] .field.invalid');
    expect(await field.count()).toBe(1);
    expect(await text(field.locator('label'))).toContain('意见');
    expect(await expert.page.locator('#submitExpertOpinion-opinion').getAttribute('aria-invalid')).toBe('true');
    expect(await text(expert.page.locator('#submitExpertOpinion-opinion-error'))).toBe('must not be empty');
    await accessible(expert.page);
    await shot(expert.page, 'decision-field-error');
    await expert.page.locator('#submitExpertOpinion-opinion').fill('票价调整幅度总体合理，建议同步完善换乘优惠。');
    await (await openForm(expert.page, 'submitExpertOpinion')).getByRole('button', { name: '提交' }).click();
    expect(await text(expert.page.getByRole('status'))).toBe('已提交：提交专家论证意见');
    expect(await expert.page.getByRole('heading', { name: '提交专家论证意见' }).count()).toBe(0);

    // An expert of the pool not asked on this decision is offered nothing.
    const other = await signIn('孙研究员（专家）');
    await other.page.goto(`${h.api.url}/app/decisions/${id}`);
    expect(await other.page.getByText('您目前在本事项中没有可办理的操作。').count()).toBe(1);

    // The record of it all, in the timeline; times in Beijing time.
    await reloadUntil(office.page, '专家论证意见', true); // exactly: the form '提交专家论证意见' is on the page too
    // Each event named in Chinese (the machine name only as the cell's title), the first the decision's start.
    const kinds = await office.page.locator('table.timeline tbody td:nth-child(4)').allTextContents();
    expect(kinds[0]).toBe('决策启动');
    expect(kinds).toContain('专家论证意见');
    expect(kinds.filter((k) => /^[a-z]+[A-Z]/.test(k))).toEqual([]);
    // Expert review still open: the refused close was not taken, and nothing was sent twice.
    expect(await text(office.page.getByRole('row', { name: /^专家论证/ }))).toContain('进行中');
    const times = await office.page.locator('table.timeline tbody td:nth-child(2)').allTextContents();
    expect(times.every((t) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/.test(t))).toBe(true);
    await shot(office.page, 'decision-timeline');
    for (const x of [office, expert, other]) await x.ctx.close();
    await h.client.decision(id).handle.terminate('test done');
  });

  it('keeps pages to themselves: a strict content security policy, no page without a session, no post without its CSRF token', async () => {
    const res = await fetch(`${h.api.url}/app/signin`);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    expect((await fetch(`${h.api.url}/app`, { redirect: 'manual' })).headers.get('location')).toBe('/app/signin');
    // A sign-in posted without the token of the page it came from is refused.
    const forged = await fetch(`${h.api.url}/app/signin`, { method: 'POST', body: new URLSearchParams({ actor: 'head' }), redirect: 'manual' });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('set-cookie') ?? '').not.toContain('juece_session=ey');
    // A signed-in person's action posted without the form's CSRF token changes nothing.
    const { ctx, page } = await signIn('王敏（决策承办单位）');
    const proposal = sampleProposal(uniqueId('csrf'));
    expect((await h.call('POST', '/decisions', 'undertakingUnit', proposal)).status).toBe(201);
    const cookies = (await ctx.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const post = await fetch(`${h.api.url}/app/decisions/${proposal.decisionId}/actions/withdraw`, {
      method: 'POST',
      headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ requestId: uniqueId('req'), reason: '伪造的请求' }),
      redirect: 'manual',
    });
    expect(post.status).toBe(403);
    expect((await h.client.decision(proposal.decisionId).status()).status).toBe('inProgress');
    await page.close();
    await ctx.close();
    await h.client.decision(proposal.decisionId).handle.terminate('test done');
  });

  it('lets a citizen comment on the public page, once per text, and says clearly when the period is over', async () => {
    const proposal = sampleProposal(uniqueId('pub'));
    const id = proposal.decisionId;
    expect((await h.call('POST', '/decisions', 'undertakingUnit', proposal)).status).toBe(201);
    const { actor: _a, ...opening } = sampleInput.openConsultation(shanghaiDate(Date.now()));
    expect((await h.call('POST', `/decisions/${id}/actions/openConsultation`, 'undertakingUnit', opening)).status).toBe(200);
    const ctx = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const page = await ctx.newPage();
    // The authority's open consultations, without signing in; this one among them once the record has its period.
    await until('the consultation listed', 20_000, async () => {
      await page.goto(`${h.api.url}/public/consultations/shifan-gov`);
      return (await page.locator(`a[href$="/${id}"]`).count()) > 0;
    });
    await accessible(page);
    await page.locator(`a[href$="/${id}"]`).click();
    expect(await text(page.getByRole('heading', { level: 1 }))).toBe(proposal.title);
    expect(await text(page.locator('#notice'))).toContain('公开征求意见的公告');
    // The period ends at 24:00 of its last day, as the notice says it (30 days on the calendar, art. 15).
    const closes = (await h.db.query<{ closes_at: Date }>('SELECT closes_at FROM consultations WHERE decision_id = $1', [id]))[0]!.closes_at;
    const lastDay = new Date(new Date(closes).getTime() + 8 * 3600_000 - 1).toISOString().slice(0, 10);
    expect(await text(page.locator('main'))).toContain(`征求意见截止（北京时间）：${lastDay} 24:00`);
    expect(await text(page.locator('#notice + p + p'))).not.toBe(await text(page.locator('#notice')));
    await page.getByLabel('姓名或单位名称').fill('市民张三');
    await page.getByLabel('联系方式（电话或电子邮箱）').fill('13800000000');
    await page.getByLabel('意见内容').fill('建议保留学生月票。');
    await page.getByRole('button', { name: '提交意见' }).click();
    expect(await text(page.getByRole('status'))).toBe('您的意见已收到，谢谢。');
    expect(await text(page.locator('main'))).toContain('已收到意见 1 条。');
    await accessible(page);
    await shot(page, 'public-consultation');
    // The same person and text again (spacing aside): counted once.
    await page.getByLabel('姓名或单位名称').fill(' 市民张三 ');
    await page.getByLabel('联系方式（电话或电子邮箱）').fill('138 0000 0000');
    await page.getByLabel('意见内容').fill('建议保留学生月票。');
    await page.getByRole('button', { name: '提交意见' }).click();
    expect(await text(page.getByRole('status'))).toBe('您已提交过相同的意见，本次不重复计入。');
    expect((await h.call('GET', `/decisions/${id}`, 'undertakingUnit')).json.comments).toMatchObject({ received: 1, groups: 1 });

    // A consultation whose period is over (held elsewhere, recorded as such): no form, and a post is refused.
    const past = sampleProposal(uniqueId('pub-past'));
    expect((await h.call('POST', '/decisions', 'undertakingUnit', past)).status).toBe(201);
    const { actor: _b, ...held } = sampleInput.openConsultation(retroactiveConsultation());
    expect((await h.call('POST', `/decisions/${past.decisionId}/actions/openConsultation`, 'undertakingUnit', held)).status).toBe(200);
    await until('the past consultation closed in the record', 20_000, async () => (await h.db.query('SELECT 1 FROM consultations WHERE decision_id = $1 AND closed_at IS NOT NULL', [past.decisionId])).length > 0);
    await page.goto(`${h.api.url}/public/consultations/shifan-gov/${past.decisionId}`);
    expect(await text(page.locator('main'))).toContain('本事项的征求意见期已经结束，不再接收意见。');
    expect(await page.getByRole('button', { name: '提交意见' }).count()).toBe(0);
    expect((await fetch(`${h.api.url}/public/consultations/shifan-gov/no-such-decision`)).status).toBe(404);

    // Enforcement decisions on display, and no longer once taken down (行政执法公示).
    const e = await h.client.recordEnforcementDecision(sampleEnforcementCase(uniqueId('pub-case')));
    await until('the case ready for its notice', 20_000, async () => Boolean((await e.status()).deadline));
    await e.publishNotice(sampleNotice());
    await page.goto(`${h.api.url}/public/notices/shifan-amr`);
    const shownNotice = page.locator('article').filter({ hasText: '示范市某食品有限公司' }).filter({ hasText: new Date().getFullYear().toString() });
    expect(await shownNotice.count()).toBeGreaterThan(0);
    await accessible(page);
    const before = await page.locator('article').count();
    await e.takeDownNotice({ requestId: uniqueId('req'), actor: sampleEnforcementActor, reason: 'revoked', reference: '示市监撤〔2026〕1号' });
    await until('the notice taken down', 20_000, async () => {
      await page.goto(`${h.api.url}/public/notices/shifan-amr`);
      return (await page.locator('article').count()) === before - 1;
    });
    await ctx.close();
    for (const x of [id, past.decisionId]) await h.client.decision(x).handle.terminate('test done');
  });

  it("gives supervisors the dashboard: filters kept in the address, counts, deadlines, refused access, and a CSV that Excel opens", async () => {
    const proposal = sampleProposal(uniqueId('dash'));
    expect((await h.call('POST', '/decisions', 'undertakingUnit', proposal)).status).toBe(201);
    // A refused request, for the dashboard to show.
    expect((await h.call('GET', `/decisions/${proposal.decisionId}`, 'otherOffice')).status).toBe(403);
    await until('the decision in the record', 20_000, async () => (await h.call('GET', '/decisions?limit=1000', 'supervisor')).json.decisions.some((d: { decisionId: string }) => d.decisionId === proposal.decisionId));

    const { ctx, page } = await signIn('吴督察（督察）');
    await page.getByRole('link', { name: '督察总览' }).first().click();
    await page.waitForURL(/\/app\/dashboard$/);
    await page.getByLabel('类别').selectOption('majorDecision');
    await page.getByLabel('决策机关（代码）').fill('shifan-gov');
    await page.getByRole('button', { name: '筛选' }).click();
    // The filters are in the address: the page can be bookmarked and shared.
    expect(new URL(page.url()).searchParams.get('kind')).toBe('majorDecision');
    expect(new URL(page.url()).searchParams.get('authority')).toBe('shifan-gov');
    await page.goto(page.url());
    expect(await page.getByLabel('类别').inputValue()).toBe('majorDecision');
    expect(await page.locator(`a[href="/app/decisions/${proposal.decisionId}"]`).count()).toBeGreaterThan(0);
    expect(await text(page.locator('table:has(caption:text("按决策机关"))'))).toContain('shifan-gov');
    expect(await text(page.locator('main'))).toContain(`GET /decisions/${proposal.decisionId}`);
    // Its figures are GET /decisions' on the same filters.
    const listed = (await h.call('GET', '/decisions?kind=majorDecision&authority=shifan-gov&limit=1000', 'supervisor')).json;
    expect(await text(page.locator('main'))).toContain(`显示 ${listed.decisions.length} 项，共 ${listed.total} 项。`);
    await accessible(page);
    await shot(page, 'dashboard');

    // The CSV of the same list: UTF-8 with a BOM, the decision in it.
    const cookies = (await ctx.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const csv = await fetch(`${h.api.url}/app/dashboard.csv?kind=majorDecision&authority=shifan-gov`, { headers: { cookie: cookies } });
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const bytes = new Uint8Array(await csv.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const body = new TextDecoder().decode(bytes.slice(3));
    expect(body.split('\r\n')[0]).toBe('编号,类别,名称,决策机关,承办单位,状态,当前环节,期限（北京时间）,期限规则,暂定,逾期');
    expect(body).toContain(`${proposal.decisionId},重大行政决策,${proposal.title},shifan-gov,示范市交通运输局,办理中`);

    // The compliance report, printable, through the workspace.
    const report = await page.goto(`${h.api.url}/app/reports/compliance?year=${new Date().getFullYear()}`);
    expect(report!.status()).toBe(200);
    expect(await text(page.locator('h1'))).toContain('重大行政决策');
    await ctx.close();

    // Not for an office.
    const office = await signIn('王敏（决策承办单位）');
    const refused = await office.page.goto(`${h.api.url}/app/dashboard`);
    expect(refused!.status()).toBe(403);
    await office.ctx.close();
    await h.client.decision(proposal.decisionId).handle.terminate('test done');
  });

  it('carries a decision from the office through expert, risk, legality review and the meeting to the supervisor, each in their own browser', async () => {
    const proposal = sampleProposal(uniqueId('flow'));
    const id = proposal.decisionId;
    expect((await h.call('POST', '/decisions', 'undertakingUnit', proposal)).status).toBe(201);
    const noticeDate = shanghaiDate(Date.now() - 45 * 86_400_000);

    // The office records the consultation held on the portal 45 days ago (补录) and asks 李教授.
    const office = await signIn('王敏（决策承办单位）');
    await fromInbox(office.page, id);
    await submit(office.page, 'openConsultation', {
      openedOn: noticeDate,
      retroactive: JSON.stringify({ noticeReference: '示交公告〔2026〕3号', noticeDate, heldAt: '示范市人民政府门户网站' }),
    });
    await submit(office.page, 'assignExperts', { experts: 'e-0427' });

    const expert = await signIn('李教授（专家）');
    await fromInbox(expert.page, id);
    await submit(expert.page, 'submitExpertOpinion', { opinion: '调价幅度合理。', signature: '李教授' });
    await office.page.goto(`${h.api.url}/app/decisions/${id}`);
    await submit(office.page, 'completeExpertReview', { summary: '一名专家提出书面论证意见。' });

    const assessor = await signIn('赵评估（风险评估机构）');
    await fromInbox(assessor.page, id);
    await submit(assessor.page, 'completeRiskAssessment', {
      riskPoints: '通勤成本上升\n换乘优惠衔接不畅',
      measures: '分步实施，同步推出月票优惠。',
      contingencyPlan: '暂缓第二阶段调价。',
      verdict: 'controllable',
    });

    // The period being over, the office files its report and sends the draft for legality review.
    await offered(office.page, id, 'completePublicParticipation');
    await submit(office.page, 'completePublicParticipation', { adoptionReport: '意见已归纳整理，采纳情况见附件。' });
    await offered(office.page, id, 'requestLegalityReview');
    await submit(office.page, 'requestLegalityReview', { materials: '决策草案及起草说明\n专家论证意见\n风险评估报告' });

    // The reviewer finds it in the inbox, takes it as their own, signs for it and finds it lawful.
    const reviewer = await signIn('陈律（合法性审查机构）');
    await fromInbox(reviewer.page, id);
    await submit(reviewer.page, 'assignLegalityReviewer');
    await submit(reviewer.page, 'signForLegalityReview');
    await submit(reviewer.page, 'completeLegalityReview', { verdict: 'lawful', opinion: '决策权限、程序及内容合法。' });
    await accessible(reviewer.page);
    await shot(reviewer.page, 'decision-reviewed');

    // The meeting records the decision.
    const secretary = await signIn('刘秘书（会议记录）');
    await fromInbox(secretary.page, id);
    await submit(secretary.page, 'recordCollectiveDecision', {
      meeting: 'executive',
      participants: '张市长\n李副市长\n王副市长',
      headDecision: 'adopt',
      differsFromMajority: 'false',
      minutes: '市政府常务会议讨论通过。',
    });

    // The supervisor sees where it stands and prints its verified record.
    const supervisor = await signIn('吴督察（督察）');
    await until('the decision past the meeting on the dashboard', 20_000, async () => {
      await supervisor.page.goto(`${h.api.url}/app/dashboard?kind=majorDecision&authority=shifan-gov`);
      const row = supervisor.page.getByRole('row').filter({ has: supervisor.page.locator(`a[href="/app/decisions/${id}"]`) });
      return (await row.count()) > 0 && (await text(row.first())).includes('向党委报告');
    });
    await supervisor.page.goto(`${h.api.url}/app/decisions/${id}/record`);
    expect(await text(supervisor.page.locator('body'))).toMatch(/哈希链校验通过：\d+ 条记录完整无改动/);
    for (const x of [office, expert, assessor, reviewer, secretary, supervisor]) await x.ctx.close();
    await h.client.decision(id).handle.terminate('test done');
  });

  it("shows a supervisor an authority's annual catalog of decision matters", async () => {
    const gov = uniqueId('webgov');
    const year = Number(shanghaiDate(Date.now()).slice(0, 4));
    h.tokens.catalogSecretary = await signToken(TEST_JWT_SECRET, { actor: sampleActors.meetingSecretary, authority: gov });
    expect((await h.call('POST', '/catalogs', 'catalogSecretary', { authority: { code: gov, name: '示范县人民政府' }, year })).status).toBe(201);
    const items = [{ itemId: 'water', title: '城乡供水一体化规划', undertakingUnit: '示范县水利局', plannedQuarter: 2, basis: '县政府年度工作要点' }];
    expect((await h.call('POST', `/catalogs/${gov}/${year}/actions/draftCatalog`, 'catalogSecretary', { requestId: uniqueId('req'), items })).status).toBe(200);

    const { ctx, page } = await signIn('吴督察（督察）');
    await page.goto(`${h.api.url}/app/dashboard?authority=${gov}`);
    await page.getByRole('link', { name: `决策事项年度目录（${year}）` }).click();
    expect(await text(page.getByRole('heading', { level: 1 }))).toBe(`示范县人民政府${year}年度重大行政决策事项目录`);
    expect(await text(page.locator('main'))).toContain('状态：编制中');
    expect(await text(page.getByRole('row').filter({ hasText: 'water' }))).toContain('城乡供水一体化规划');
    await accessible(page);
    const none = await page.goto(`${h.api.url}/app/catalogs/${gov}/${year + 1}`);
    expect(none!.status()).toBe(404);
    await ctx.close();
    expect((await h.call('POST', `/catalogs/${gov}/${year}/actions/closeCatalog`, 'catalogSecretary', { requestId: uniqueId('req'), reason: '测试结束' })).status).toBe(200);
  });
});
