/**
 * The one mechanism for every statutory deadline and period of a workflow: computed by a (local) activity on the
 * working-day calendar, then held with durable timers: reminders before it, an overdue event and escalation to the
 * supervisor when it passes, and once the thing is done, `deadlineMet` or `deadlineMissed` by so many working days.
 * A period (the comment period) simply ends when it runs out. A provisional deadline is recomputed when the
 * `calendarUpdated` signal (`juece calendar announce`) says a new year's schedule is published. The nearest deadline
 * held is in every event's standing (and JueceDeadlineProvisional says if one is provisional); held deadlines are
 * carried across continue-as-new.
 */
import { condition, setHandler } from '@temporalio/workflow';
import type { ComputeDeadline } from '../activities/deadlines';
import type { Standing } from '../domain/events';
import type { StepName } from '../domain/procedure';
import type { DeadlineSpec } from '../domain/schemas';
import { JueceDeadlineProvisional, JueceNextDeadline } from '../domain/searchAttributes';
import { arithmetic } from './io';
import { calendarUpdated } from './messages';
import type { ProcedureRecord } from './procedureRecord';

/** A deadline being held: what the next run needs to go on holding it. */
export interface HeldDeadline {
  name: string;
  request: ComputeDeadline;
  spec: DeadlineSpec;
  /** The reminders (and the due time) already acted on. */
  fired: string[];
  overdue: boolean;
  step?: StepName;
}

export interface HoldOptions {
  /** `deadline`: overdue and escalation when it passes, met or missed when done. `period`: it ends when it runs out. */
  mode: 'deadline' | 'period';
  step?: StepName;
  /** Who the escalation goes to when the deadline passes. */
  escalateTo?: string;
  /** The day (Asia/Shanghai) the thing was done, once it is. */
  doneOn?: () => string | undefined;
  /** The deadline no longer applies (the decision withdrawn, the request superseded). */
  lifted?: () => boolean;
  /** Called when the deadline is first computed, and when it is recomputed. */
  onSet?: (spec: DeadlineSpec, recomputed: boolean) => void;
}

export interface DeadlineOutcome {
  spec: DeadlineSpec;
  /** Working days early (negative: late), once done. */
  workingDaysEarly?: number;
  /** A period that ran out, or a deadline lifted. */
  ended: 'done' | 'elapsed' | 'lifted';
}

const describe = (s: DeadlineSpec) => `${s.term}: due ${s.date}${s.provisional ? ` (provisional: ${s.provisionalYears.join(', ')} not yet published)` : ''}`;

export class Deadlines {
  private readonly held = new Map<string, HeldDeadline>();
  private readonly carried: Map<string, HeldDeadline>;
  /** Bumped by each `calendarUpdated` signal. */
  private calendarGeneration = 0;

  constructor(
    private readonly rec: ProcedureRecord,
    carried: HeldDeadline[],
  ) {
    this.carried = new Map(carried.map((h) => [h.name, h]));
    setHandler(calendarUpdated, () => {
      this.calendarGeneration++;
    });
  }

  /** The nearest deadline held and whether one is overdue: every event carries them. */
  standing(): Pick<Standing, 'nextDeadline' | 'overdue'> {
    const nearest = this.nearest();
    return {
      nextDeadline: nearest ? { rule: nearest.spec.rule, dueAt: nearest.spec.dueAt, provisional: nearest.spec.provisional } : null,
      overdue: [...this.held.values()].some((h) => h.overdue),
    };
  }

  /** A deadline this run was handed by the last one and has not taken up yet. */
  carries(name: string): boolean {
    return this.carried.has(name);
  }

  /** The names of the deadlines handed over by the last run and not taken up yet, that start with `prefix`. */
  carriedNames(prefix: string): string[] {
    return [...this.carried.keys()].filter((n) => n.startsWith(prefix));
  }

  isHeld(name: string): boolean {
    return this.held.has(name);
  }

  carry(): HeldDeadline[] {
    return [...this.held.values()].map((h) => ({ ...h, fired: [...h.fired] }));
  }

