/**
 * Where the decisions stand, counted from the read model (each decision's standing as its latest event said): the
 * figures behind the projector's metrics. Nothing is derived anew from the events.
 */
import type { Queryable } from './db';

export interface StandingCount {
  kind: string;
  status: string;
  /** The furthest open step ('' for none). */
  step: string;
  count: number;
}

/** Decisions by kind, status and furthest open step: each decision counted once. */
export async function decisionsByStanding(db: Queryable): Promise<StandingCount[]> {
  const rows = await db.query<{ kind: string; status: string; step: string; n: string | number }>(
    `SELECT kind, status, COALESCE(current_step, '') AS step, count(*) AS n FROM decisions GROUP BY kind, status, COALESCE(current_step, '')`,
  );
  return rows.map((r) => ({ kind: r.kind, status: r.status, step: r.step, count: Number(r.n) }));
}

/** Decisions waiting on each step, by kind: a decision with steps open side by side counts under each. */
export async function decisionsByOpenStep(db: Queryable): Promise<{ kind: string; step: string; count: number }[]> {
  const rows = await db.query<{ kind: string; step: string; n: string | number }>(
    `SELECT kind, step, count(*) AS n FROM decisions, unnest(open_steps) AS step GROUP BY kind, step`,
  );
  return rows.map((r) => ({ kind: r.kind, step: r.step, count: Number(r.n) }));
}

/** Decisions a statutory deadline of which has run out and is not yet met (逾期), by kind and furthest open step. */
export async function overdueDecisions(db: Queryable): Promise<{ kind: string; step: string; count: number }[]> {
  const rows = await db.query<{ kind: string; step: string; n: string | number }>(
    `SELECT kind, COALESCE(current_step, '') AS step, count(*) AS n FROM decisions WHERE overdue GROUP BY kind, COALESCE(current_step, '')`,
  );
  return rows.map((r) => ({ kind: r.kind, step: r.step, count: Number(r.n) }));
}
