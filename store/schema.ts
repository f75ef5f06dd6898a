/**
 * The procedure record's tables, as ordered migrations (a migration once shipped is never edited; add a new one).
 * - decisions: one row per decision or enforcement case (keyed by kind and id), where it stands as its workflow said;
 * - record_entries: every procedure event, append-only, each hash-chained to the one before (tampering shows);
 * - consultations, comment_groups, comments: public comments at scale, outside any workflow history;
 * - access_refusals: every request the API refused (no token, wrong role or office, refused action);
 * - held_events: events that came before an earlier one of the same record (held there, never in the stream's
 *   unacknowledged window), recorded as soon as the gap is filled;
 * - projector_status: what each projector last reported (events recorded, gaps found and repaired, stream losses).
 * The compliance report reads record_entries by kind, type and time (index of migration 5). Kinds: majorDecision,
 * enforcement, catalog (migration 7). A consultation keeps its comment counts (migration 10).
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
  // 3: records keyed by kind and id (a decision and an enforcement case of the same id never collide). Rows the
  // old code stored as 'unknown' take the kind their first event's workflow id tells (recordKindOf).
  `
UPDATE decisions d SET kind = CASE WHEN (
    SELECT r.event->>'workflowId' FROM record_entries r WHERE r.decision_id = d.decision_id ORDER BY r.seq LIMIT 1
  ) LIKE 'enforcement-%' THEN 'enforcement' ELSE 'majorDecision' END
  WHERE d.kind NOT IN ('majorDecision', 'enforcement');
ALTER TABLE decisions ADD CONSTRAINT decisions_kind CHECK (kind IN ('majorDecision', 'enforcement'));
ALTER TABLE record_entries ADD COLUMN kind text;
UPDATE record_entries r SET kind = d.kind FROM decisions d WHERE d.decision_id = r.decision_id;
UPDATE record_entries SET kind = CASE WHEN event->>'workflowId' LIKE 'enforcement-%' THEN 'enforcement' ELSE 'majorDecision' END WHERE kind IS NULL;
ALTER TABLE record_entries ALTER COLUMN kind SET NOT NULL;
ALTER TABLE record_entries DROP CONSTRAINT record_entries_decision_id_fkey;
ALTER TABLE record_entries DROP CONSTRAINT record_entries_pkey;
ALTER TABLE decisions DROP CONSTRAINT decisions_pkey;
ALTER TABLE decisions ADD PRIMARY KEY (kind, decision_id);
ALTER TABLE record_entries ADD PRIMARY KEY (kind, decision_id, seq);
ALTER TABLE record_entries ADD CONSTRAINT record_entries_decision FOREIGN KEY (kind, decision_id) REFERENCES decisions (kind, decision_id);
CREATE INDEX decisions_id ON decisions (decision_id)
`,
  // 4: a record checks itself against its workflow. known_seq: the highest event the workflow is known to have
  // published (from an event held behind a gap, or a check); settled: the workflow has closed and the record holds
  // all of it (never checked again); source_mark: the workflow run and history length last checked.
  `
ALTER TABLE decisions ADD COLUMN known_seq integer NOT NULL DEFAULT 0;
ALTER TABLE decisions ADD COLUMN settled boolean NOT NULL DEFAULT false;
ALTER TABLE decisions ADD COLUMN checked_at timestamptz;
ALTER TABLE decisions ADD COLUMN source_mark text;
CREATE INDEX decisions_unsettled ON decisions (checked_at NULLS FIRST) WHERE NOT settled;
CREATE TABLE held_events (
  kind text NOT NULL,
  decision_id text NOT NULL,
  seq integer NOT NULL,
  event jsonb NOT NULL,
  held_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, decision_id, seq)
);
CREATE TABLE projector_status (
  name text PRIMARY KEY,
  stats jsonb NOT NULL,
  updated_at timestamptz NOT NULL
)
`,
  // 5: the annual compliance report (store/report.ts) finds a year's events by kind, type and time.
  `
CREATE INDEX record_entries_type_at ON record_entries (kind, type, at)
`,
  // 6: who answered each comment group in the adoption report, and when; groups read largest first, page by page.
  `
ALTER TABLE comment_groups ADD COLUMN answered_by jsonb;
ALTER TABLE comment_groups ADD COLUMN answered_at timestamptz;
CREATE INDEX comment_groups_size ON comment_groups (decision_id, comments DESC, id)
`,
  // 7: an authority's annual catalog of decision matters is a record of its own (kind 'catalog', id <authority>-<year>).
  `
ALTER TABLE decisions DROP CONSTRAINT decisions_kind;
ALTER TABLE decisions ADD CONSTRAINT decisions_kind CHECK (kind IN ('majorDecision', 'enforcement', 'catalog'))
`,
  // 8: who is asked on each decision and has yet to answer (the events' standing.assignees), found by person.
  `
ALTER TABLE decisions ADD COLUMN assignees jsonb NOT NULL DEFAULT '[]';
CREATE INDEX decisions_assignees ON decisions USING gin (assignees jsonb_path_ops)
`,
  // 9: a consultation held elsewhere (补录) keeps its original notice: the comments it received are recorded with their own times.
  `
ALTER TABLE consultations ADD COLUMN retroactive jsonb
`,
  // 10: a consultation's counts kept as its comments come in and its groups are answered, not summed over millions of
  // rows on every read or batch (bench:comments): comments received, groups (distinct texts), campaigns (groups of
  // 20 submitters or more: CAMPAIGN_MIN_SUBMITTERS when this was written), groups answered in the adoption report.
  // Answered groups found by size without scanning the unanswered ones.
  `
ALTER TABLE consultations ADD COLUMN received bigint NOT NULL DEFAULT 0;
ALTER TABLE consultations ADD COLUMN text_groups bigint NOT NULL DEFAULT 0;
ALTER TABLE consultations ADD COLUMN campaigns bigint NOT NULL DEFAULT 0;
ALTER TABLE consultations ADD COLUMN answered_groups bigint NOT NULL DEFAULT 0;
UPDATE consultations c SET received = g.received, text_groups = g.text_groups, campaigns = g.campaigns, answered_groups = g.answered_groups
  FROM (SELECT decision_id, sum(comments) AS received, count(*) AS text_groups, count(*) FILTER (WHERE comments >= 20) AS campaigns,
               count(*) FILTER (WHERE adopted IS NOT NULL) AS answered_groups
        FROM comment_groups GROUP BY decision_id) g
  WHERE g.decision_id = c.decision_id;
CREATE INDEX comment_groups_answered ON comment_groups (decision_id, comments DESC, id) WHERE adopted IS NOT NULL
`,
];
