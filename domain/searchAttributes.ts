/**
 * Custom search attributes that let `temporal workflow list --query` find juece's workflows, e.g.
 * `JueceAuthority = "shifan-gov" AND JueceStatus = "inExecution"`, or `JueceDeadlineProvisional = true` (what
 * `juece calendar announce` looks for). Registered on the dev server at start (infra/servers.ts). Where a decision
 * stands (its open steps, its next deadline) is in the procedure record (`GET /decisions?step=legalityReview`):
 * since release 9 (workflows/patches.ts) the workflows no longer keep JueceStep, JueceOpenSteps and
 * JueceNextDeadline, each change of which was a visibility write; they stay registered for older runs, which clear
 * them when they next move.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Before release 9: the furthest step a decision was waiting on (a StepName), or its final state. */
export const JueceStep = defineSearchAttributeKey('JueceStep', SearchAttributeType.KEYWORD);
/** Before release 9: every step waiting for a result. */
export const JueceOpenSteps = defineSearchAttributeKey('JueceOpenSteps', SearchAttributeType.KEYWORD_LIST);
/** inProgress / deferred / rejected / withdrawn / inExecution / suspended / stopped. */
export const JueceStatus = defineSearchAttributeKey('JueceStatus', SearchAttributeType.KEYWORD);
/** The deciding authority (决策机关). */
export const JueceAuthority = defineSearchAttributeKey('JueceAuthority', SearchAttributeType.KEYWORD);
/** Before release 9: the next statutory deadline of the decision, if any. */
export const JueceNextDeadline = defineSearchAttributeKey('JueceNextDeadline', SearchAttributeType.DATETIME);

/** Whether a deadline held rests on a year with no published holiday schedule (recomputed when it is published). */
export const JueceDeadlineProvisional = defineSearchAttributeKey('JueceDeadlineProvisional', SearchAttributeType.BOOL);

export const JUECE_SEARCH_ATTRIBUTES = [JueceStep, JueceOpenSteps, JueceStatus, JueceAuthority, JueceNextDeadline, JueceDeadlineProvisional];

/** Where a major decision stands when it starts: given with the start (client), so that its first task upserts nothing. */
export const STARTED_STATUS = 'inProgress' as const;
