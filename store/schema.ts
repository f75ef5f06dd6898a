/**
 * The procedure record's tables, as ordered migrations (a migration once shipped is never edited; add a new one).
 * - decisions: one row per decision or enforcement case, its current state as the events tell it;
 * - record_entries: every procedure event, append-only, each hash-chained to the one before (tampering shows);
 * - consultations, comment_groups, comments: public comments at scale, outside any workflow history;
 * - access_refusals: every request the API refused (no token, wrong role or office, refused action).
 */
export const MIGRATIONS: readonly string[] = [
  `
CREATE TABLE decisions (
  decision_id text PRIMARY KEY,
  authority text NOT NULL,
  kind text NOT NULL,
  title text NOT NULL,
  undertaking_unit text,
  status text NOT NULL,
  current_step text,
  open_steps text[] NOT NULL DEFAULT '{}',
  next_deadline timestamptz,
  deadline_rule text,
  deadline_provisional boolean NOT NULL DEFAULT false,
  overdue boolean NOT NULL DEFAULT false,
  last_seq integer NOT NULL,
  last_hash text NOT NULL,
  started_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX decisions_authority ON decisions (authority, status);
CREATE INDEX decisions_open_steps ON decisions USING gin (open_steps);
CREATE INDEX decisions_deadline ON decisions (next_deadline) WHERE next_deadline IS NOT NULL;

CREATE TABLE record_entries (
  decision_id text NOT NULL REFERENCES decisions (decision_id),
  seq integer NOT NULL,
  type text NOT NULL,
  at timestamptz NOT NULL,
  step text,
  summary text NOT NULL,
  event jsonb NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  projected_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (decision_id, seq)
);

CREATE TABLE consultations (
  decision_id text PRIMARY KEY,
  authority text NOT NULL,
  closes_at timestamptz,
  closed_at timestamptz
);

CREATE TABLE comment_groups (
  id bigserial PRIMARY KEY,
  decision_id text NOT NULL,
  text_hash text NOT NULL,
  text text NOT NULL,
  comments integer NOT NULL DEFAULT 0,
  first_at timestamptz NOT NULL,
  adopted boolean,
  reason text,
  UNIQUE (decision_id, text_hash)
);

CREATE TABLE comments (
  id bigserial PRIMARY KEY,
  decision_id text NOT NULL,
  group_id bigint NOT NULL REFERENCES comment_groups (id),
  submitter text NOT NULL,
  channel text NOT NULL,
  received_at timestamptz NOT NULL,
  UNIQUE (decision_id, submitter, group_id)
);
CREATE INDEX comments_group ON comments (group_id)
`,
  `
CREATE TABLE access_refusals (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor_id text,
  role text,
  organisation text,
  method text NOT NULL,
  path text NOT NULL,
  status integer NOT NULL,
  reason text NOT NULL
);
CREATE INDEX access_refusals_at ON access_refusals (at)
`,
];
