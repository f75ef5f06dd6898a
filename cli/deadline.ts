/**
 * `juece deadline`: the deadline calculator for people.
 *   juece deadline --from 2024-09-27 --working-days 7        → 2024-10-12
 *   juece deadline --from 2024-09-01 --days 30               → 2024-10-08 (ends on a day off: next working day)
 *   juece deadline --from 2024-09-27 --rule licensingPenaltyPublication
 *   add --region CN-GX for a regional calendar, --json for the details (provisional, holidays and make-up days crossed).
 * Exit codes: 0 done, 2 bad input.
 */
import { parseArgs } from 'node:util';
import { applyDeadlineRule, DEADLINE_RULES, type DeadlineRuleName } from '../domain/deadlines';
import { loadCalendars } from '../infra/calendarData';

const USAGE = `Usage: juece deadline --from YYYY-MM-DD (--working-days N | --days N | --rule NAME) [--region CODE] [--json]
Rules: ${Object.keys(DEADLINE_RULES).join(', ')}`;

function fail(message: string): never {
  console.error(`juece deadline: ${message}\n${USAGE}`);
  process.exit(2);
}

function count(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 3660) fail(`${flag} must be a whole number from 1 to 3660, not "${value}"`);
  return Number(value);
}

function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        from: { type: 'string' },
        'working-days': { type: 'string' },
        days: { type: 'string' },
        rule: { type: 'string' },
        region: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.from) fail('--from is required');
  const from = values.from;
  const workingDays = count(values['working-days'], '--working-days');
  const days = count(values.days, '--days');
  const given = [workingDays, days, values.rule].filter((v) => v !== undefined).length;
  if (given !== 1) fail('give exactly one of --working-days, --days or --rule');
  if (values.rule !== undefined && !(values.rule in DEADLINE_RULES)) fail(`unknown rule "${values.rule}"`);

  const calendars = loadCalendars();
  let result;
  try {
    const calendar = calendars.get(values.region ?? 'CN');
    if (workingDays !== undefined) result = calendar.addWorkingDays(from, workingDays);
    else if (days !== undefined) result = calendar.addDays(from, days);
    else result = applyDeadlineRule(calendar, DEADLINE_RULES[values.rule as DeadlineRuleName], from);
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.json) {
    const rule = values.rule ? DEADLINE_RULES[values.rule as DeadlineRuleName] : undefined;
    console.log(JSON.stringify({ from, region: values.region ?? 'CN', ...result, basis: rule?.basis, calendarVersion: calendars.version }, null, 2));
    return;
  }
  console.log(result.date);
  if (result.provisional) {
    console.error(
      `provisional: no published ${values.region ?? 'CN'} schedule for ${result.provisionalYears.join(', ')} yet (computed from the statutory days off); recompute when it is published`,
    );
  }
}

main();
