/**
 * Strings checked against a pattern, in a form the workflows can share. The worker loads the domain's schemas once
 * and every workflow uses them frozen (workers/worker.ts SHARED_WORKFLOW_MODULES); zod's own `.regex()` and
 * `z.iso.date()` reset their pattern's `lastIndex` on every check, which a frozen RegExp refuses. These test a
 * pattern without the `g` or `y` flag (which never writes `lastIndex`) and keep the pattern in the JSON Schema.
 */
import { z } from 'zod';

/** A string matching `re` (no `g`/`y` flag), refused with `message` (by default zod's own words); JSON Schema `pattern: re.source`. */
export function matching(re: RegExp, message = `Invalid string: must match pattern ${re}`) {
  if (re.global || re.sticky) throw new Error(`matching(${re}): a pattern with the g or y flag keeps state between checks`);
  return z
    .string()
    .refine((s) => re.test(s), message)
    .meta({ pattern: re.source });
}

const DATE = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/;

/** A real calendar date, YYYY-MM-DD (2026-02-29 is refused); JSON Schema `format: date` with its pattern. */
export function calendarDate(message: string) {
  return z
    .string()
    .refine((s) => DATE.test(s) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s, message)
    .meta({ format: 'date', pattern: DATE.source });
}
