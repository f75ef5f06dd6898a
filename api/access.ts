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

/** Who reads the compliance report: supervisors, and the authority's own staff. */
export const REPORT_ROLES = ['supervisor', 'headOfGovernment', 'legalityReviewer', 'meetingSecretary', 'undertakingUnit'] as const;

/**
 * The scope of the compliance report `p` may read, given what was asked: supervisors any authority and unit; the
 * authority's head, legal body and office staff their own authority; an undertaking unit its own decisions. Experts
 * and risk assessors (outside bodies called in for one step) are refused, as is another authority's report.
 */
export function reportScope(p: Principal, asked: { authority?: string; undertakingUnit?: string }): { authority?: string; undertakingUnit?: string } {
  const role = p.actor.role;
  if (role === 'supervisor') return asked;
  if (!(REPORT_ROLES as readonly string[]).includes(role)) {
    throw new Forbidden(`The compliance report is for supervisors and the authority's own staff, not a ${role}.`);
  }
  if (asked.authority && asked.authority !== p.authority) throw new Forbidden(`${p.actor.organisation} reads only ${p.authority}'s compliance report, not ${asked.authority}'s.`);
  if (role === 'undertakingUnit') {
    if (asked.undertakingUnit && asked.undertakingUnit !== p.actor.organisation) {
      throw new Forbidden(`${p.actor.organisation} reads only its own figures, not ${asked.undertakingUnit}'s.`);
    }
    return { authority: p.authority, undertakingUnit: p.actor.organisation };
  }
  return { authority: p.authority, ...(asked.undertakingUnit ? { undertakingUnit: asked.undertakingUnit } : {}) };
}
