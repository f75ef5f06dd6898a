/**
 * Publication of enforcement decisions on the real time-skipping server: the 7/20 working-day deadline held with
 * reminders, overdue escalation, the notice issued and taken down, a worker restart, and a provisional deadline
 * recomputed when the next year's schedule arrives. Notices go to the real NATS from globalSetup.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { connect, type NatsConnection } from 'nats';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { EnforcementHandle } from '../client';
import { readDecisionEvents, readSubject } from '../client/events';
import { sampleEnforcementActor, sampleEnforcementCase, sampleNotice } from '../client/sample';
import { NOTICES_STREAM } from '../domain/notices';
import { shanghaiDate } from '../domain/procedure';
import type { EventType } from '../domain/schemas';
import { loadCalendars } from '../infra/calendarData';
import { calendarUpdated } from '../workflows/messages';
import { saveHistory, startHarness, timeSkippingEnv, uniqueId, type Harness } from './helpers';

let env: TestWorkflowEnvironment;
let h: Harness;
let nc: NatsConnection;
const cn = loadCalendars().national;

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

const now = () => env.currentTimeMs();
const types = async (e: EnforcementHandle) => (await e.status()).history.map((x) => x.type);

async function until(e: EnforcementHandle, type: EventType): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await types(e)).includes(type)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${type} event`);
}

/** Lets test time run until `iso` (plus a minute), in well under a second of wall time. */
/**
 * Ends a case the way an office would, by taking its notice down, and waits for the workflow to finish. (Terminating
 * a run with a task or activity in flight can stall the Java test server's time skipping for later tests.)
 */
async function closeCase(e: EnforcementHandle): Promise<void> {
  await e.takeDownNotice({ requestId: uniqueId('req-takedown'), actor: sampleEnforcementActor, reason: 'revoked', reference: '测试结束' });
  await e.result();
}

async function skipTo(iso: string): Promise<void> {
  const ms = Date.parse(iso) - (await now()) + 60_000;
  if (ms > 0) await env.sleep(ms);
}

