/**
 * Deadlines on the working-day calendar, computed here and never in workflow code: the result is recorded in the
 * workflow's history, so loading a new year's holidays never changes the replay of a running decision.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import { applyDeadlineRule, DEADLINE_RULES, DeadlineRuleNameSchema } from '../domain/deadlines';
import { shanghaiMidnight } from '../domain/procedure';
import { describeZodError, type DeadlineSpec } from '../domain/schemas';
import type { CalendarProvider } from '../infra/calendarData';

const DAY_MS = 86_400_000;
const REMINDER_HOUR_MS = 9 * 3600_000; // reminders go out at 09:00 Asia/Shanghai

export const ComputeDeadlineSchema = z.strictObject({
  rule: DeadlineRuleNameSchema,
  /** The start day (not counted), or the event day for rules counted backwards. */
  from: z.string(),
  /** A period longer than the statute's (or shorter, with an urgency reason where the statute allows it). */
  length: z.number().int().min(1).optional(),
  urgencyReason: z.string().min(1).optional(),
  jurisdiction: z.string().default('CN'),
  /** Remind so many working days before the deadline. */
  reminderWorkingDays: z.array(z.number().int().min(1).max(60)).default([]),
});
export type ComputeDeadline = z.input<typeof ComputeDeadlineSchema>;

function invalid(message: string): never {
  throw ApplicationFailure.nonRetryable(message, 'InvalidDeadlineRequest');
}

export function createDeadlineActivities(calendars: CalendarProvider) {
  return {
    async computeDeadline(input: ComputeDeadline): Promise<DeadlineSpec> {
      const parsed = ComputeDeadlineSchema.safeParse(input);
      if (!parsed.success) invalid(`Invalid deadline request: ${describeZodError(parsed.error)}`);
      const req = parsed.data;
      const set = calendars.current();
      const rule = DEADLINE_RULES[req.rule];
      let calendar;
      let result;
      try {
        calendar = set.get(req.jurisdiction);
        result = applyDeadlineRule(calendar, rule, req.from, { length: req.length, urgencyReason: req.urgencyReason });
      } catch (err) {
        invalid((err as Error).message);
      }
      const cal = calendar;
      const reminders = [...new Set(req.reminderWorkingDays)]
        .sort((a, b) => b - a)
        .map((n) => {
          const date = cal.workingDaysBefore(result.date, n);
          return { workingDaysBefore: n, date, at: new Date(shanghaiMidnight(date).getTime() + REMINDER_HOUR_MS).toISOString() };
        });
      return {
        rule: req.rule,
        term: rule.term,
        basis: rule.basis,
        jurisdiction: req.jurisdiction,
        from: req.from,
        date: result.date,
        dueAt: new Date(shanghaiMidnight(result.date).getTime() + DAY_MS).toISOString(),
        provisional: result.provisional,
        provisionalYears: result.provisionalYears,
        reminders,
        calendarVersion: set.version,
      };
    },

    /** Working days between the day something was done and its deadline: positive early, negative late. */
    async workingDaysEarly(input: { jurisdiction: string; deadlineDate: string; doneOn: string }): Promise<number> {
      try {
        return calendars.current().get(input.jurisdiction).workingDaysBetween(input.doneOn, input.deadlineDate);
      } catch (err) {
        invalid((err as Error).message);
      }
    },
  };
}
