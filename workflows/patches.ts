/**
 * Which code a workflow run follows (Temporal's `patched`). A patch asked for costs the run a marker in its history
 * and, the first time, an upsert of the `TemporalChangeVersion` search attribute (a visibility write on the server):
 * a run started since RELEASE_11_PATCH asks for that one patch alone, which stands for every patch before it. A run
 * started earlier replays by the patches it recorded, and goes on with the current code once it runs live again.
 */
import { patched } from '@temporalio/workflow';

/**
 * Release 9: every earlier patch of juece's workflows at once; and since it, search attributes only for what Temporal
 * itself needs to find a workflow (JueceAuthority, JueceStatus, JueceDeadlineProvisional), each upserted when its
 * value changes (where a decision stands is in the procedure record), and answers settled in condition rounds.
 */
export const RELEASE_9_PATCH = 'release-9';

/**
 * Release 10: the working-day arithmetic (computeDeadline, workingDaysEarly), pure calculation on the calendar, runs
 * as local activities inside the workflow task that needs it: the result is recorded in the history (a marker) as the
 * activity's was, so a replay never computes it again, and it costs no round trip through the server. A run started
 * since asks for this one patch alone, which stands for release 9 and every patch before it.
 */
export const RELEASE_10_PATCH = 'release-10';

/**
 * Release 11: events are published by a local activity within the workflow task that records them (the marker of its
 * result holds the events), and only if that fails within seconds through the server's activity as before: an
 * enforcement case is recorded in one workflow task (was three, and two activities). A run started since asks for
 * this one patch alone, which stands for release 10 and every patch before it.
 */
export const RELEASE_11_PATCH = 'release-11';

/** Whether this run follows the code of release 11 (a run of release 10 or 9 that goes on live switches to it). */
export function release11(): boolean {
  return patched(RELEASE_11_PATCH);
}

/** Whether this run follows the code of release 10 or later. */
export function release10(): boolean {
  return release11() || patched(RELEASE_10_PATCH);
}

/** Whether this run follows the code of release 9 or later. */
export function released(): boolean {
  return release10() || patched(RELEASE_9_PATCH);
}

/** Whether this run follows the code of `patchId`: a run of release 9 or later does, without its own marker. */
export function since(patchId: string): boolean {
  return released() || patched(patchId);
}