  /** Holds the deadline `name` (a run that continues one carried from the last run does not compute it again). */
  async hold(name: string, request: ComputeDeadline, o: HoldOptions): Promise<DeadlineOutcome> {
    const doneOn = o.doneOn ?? (() => undefined);
    const lifted = o.lifted ?? (() => false);
    const settled = () => doneOn() !== undefined || lifted();
    let h = this.carried.get(name);
    this.carried.delete(name);
    try {
      if (h) {
        this.held.set(name, h);
        this.changed();
      } else {
        const spec = await this.compute(request);
        h = { name, request, spec, fired: pastReminders(spec), overdue: false, step: o.step };
        this.held.set(name, h);
        this.changed();
        this.rec.record('deadlineSet', { step: o.step, summary: describe(spec), basis: spec.basis, deadline: spec });
        o.onSet?.(spec, false);
      }
      let seen = this.calendarGeneration;
      while (!settled()) {
        const next = nextMark(h, o.mode);
        const wait = next ? Math.max(Date.parse(next.at) - Date.now(), 0) : undefined;
        const woken = () => settled() || this.calendarGeneration !== seen;
        const early = wait === 0 ? woken() : await condition(woken, wait as number);
        if (settled()) break;
        if (this.calendarGeneration !== seen) {
          seen = this.calendarGeneration;
          if (h.spec.provisional) await this.recompute(h, o);
          continue;
        }
        if (early || !next) continue;
        h.fired.push(next.at);
        const spec = h.spec;
        if (next.reminder) {
          this.rec.record('deadlineReminder', {
            step: o.step,
            summary: `${spec.term}: ${next.reminder.workingDaysBefore} working day(s) left, due ${spec.date}`,
            basis: spec.basis,
            deadline: spec,
          });
        } else if (o.mode === 'period') {
          this.releaseOwn(name, h);
          return { spec, ended: 'elapsed' };
        } else {
          h.overdue = true;
          this.changed();
          this.rec.record('deadlineOverdue', { step: o.step, summary: `${spec.term}: overdue since the end of ${spec.date}`, basis: spec.basis, deadline: spec });
          this.rec.record('deadlineEscalated', {
            step: o.step,
            summary: `${spec.term} overdue: escalated to ${o.escalateTo ?? 'the supervisor'}`,
            basis: spec.basis,
            deadline: spec,
          });
        }
      }
      const done = doneOn();
      const spec = h.spec;
      if (done === undefined) {
        this.releaseOwn(name, h);
        return { spec, ended: 'lifted' };
      }
      this.releaseOwn(name, h);
      this.rec.busy++;
      try {
        const early = await arithmetic().workingDaysEarly({ jurisdiction: spec.jurisdiction, deadlineDate: spec.date, doneOn: done });
        this.rec.record(early >= 0 ? 'deadlineMet' : 'deadlineMissed', {
          step: o.step,
          summary: early >= 0 ? `${spec.term}: done on ${done}, ${early} working day(s) before the deadline` : `${spec.term}: done on ${done}, ${-early} working day(s) late`,
          basis: spec.basis,
          deadline: { ...spec, workingDaysEarly: early },
        });
        return { spec, workingDaysEarly: early, ended: 'done' };
      } finally {
        this.rec.busy--;
      }
    } finally {
      // Cancelled (a withdrawal) or ended: the deadline is no longer held.
      this.releaseOwn(name, h);
    }
  }

  private async compute(request: ComputeDeadline): Promise<DeadlineSpec> {
    this.rec.busy++;
    try {
      return await arithmetic().computeDeadline(request);
    } finally {
      this.rec.busy--;
    }
  }

  /** A provisional deadline computed again on the calendar as it now stands. */
  private async recompute(h: HeldDeadline, o: HoldOptions): Promise<void> {
    const fresh = await this.compute(h.request);
    if (fresh.date === h.spec.date && fresh.provisional === h.spec.provisional) return;
    h.spec = fresh;
    h.fired = pastReminders(fresh);
    // Moved later: no longer overdue. Already past: overdue now, unless it was escalated before.
    if (Date.parse(fresh.dueAt) > Date.now()) h.overdue = false;
    else if (h.overdue) h.fired.push(fresh.dueAt);
    this.changed();
    this.rec.record('deadlineRecomputed', { step: o.step, summary: describe(fresh), basis: fresh.basis, deadline: fresh });
    o.onSet?.(fresh, true);
  }

  /** The deadline no longer applies: released now, so that the event recording why already stands without it. */
  release(name: string): void {
    if (!this.held.delete(name)) return;
    this.changed();
  }

  private releaseOwn(name: string, h: HeldDeadline | undefined): void {
    if (h && this.held.get(name) === h) this.release(name);
  }

  /** Every deadline released (a decision withdrawn): the holds end on their own when they next wake. */
  releaseAll(): void {
    for (const name of [...this.held.keys()]) this.release(name);
  }

  private nearest(): HeldDeadline | undefined {
    return [...this.held.values()].sort((a, b) => Date.parse(a.spec.dueAt) - Date.parse(b.spec.dueAt))[0];
  }

  /** The search attributes follow the nearest deadline held. */
  private changed(): void {
    const nearest = this.nearest();
    this.rec.setSearchAttributes([
      { key: JueceNextDeadline, value: nearest ? new Date(nearest.spec.dueAt) : null },
      { key: JueceDeadlineProvisional, value: [...this.held.values()].some((h) => h.spec.provisional) || null },
    ]);
  }
}

/** Reminders already past when a deadline is set are not sent late. */
function pastReminders(spec: DeadlineSpec): string[] {
  return spec.reminders.filter((r) => Date.parse(r.at) <= Date.now()).map((r) => r.at);
}

/** The next reminder or due time not yet acted on. */
function nextMark(h: HeldDeadline, mode: HoldOptions['mode']): { at: string; reminder?: DeadlineSpec['reminders'][number] } | undefined {
  const marks = [...h.spec.reminders.map((r) => ({ at: r.at, reminder: r })), { at: h.spec.dueAt, reminder: undefined }];
  if (mode === 'period') marks.splice(0, marks.length - 1); // a period has no reminders: it just ends
  return marks.filter((m) => !h.fired.includes(m.at)).sort((a, b) => Date.parse(a.at) - Date.parse(b.at))[0];
}
