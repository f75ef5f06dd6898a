/**
 * The worker loads the domain's schemas once per workflow thread and every workflow shares them, deep-frozen by the
 * SDK (workers/worker.ts SHARED_WORKFLOW_MODULES, the SDK's `preloadModules`). These check that the schemas still
 * validate, and refuse, when frozen as the SDK freezes them, and why zod's own `.regex()` is not used there.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sampleEnforcementCase } from '../client/sample';
import * as enforcement from '../domain/enforcement';
import { calendarDate, matching } from '../domain/pattern';
import * as schemas from '../domain/schemas';
import { describeZodError } from '../domain/schemas';

/** As the SDK's reusable V8 context freezes a shared module (reusable-vm.js deepFreeze): an object's own properties
 * read (getters run) and frozen first, recursively; a function frozen without looking inside. */
function deepFreeze<T>(o: T, seen = new WeakSet<object>()): T {
  if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o) || Object.isFrozen(o)) return o;
  seen.add(o);
  if (typeof o === 'object')
    for (const k of Reflect.ownKeys(o)) {
      const v = (o as Record<string | symbol, unknown>)[k];
      if (v && (typeof v === 'object' || typeof v === 'function')) {
        try {
          deepFreeze(v, seen);
        } catch {
          // as the SDK: some objects cannot be frozen (typed arrays)
        }
      }
    }
  return Object.freeze(o);
}

for (const m of [schemas, enforcement]) for (const v of Object.values(m)) deepFreeze(v);

describe('domain schemas shared frozen by every workflow', () => {
  it('zod\'s own .regex() fails on a frozen pattern: the reason the domain uses matching()', () => {
    const frozen = deepFreeze(z.string().regex(/^CN$/));
    expect(() => frozen.safeParse('CN')).toThrow(/lastIndex/);
    expect(deepFreeze(matching(/^CN$/)).safeParse('CN').success).toBe(true);
  });

  it('a frozen enforcement decision schema accepts a good case again and again and refuses a bad one with its reason', () => {
    for (let i = 0; i < 3; i++) expect(enforcement.EnforcementDecisionSchema.safeParse(sampleEnforcementCase(`case-${i}`)).success).toBe(true);
    const bad = enforcement.EnforcementDecisionSchema.safeParse({ ...sampleEnforcementCase('case-x'), jurisdiction: 'cn-gx', caseId: 'no spaces allowed' });
    expect(bad.success).toBe(false);
    expect(describeZodError(bad.error!)).toBe(
      'caseId: must be 1-64 letters, digits, "-" or "_", starting with a letter or digit; jurisdiction: Invalid string: must match pattern /^CN(-[A-Z]{2})?$/',
    );
  });

  it('a date is a real calendar date: 2024-02-29 is one, 2026-02-29 and 2026-13-01 are not', () => {
    const date = deepFreeze(calendarDate('must be a real calendar date in the form YYYY-MM-DD'));
    expect(date.safeParse('2024-02-29').success).toBe(true);
    expect(date.safeParse('2026-12-31').success).toBe(true);
    for (const wrong of ['2026-02-29', '2026-13-01', '2026-04-31', '2026-1-01', ' 2026-01-01', '2026-01-01T00:00:00Z'])
      expect(describeZodError(date.safeParse(wrong).error!), wrong).toBe('must be a real calendar date in the form YYYY-MM-DD');
    expect(schemas.isoDate.safeParse('2026-02-29').success).toBe(false);
  });

  it('the patterns stay in the JSON Schema the OpenAPI document is made from', () => {
    expect(z.toJSONSchema(calendarDate('x'))).toMatchObject({ type: 'string', format: 'date', pattern: expect.stringContaining('\\d{4}') });
    expect(z.toJSONSchema(matching(/^CN(-[A-Z]{2})?$/))).toMatchObject({ type: 'string', pattern: '^CN(-[A-Z]{2})?$' });
  });
});