describe('enforcementPublication', () => {
  it('reminds the office before the 7 working-day deadline, records it met, and takes the notice down on revocation', async () => {
    const decidedOn = shanghaiDate(await now());
    const e = await h.client.recordEnforcementDecision(sampleEnforcementCase(uniqueId('pen'), { kind: 'penalty', decidedOn }));
    await until(e, 'deadlineSet');
    const { deadline } = await e.status();
    // The deadline is the calendar's, with its legal basis.
    expect(deadline).toMatchObject({ date: cn.addWorkingDays(decidedOn, 7).date, rule: 'licensingPenaltyPublication', provisional: false });
    expect(deadline!.basis).toContain('7个工作日');
    expect(deadline!.reminders.map((r) => r.workingDaysBefore)).toEqual([3, 1]);
    expect(deadline!.reminders[0]!.date).toBe(cn.workingDaysBefore(deadline!.date, 3));

    await skipTo(deadline!.reminders[0]!.at);
    await until(e, 'deadlineReminder');
    expect((await types(e)).filter((t) => t === 'deadlineReminder')).toHaveLength(1);

    const ack = await e.publishNotice(sampleNotice());
    expect(ack.summary).toContain('published');
    await until(e, 'deadlineMet');
    const status = await e.status();
    expect(status.state).toBe('published');
    const met = status.history.find((x) => x.type === 'deadlineMet')!;
    expect(met.deadline?.workingDaysEarly).toBe(cn.workingDaysBetween(status.publishedOn!, deadline!.date));
    expect(met.deadline!.workingDaysEarly).toBeGreaterThan(0);
    expect(status.history.some((x) => x.type === 'deadlineOverdue')).toBe(false);

    await e.takeDownNotice({ requestId: uniqueId('req-takedown'), actor: sampleEnforcementActor, reason: 'revoked', reference: '示政复决〔2026〕5号 行政复议决定' });
    const final = await e.result();
    expect(final.state).toBe('takenDown');
    expect(await now()).toBeLessThan(Date.parse(deadline!.dueAt)); // waiting for the result moved no time
    expect(final.history.at(-1)).toMatchObject({ type: 'noticeTakenDown' });
    expect(final.history.at(-1)!.summary).toContain('被依法撤销');

    // The publication platform got the notice and then its takedown.
    const notices = await readSubject(nc, NOTICES_STREAM, `juece.notices.shifan-amr.${final.caseId}.>`);
    expect(notices.map((n) => (n as { action: string }).action)).toEqual(['publish', 'takeDown']);
  });

  it('escalates to the supervisor when the deadline passes, and records how late the notice was', async () => {
    const decidedOn = shanghaiDate(await now());
    const e = await h.client.recordEnforcementDecision(sampleEnforcementCase(uniqueId('oth'), { kind: 'other', decidedOn }));
    await until(e, 'deadlineSet');
    const { deadline } = await e.status();
    expect(deadline!.date).toBe(cn.addWorkingDays(decidedOn, 20).date);

    await skipTo(new Date(Date.parse(deadline!.dueAt) + 3 * 86_400_000).toISOString());
    await until(e, 'deadlineEscalated');
    const seen = await types(e);
    expect(seen.filter((t) => t === 'deadlineReminder')).toHaveLength(2);
    expect(seen.indexOf('deadlineOverdue')).toBeLessThan(seen.indexOf('deadlineEscalated'));
    const escalation = (await e.status()).history.find((x) => x.type === 'deadlineEscalated')!;
    expect(escalation.summary).toContain('the supervisor of 示范市市场监督管理局');

    await e.publishNotice(sampleNotice());
    await until(e, 'deadlineMissed');
    const status = await e.status();
    const missed = status.history.find((x) => x.type === 'deadlineMissed')!;
    expect(missed.deadline!.workingDaysEarly).toBe(cn.workingDaysBetween(status.publishedOn!, deadline!.date));
    expect(missed.deadline!.workingDaysEarly).toBeLessThan(0);
    await closeCase(e);
  });

  it('keeps its deadline and timers across a worker restart', async () => {
    // Without a sticky cache: the Java test server waits on a dead worker's sticky queue while time is locked,
    // where a real server would time the sticky task out and hand it to the next worker.
    const first = await startHarness(env, { stickyCache: false });
    const decidedOn = shanghaiDate(await now());
    const e = await first.client.recordEnforcementDecision(sampleEnforcementCase(uniqueId('rst'), { kind: 'licensing', decidedOn }));
    await until(e, 'deadlineSet');
    const before = (await e.status()).deadline!;
    // Stop once the events recorded so far are in NATS: an activity cut off on the worker that goes away would be
    // retried after a timeout, which the test server, its time locked, never lets pass.
    const { caseId, history } = await e.status();
    for (let i = 0; i < 200 && (await readDecisionEvents(nc, 'shifan-amr', caseId)).length < history.length; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }

    await first.stop();
    const second = await startHarness(env, { taskQueue: first.taskQueue, stickyCache: false });

    await skipTo(before.dueAt);
    await until(e, 'deadlineOverdue');
    const after = await e.status();
    expect(after.deadline).toEqual(before);
    expect(after.history.filter((x) => x.type === 'deadlineSet')).toHaveLength(1);
    expect(after.history.filter((x) => x.type === 'deadlineReminder')).toHaveLength(2);
    await closeCase(e);
    await second.stop();
  });

  it('takes the notice down by itself when its display period ends', async () => {
    const decidedOn = shanghaiDate(await now());
    const displayUntil = shanghaiDate((await now()) + 10 * 86_400_000);
    const e = await h.client.recordEnforcementDecision(sampleEnforcementCase(uniqueId('disp'), { decidedOn, displayUntil }));
    await e.publishNotice(sampleNotice());
    await skipTo(new Date(Date.parse(`${displayUntil}T00:00:00+08:00`) + 86_400_000).toISOString());
    const final = await e.result();
    expect(final.state).toBe('takenDown');
    expect(final.history.at(-1)!.summary).toContain(`公示期限届满 (公示至 ${displayUntil})`);
  });

  it('refuses a second publication, and bad input, with a readable reason', async () => {
    const e = await h.client.recordEnforcementDecision(sampleEnforcementCase(uniqueId('twice'), { decidedOn: shanghaiDate(await now()) }));
    await e.publishNotice(sampleNotice());
    await expect(e.publishNotice(sampleNotice())).rejects.toThrow('The notice cannot be published: the case is published.');
    await expect(e.publishNotice({ ...sampleNotice(), body: '' })).rejects.toThrow('Invalid publishNotice: body: must not be empty');
    await closeCase(e);
  });

  it('recomputes a provisional deadline when the next year\'s schedule is published', async () => {
    const calendarDir = mkdtempSync(path.join(tmpdir(), 'juece-cal-'));
    cpSync(path.resolve(__dirname, '../calendars'), calendarDir, { recursive: true });
    mkdirSync(path.join(calendarDir, 'national'), { recursive: true }); // it may be absent
    const provisional = await startHarness(env, { calendarDir });
    try {
      const year = loadCalendars(calendarDir).lastPublishedYear;
      const e = await provisional.client.recordEnforcementDecision(
        sampleEnforcementCase(uniqueId('prov'), { kind: 'penalty', decidedOn: `${year}-12-28` }),
      );
      await until(e, 'deadlineSet');
      const first = (await e.status()).deadline!;
      expect(first).toMatchObject({ provisional: true, provisionalYears: [year + 1] });

      // The State Council publishes next year's schedule: 1-4 January off.
      writeFileSync(
        path.join(calendarDir, 'national', `${year + 1}.json`),
        JSON.stringify({
          jurisdiction: 'CN',
          year: year + 1,
          reference: `国务院办公厅关于${year + 1}年部分节假日安排的通知（测试）`,
          holidays: Object.fromEntries([1, 2, 3, 4].map((d) => [`${year + 1}-01-0${d}`, '元旦'])),
          workdays: {},
        }),
      );
      await e.handle.signal(calendarUpdated);
      await until(e, 'deadlineRecomputed');
      const second = (await e.status()).deadline!;
      expect(second.provisional).toBe(false);
      expect(second.date).toBe(loadCalendars(calendarDir).national.addWorkingDays(`${year}-12-28`, 7).date);
      expect(second.date > first.date).toBe(true);
      await e.publishNotice(sampleNotice());
      await e.takeDownNotice({ requestId: uniqueId('req-takedown'), actor: sampleEnforcementActor, reason: 'orderedRemade', reference: '复议决定' });
      await e.result();
      await saveHistory(e.handle, 'enforcement-provisional');
    } finally {
      await provisional.stop();
      rmSync(calendarDir, { recursive: true, force: true });
    }
  });
});
