/**
 * Custom search attributes that let `temporal workflow list --query` find decisions by where they stand,
 * e.g. `JueceStep = "legalityReview"`. Registered on the dev server at start (infra/servers.ts).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** The furthest step a decision is waiting on (a StepName), or its final state: e.g. `JueceStep = "legalityReview"`. */
export const JueceStep = defineSearchAttributeKey('JueceStep', SearchAttributeType.KEYWORD);
/** Every step waiting for a result: public participation, expert review and risk assessment run side by side. */
export const JueceOpenSteps = defineSearchAttributeKey('JueceOpenSteps', SearchAttributeType.KEYWORD_LIST);
/** inProgress / deferred / rejected / withdrawn / inExecution / suspended / stopped. */
export const JueceStatus = defineSearchAttributeKey('JueceStatus', SearchAttributeType.KEYWORD);
/** The deciding authority (决策机关). */
export const JueceAuthority = defineSearchAttributeKey('JueceAuthority', SearchAttributeType.KEYWORD);
/** The next statutory deadline of the decision, if any. */
export const JueceNextDeadline = defineSearchAttributeKey('JueceNextDeadline', SearchAttributeType.DATETIME);

/** Whether that deadline rests on a year with no published holiday schedule (recomputed when it is published). */
export const JueceDeadlineProvisional = defineSearchAttributeKey('JueceDeadlineProvisional', SearchAttributeType.BOOL);

export const JUECE_SEARCH_ATTRIBUTES = [JueceStep, JueceOpenSteps, JueceStatus, JueceAuthority, JueceNextDeadline, JueceDeadlineProvisional];
