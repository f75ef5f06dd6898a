/**
 * The messages a decision workflow answers: one Update per action of the action table (domain/actions.ts), the
 * `status` and `record` queries, and the calendar signal. Shared by the workflow and the client, so both sides agree
 * on names and types.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import { CATALOG_ACTION_NAMES, type CatalogActionArgs, type CatalogActionName, type CatalogStatus, type DecisionStarted } from '../domain/catalog';
import { ACTION_NAMES, REVIEW_ACTION_NAMES, type ActionArgs, type ActionName, type ReviewActionArgs, type ReviewActionName } from '../domain/actions';
import type { EnforcementStatus, NoticeAck, PublishNotice, TakeDown } from '../domain/enforcement';
import type { LegalReviewStatus } from '../domain/enforcementReview';
import type { RuleSet } from '../domain/rules';
import type * as S from '../domain/schemas';
import type { DecisionRecordView } from './decisionRecord';

/** What starts a majorDecision: the proposal and the rule set pinned for it (and, after continue-as-new, where it stood). */
export interface StartDecision {
  proposal: S.ProposalInput;
  rules: RuleSet;
  /** Set only by the workflow itself when it continues as new. */
  carried?: unknown;
}

export const statusQuery = defineQuery<S.DecisionStatus>('status');
/** The procedure record so far: each event with time, actor, step, draft version and the rule it applied. */
export const recordQuery = defineQuery<DecisionRecordView>('record');

/** One Update per action, named as in the action table. */
export const actions = Object.fromEntries(ACTION_NAMES.map((name) => [name, defineUpdate(name)])) as {
  [A in ActionName]: UpdateDefinition<S.StepAck, [ActionArgs<A>]>;
};

/** Sent by `juece calendar announce` once a new year's official schedule is in the calendar folder. */
export const calendarUpdated = defineSignal('calendarUpdated');

export const enforcementStatusQuery = defineQuery<EnforcementStatus>('enforcementStatus');
/** The office hands over the text to publish; the workflow issues the notice. */
export const publishNotice = defineUpdate<NoticeAck, [PublishNotice]>('publishNotice');
/** The decision was revoked, confirmed unlawful or ordered to be remade: take the notice down. */
export const takeDownNotice = defineUpdate<NoticeAck, [TakeDown]>('takeDownNotice');

export const catalogStatusQuery = defineQuery<CatalogStatus>('catalogStatus');
/** One Update per catalog action (domain/catalog.ts CATALOG_ACTIONS), named as in that table. */
export const catalogActions = Object.fromEntries(CATALOG_ACTION_NAMES.map((name) => [name, defineUpdate(name)])) as {
  [A in CatalogActionName]: UpdateDefinition<S.StepAck, [CatalogActionArgs<A>]>;
};
/** A decision's workflow tells its catalog that it started on one of its items, or off-catalog with its reason. */
export const catalogDecisionStartedSignal = defineSignal<[DecisionStarted]>('catalogDecisionStarted');
/** The same, as an Update from the client: how decisions started before the `catalog-told-by-decision` patch told it. */
export const catalogDecisionStarted = defineUpdate<S.StepAck, [DecisionStarted]>('catalogDecisionStarted');
/** A major enforcement decision's legal review: its status, and one Update per action of REVIEW_ACTIONS. */
export const legalReviewStatusQuery = defineQuery<LegalReviewStatus>('legalReviewStatus');
export const reviewActions = Object.fromEntries(REVIEW_ACTION_NAMES.map((name) => [name, defineUpdate(name)])) as {
  [A in ReviewActionName]: UpdateDefinition<NoticeAck, [ReviewActionArgs<A>]>;
};
