/**
 * Who may do what in a decision: the roles of each action are in the one action table (actions.ts); this module
 * names them for the places that only check roles.
 */
export { ACTIONS, REVIEW_ACTIONS, reviewRoleRefusal, roleRefusal, type ActionName, type ReviewActionName } from './actions';
