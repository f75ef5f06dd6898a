/**
 * Replay: saved histories of real workflows (test/histories/, recorded on the time-skipping server with
 * JUECE_SAVE_HISTORIES=<tag>) must replay through the current workflow code without a non-determinism error.
 * A change that would break running decisions fails here.
 */
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { ProcedureEventSchema } from '../domain/events';
import { loadCalendars } from '../infra/calendarData';

const dir = path.join(__dirname, 'histories');
const saved = readdirSync(dir).filter((f) => f.endsWith('.json'));
const read = (file: string) => JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
const replay = (file: string) =>
  Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, read(file), `replay-${file}`);

describe('replay of saved workflow histories', () => {
  it('has saved histories of each workflow and each way a decision ends', () => {
    expect(saved).toEqual(
      expect.arrayContaining(['full-decision.v3.json', 'revised-rejected.v3.json', 'withdrawn.v3.json', 'enforcement-provisional.v1.json']),
    );
    // v6 (the lifetime patch): a decision that continued as new into execution keeps both runs.
    expect(saved).toEqual(expect.arrayContaining(['full-decision.v6.json', 'full-decision-run2.v6.json', 'enforcement-provisional.v6.json']));
    // v7: the annual catalog closed at year end, a decision that told its catalog, a legal review continued into publication.
    expect(saved).toEqual(expect.arrayContaining(['catalog-year-end.v7.json', 'decision-on-catalog-item.v7.json', 'legal-review-passed.v7.json', 'legal-review-passed-run2.v7.json']));
    // v8: a full decision with its experts asked from the pool and its reviewer named (assignments).
    expect(saved).toEqual(expect.arrayContaining(['full-decision.v8.json', 'full-decision-run2.v8.json']));
    // v9 (release 9): one patch for the release, where-it-stands no longer in the search attributes.
    expect(saved).toEqual(expect.arrayContaining(['full-decision.v9.json', 'full-decision-run2.v9.json', 'enforcement-provisional.v9.json', 'legal-review-passed.v9.json']));
    // v10 (release 10): the deadline arithmetic as local activities.
    expect(saved).toEqual(expect.arrayContaining(['full-decision.v10.json', 'full-decision-run2.v10.json', 'enforcement-provisional.v10.json', 'legal-review-passed.v10.json']));
    // v11 (release 11): the events published by a local activity within the workflow task.
    expect(saved).toEqual(expect.arrayContaining(['full-decision.v11.json', 'full-decision-run2.v11.json', 'enforcement-provisional.v11.json', 'legal-review-passed.v11.json']));
    const first = historyFromJSON(read('full-decision.v6.json')).events!;
    expect(first.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
  });

  it('replays a consultation opened in the past before backdated openings were refused (the retroactive-consultation patch)', async () => {
    // Saved with the code before the patch: the old main job's consultation, opened 45 days back, then withdrawn.
    const events = historyFromJSON(read('backdated-consultation.v6.json')).events!;
    const started = events[0]!.eventTime!;
    const opening = events
      .flatMap((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads ?? [])
      .map((p) => JSON.parse(Buffer.from(p.data!).toString()) as { openedOn?: string })
      .find((input) => input.openedOn);
    const day = new Date((Number(started.seconds) + 8 * 3600) * 1000).toISOString().slice(0, 10);
    expect(opening?.openedOn! < day).toBe(true);
    await expect(replay('backdated-consultation.v6.json')).resolves.toBeUndefined();
  });

  it('has each run of release 9 record one patch marker (release-9) and upsert no step or deadline attribute', () => {
    for (const file of saved.filter((f) => f.endsWith('.v9.json'))) {
      const events = historyFromJSON(read(file)).events!;
      const patches = events.flatMap((e) => (e.markerRecordedEventAttributes?.markerName === 'core_patch' ? [e] : []));
      expect(patches, file).toHaveLength(1);
      const upserted = events.flatMap((e) => Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}));
      expect(upserted.filter((k) => k === 'TemporalChangeVersion'), file).toHaveLength(1);
      for (const dropped of ['JueceStep', 'JueceOpenSteps', 'JueceNextDeadline']) expect(upserted, file).not.toContain(dropped);
    }
  });

  const patchIds = (events: ReturnType<typeof historyFromJSON>['events'] & object) =>
    events.flatMap((e) =>
      e.markerRecordedEventAttributes?.markerName === 'core_patch'
        ? [(JSON.parse(Buffer.from(e.markerRecordedEventAttributes.details!['patch-data']!.payloads![0]!.data!).toString()) as { id: string }).id]
        : [],
    );
  const json = (p: { data?: Uint8Array | null } | undefined) => (p?.data ? JSON.parse(Buffer.from(p.data).toString()) : undefined);

  it.each([
    ['v10', 'release-10'],
    ['v11', 'release-11'],
  ])('has each run of %s record one patch marker (%s) and compute its deadlines in the workflow task, no activity of the server', (tag, patch) => {
    for (const file of saved.filter((f) => f.endsWith(`.${tag}.json`))) {
      const events = historyFromJSON(read(file)).events!;
      expect(patchIds(events), file).toEqual([patch]);
      const upserted = events.flatMap((e) => Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}));
      expect(upserted.filter((k) => k === 'TemporalChangeVersion'), file).toHaveLength(1);
      const scheduled = events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
      expect(scheduled, file).not.toContain('computeDeadline');
      expect(scheduled, file).not.toContain('workingDaysEarly');
      // Every case and decision holds a deadline from its first run, computed by a local activity (a marker); a run it
      // continued into (run2) may hold only what it carried.
      const computed = events.filter((e) => json(e.markerRecordedEventAttributes?.details?.data?.payloads?.[0])?.activity_type === 'computeDeadline');
      if (!file.includes('-run2.')) expect(computed.length, file).toBeGreaterThan(0);
    }
  });

  it('has each run of release 11 publish its events inside the workflow task, each event once and in order in the markers', () => {
    for (const file of saved.filter((f) => f.endsWith('.v11.json'))) {
      const events = historyFromJSON(read(file)).events!;
      const scheduled = events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
      expect(scheduled, file).not.toContain('publishEvents'); // NATS was there: no attempt fell back to the server
      const published = events
        .filter((e) => json(e.markerRecordedEventAttributes?.details?.data?.payloads?.[0])?.activity_type === 'publishEventsLocally')
        .flatMap((e) => (json(e.markerRecordedEventAttributes!.details!.result!.payloads![0]) as { events: { seq: number; type: string }[] }).events);
      expect(published.length, file).toBeGreaterThan(0);
      const seqs = published.map((e) => e.seq);
      // A run continued from an earlier one starts where that one stopped; each run's events run on without a gap.
      expect(seqs, file).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
      if (!file.includes('-run2.')) expect(seqs[0], file).toBe(1);
    }
  });

  it.each(saved)('%s replays through the current workflow code', async (file) => {
    await expect(replay(file)).resolves.toBeUndefined();
  });

  it('replays a decision whose deadline was computed before a new year\'s holiday file was added', async () => {
    // The saved case's first deadline rested on a year with no published schedule.
    const history = historyFromJSON(read('enforcement-provisional.v1.json'));
    const setEvent = history.events
      ?.flatMap((e) => e.activityTaskScheduledEventAttributes?.input?.payloads ?? [])
      .map((p) => {
        try {
          return ProcedureEventSchema.parse(JSON.parse(Buffer.from(p.data!).toString()));
        } catch {
          return undefined;
        }
      })
      .find((e) => e?.type === 'deadlineSet');
    expect(setEvent?.deadline?.provisional).toBe(true);

    // An administrator adds that year's schedule, which would move the deadline if it were computed again...
    const calendarDir = mkdtempSync(path.join(tmpdir(), 'juece-replay-cal-'));
    cpSync(path.resolve(__dirname, '../calendars'), calendarDir, { recursive: true });
    mkdirSync(path.join(calendarDir, 'national'), { recursive: true }); // it may be absent
    const year = setEvent!.deadline!.provisionalYears[0]!;
    writeFileSync(
      path.join(calendarDir, 'national', `${year}.json`),
      JSON.stringify({ jurisdiction: 'CN', year, reference: 'test', holidays: { [`${year}-01-04`]: '元旦', [`${year}-01-05`]: '元旦' } }),
    );
    const now = loadCalendars(calendarDir).national.addWorkingDays(setEvent!.deadline!.from, 7).date;
    rmSync(calendarDir, { recursive: true, force: true });
    expect(now).not.toBe(setEvent!.deadline!.date);

    // ...yet the running case replays unchanged: its deadline is in its history, computed by an activity.
    await expect(replay('enforcement-provisional.v1.json')).resolves.toBeUndefined();
  });
});
