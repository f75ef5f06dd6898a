/* FROZEN (v5 and earlier): the code that runs workflows started before the 'lifetime' patch, kept so they and
 * their saved histories replay unchanged. Never edit; new behaviour goes in ../ (see ../majorDecision.ts). */
/**
 * Holding a statutory deadline inside a workflow: the deadline is computed by an activity on the working-day
 * calendar, then held with durable timers: reminders before it, an overdue event and escalation to the supervisor
 * when it passes, and once the thing is done, whether it was met and by how many working days. A provisional
 * deadline is recomputed when the `calendarUpdated` signal says a new schedule has been published.
 */
import { condition, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { ComputeDeadline } from '../../activities/deadlines';
import type { DeadlineSpec } from '../../domain/schemas';
import { JueceDeadlineProvisional, JueceNextDeadline } from '../../domain/searchAttributes';
import { io } from '../io';
import { calendarUpdated } from '../messages';
import type { ProcedureRecord } from './procedureRecord';

const { computeDeadline, workingDaysEarly } = io;

export interface DeadlineOutcome {
  spec: DeadlineSpec;
  /** Working days early (negative: late); undefined when the deadline was lifted. */
  workingDaysEarly?: number;
}

const describe = (s: DeadlineSpec) => `${s.term}: due ${s.date}${s.provisional ? ` (provisional: ${s.provisionalYears.join(', ')} not yet published)` : ''}`;

export class DeadlineWatch {
  spec: DeadlineSpec | undefined;
  private recomputeAsked = false;

  constructor(
    private readonly rec: ProcedureRecord,
    private readonly request: ComputeDeadline,
    /** Who the escalation goes to when the deadline passes. */
    private readonly escalateTo: string,
  ) {
    setHandler(calendarUpdated, () => {
      this.recomputeAsked = true;
    });
  }

  /**
   * Holds the deadline until `doneOn()` gives the day the thing was done (Asia/Shanghai), or `lifted()` says the
   * deadline no longer applies.
   */
  async hold(doneOn: () => string | undefined, lifted: () => boolean = () => false): Promise<DeadlineOutcome> {
    let spec = await computeDeadline(this.request);
    this.set(spec, 'deadlineSet');
    const fired = new Set<string>();
    // Reminders already past when the deadline is set are not sent late.
    for (const r of spec.reminders) if (Date.parse(r.at) <= Date.now()) fired.add(r.at);
    const settled = () => doneOn() !== undefined || lifted();

    while (!settled()) {
      const next = [...spec.reminders.map((r) => ({ at: r.at, reminder: r })), { at: spec.dueAt, reminder: undefined }]
        .filter((m) => !fired.has(m.at))
        .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))[0];
      const wait = next ? Math.max(Date.parse(next.at) - Date.now(), 0) : undefined;
      const woken = wait === 0 ? settled() || this.recomputeAsked : await condition(() => settled() || this.recomputeAsked, wait as number);
      if (settled()) break;
      if (this.recomputeAsked) {
        this.recomputeAsked = false;
        if (!spec.provisional) continue;
        const fresh = await computeDeadline(this.request);
        if (fresh.date !== spec.date || fresh.provisional !== spec.provisional) {
          spec = fresh;
          for (const r of spec.reminders) if (Date.parse(r.at) <= Date.now()) fired.add(r.at);
          if (Date.parse(spec.dueAt) > Date.now()) fired.delete(spec.dueAt);
          this.set(spec, 'deadlineRecomputed');
        }
        continue;
      }
      if (woken || !next) continue;
      fired.add(next.at);
      if (next.reminder) {
        this.rec.record('deadlineReminder', {
          summary: `${spec.term}: ${next.reminder.workingDaysBefore} working day(s) left, due ${spec.date}`,
          basis: spec.basis,
          deadline: spec,
        });
      } else {
        this.rec.record('deadlineOverdue', { summary: `${spec.term}: overdue since the end of ${spec.date}`, basis: spec.basis, deadline: spec });
        this.rec.record('deadlineEscalated', { summary: `${spec.term} overdue: escalated to ${this.escalateTo}`, basis: spec.basis, deadline: spec });
      }
    }

    upsertSearchAttributes([
      { key: JueceNextDeadline, value: null },
      { key: JueceDeadlineProvisional, value: null },
    ]);
    const done = doneOn();
    if (done === undefined) return { spec };
    const early = await workingDaysEarly({ jurisdiction: spec.jurisdiction, deadlineDate: spec.date, doneOn: done });
    this.rec.record(early >= 0 ? 'deadlineMet' : 'deadlineMissed', {
      summary: early >= 0 ? `${spec.term}: done on ${done}, ${early} working day(s) before the deadline` : `${spec.term}: done on ${done}, ${-early} working day(s) late`,
      basis: spec.basis,
      deadline: { ...spec, workingDaysEarly: early },
    });
    return { spec, workingDaysEarly: early };
  }

  private set(spec: DeadlineSpec, type: 'deadlineSet' | 'deadlineRecomputed') {
    this.spec = spec;
    upsertSearchAttributes([
      { key: JueceNextDeadline, value: new Date(spec.dueAt) },
      { key: JueceDeadlineProvisional, value: spec.provisional },
    ]);
    this.rec.record(type, { summary: describe(spec), basis: spec.basis, deadline: spec });
  }
}
