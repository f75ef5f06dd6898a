/**
 * A major decision's comment period that ends in a year with no published holiday schedule is provisional; once
 * the State Council publishes that year and an administrator adds it, `juece calendar announce` (the client's
 * announceCalendarUpdate) finds the decision through the JueceDeadlineProvisional search attribute on the real dev
 * server, and the workflow recomputes the period on the new calendar.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleActors as a, sampleInput, sampleProposal } from '../client/sample';
import { shanghaiDate } from '../domain/procedure';
import { JueceDeadlineProvisional } from '../domain/searchAttributes';
import { loadCalendars } from '../infra/calendarData';
import { startDevHarness, uniqueId, type DevHarness } from './helpers';

const DAY = 86_400_000;
const calendarDir = mkdtempSync(path.join(tmpdir(), 'juece-announce-cal-'));
let h: DevHarness;

beforeAll(async () => {
  cpSync(path.resolve(__dirname, '../calendars'), calendarDir, { recursive: true });
  mkdirSync(path.join(calendarDir, 'national'), { recursive: true }); // it may be absent
  h = await startDevHarness({ prefix: 'announce', calendarDir });
});

afterAll(async () => {
  await h?.stop();
  rmSync(calendarDir, { recursive: true, force: true });
});

async function until<T>(get: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('juece calendar announce', () => {
  it('recomputes a provisional comment period once the next year\'s schedule is published', async () => {
    const published = loadCalendars(calendarDir).lastPublishedYear;
    const today = shanghaiDate(Date.now());
    // A period long enough to end on 20 January of the first year with no published schedule.
    const target = Date.parse(`${published + 1}-01-20T12:00:00+08:00`);
    const periodDays = Math.max(30, Math.round((target - Date.parse(`${today}T12:00:00+08:00`)) / DAY));
    expect(periodDays, 'the test needs a period of at most 366 days to reach the unpublished year').toBeLessThanOrEqual(366);

    const d = await h.client.startDecision(sampleProposal(uniqueId('announce')));
    await d.openConsultation({ ...sampleInput.openConsultation(today), periodDays });
    const first = await until(async () => (await d.status()).history.find((e) => e.type === 'deadlineSet')?.deadline, 'the comment period');
    expect(first).toMatchObject({ rule: 'commentPeriod', provisional: true, provisionalYears: [published + 1] });
    const wfId = d.workflowId;
    await until(async () => {
      for await (const wf of h.client.client.workflow.list({ query: `${JueceDeadlineProvisional.name} = true AND WorkflowId = "${wfId}"` })) return wf;
      return undefined;
    }, 'the provisional deadline in the search attributes');

    // The State Council publishes the year: its last day of the period is made a holiday, so the period runs on.
    const lastDay = first.date;
    writeFileSync(
      path.join(calendarDir, 'national', `${published + 1}.json`),
      JSON.stringify({ jurisdiction: 'CN', year: published + 1, reference: '国务院办公厅关于部分节假日安排的通知（测试）', holidays: { [lastDay]: '测试假日' }, workdays: {} }),
    );
    const told = await h.client.announceCalendarUpdate();
    expect(told).toContain(wfId);
    const second = await until(async () => (await d.status()).history.find((e) => e.type === 'deadlineRecomputed')?.deadline, 'the recomputed period');
    const expected = loadCalendars(calendarDir).national.addDays(first.from, periodDays).date;
    expect(second).toMatchObject({ rule: 'commentPeriod', provisional: false, date: expected });
    expect(second.date > lastDay).toBe(true);
    expect((await d.status()).commentPeriodClosesAt).toBe(second.dueAt);

    await d.withdraw({ requestId: uniqueId('req'), actor: a.head, reason: '测试结束' });
    await d.result();
  });
});
