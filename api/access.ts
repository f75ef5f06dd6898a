/**
 * Who may see and act on which decision (art. 10 and the roles in domain/roles.ts):
 * - an office (undertakingUnit) sees and acts on the decisions it undertakes (or leads);
 * - the other working roles (legality reviewer, expert, risk assessor, meeting secretary, head) see and act on the
 *   decisions of the authority they work for; which action each may take is the workflow's own check;
 * - supervisors (督察, 司法局) read everything and change nothing.
 */
import type { DecisionSummary } from '../store/record';
import type { Principal } from './auth';

export class Forbidden extends Error {
  override name = 'Forbidden';
}

export function canRead(p: Principal, d: Pick<DecisionSummary, 'authority' | 'undertakingUnit'>): boolean {
  if (p.actor.role === 'supervisor') return true;
  if (p.actor.role === 'undertakingUnit') return d.undertakingUnit === p.actor.organisation;
  return d.authority === p.authority;
}

/** Throws Forbidden with the reason unless `p` may act on `d`. */
export function requireActor(p: Principal, d: Pick<DecisionSummary, 'decisionId' | 'authority' | 'undertakingUnit'>): void {
  if (p.actor.role === 'supervisor') throw new Forbidden('Supervisors read decisions; they do not act on them.');
  if (!canRead(p, d)) {
    throw new Forbidden(
      p.actor.role === 'undertakingUnit'
        ? `${p.actor.organisation} does not undertake decision ${d.decisionId}.`
        : `Decision ${d.decisionId} belongs to another authority (${d.authority}).`,
    );
  }
}
