-- PostGraphile 5's view of the bench data (bench/PEERS.md): a schema `peer` of views over the
-- tables that Q1 and Q2 read, with smart tags naming their keys and relations, so that the peer
-- answers the same fields from the same rows as our server. Applied again by every
-- `python -m bench.peer`; it changes nothing outside the schema `peer`.
SET client_min_messages = warning;  -- DROP ... IF EXISTS says so when there is nothing to drop

DROP SCHEMA IF EXISTS peer CASCADE;
CREATE SCHEMA peer;

CREATE VIEW peer.regions AS
SELECT id, code, name, level, parent_id FROM public.regions;
COMMENT ON VIEW peer.regions IS E'@primaryKey id';

CREATE VIEW peer.agencies AS
SELECT id, name, credit_code, region_id, status FROM public.agencies;
COMMENT ON VIEW peer.agencies IS E'@primaryKey id\n@foreignKey (region_id) references peer.regions (id)|@fieldName region';

CREATE VIEW peer.pairings AS
SELECT id, program_id, mentor_id, supported_id, starts_on, ends_on, status FROM public.pairings;
COMMENT ON VIEW peer.pairings IS E'@primaryKey id\n'
    '@foreignKey (mentor_id) references peer.agencies (id)|@fieldName mentor|@foreignFieldName mentoredPairings\n'
    '@foreignKey (supported_id) references peer.agencies (id)|@fieldName supported|@foreignFieldName supportedPairings';

-- The counter rows our serviceTotals and resourceTotals read (db/models/totals.py).
CREATE VIEW peer.pairing_totals AS
SELECT pairing_id, home_visits, casework_cases, group_sessions, themed_activities, training_sessions,
       beneficiaries, cash_yuan, in_kind_yuan, disbursement_batches, people_funded
FROM public.pairing_totals;
COMMENT ON VIEW peer.pairing_totals IS E'@primaryKey pairing_id\n'
    '@foreignKey (pairing_id) references peer.pairings (id)|@foreignSingleFieldName totals';

-- resolvers/progress.py's figures and health on 2026-11-30 (bench.data.TODAY, our QIANSHOU_TODAY),
-- in the same arithmetic: float8 ratios, rounded to 2 places as progress_from_row rounds them, and
-- health decided on the unrounded ones. One lateral aggregate of the pairing's milestones per pairing.
CREATE VIEW peer.pairing_progress AS
SELECT p.id AS pairing_id,
       s.total AS milestones_total,
       s.achieved AS milestones_achieved,
       s.overdue AS milestones_overdue,
       s.waived AS milestones_waived,
       s.max_days AS max_days_overdue,
       round(f.percent_complete::numeric, 2) AS percent_complete,
       round(f.time_elapsed::numeric, 2) AS time_elapsed_percent,
       CASE
           WHEN p.status = 'COMPLETED' THEN 'COMPLETED'
           WHEN p.status = 'PLANNED' OR t.on_day < p.starts_on THEN 'NOT_STARTED'
           WHEN s.max_days > 60 OR f.time_elapsed - f.percent_complete > 30 THEN 'OFF_TRACK'
           WHEN s.overdue > 0 OR f.time_elapsed - f.percent_complete > 15 THEN 'AT_RISK'
           ELSE 'ON_TRACK'
       END AS health
FROM public.pairings p
-- A subquery, not a WITH: PostgreSQL does not merge a view holding a WITH into the query that
-- joins it, and then aggregated every pairing's milestones for a page of 50.
CROSS JOIN (SELECT DATE '2026-11-30' AS on_day) t
CROSS JOIN LATERAL (
    SELECT count(*)::int AS total,
           coalesce(sum(CASE WHEN m.status = 'ACHIEVED' THEN 1 ELSE 0 END), 0)::int AS achieved,
           coalesce(sum(CASE WHEN m.status = 'WAIVED' THEN 1 ELSE 0 END), 0)::int AS waived,
           coalesce(sum(CASE WHEN m.due_on < t.on_day AND m.status NOT IN ('ACHIEVED', 'WAIVED')
                             THEN 1 ELSE 0 END), 0)::int AS overdue,
           coalesce(max(CASE WHEN m.due_on < t.on_day AND m.status NOT IN ('ACHIEVED', 'WAIVED')
                             THEN t.on_day - m.due_on ELSE 0 END), 0)::int AS max_days
    FROM public.milestones m
    WHERE m.pairing_id = p.id
) s
CROSS JOIN LATERAL (
    SELECT CASE WHEN s.total - s.waived > 0
                THEN s.achieved::float8 * 100.0 / (s.total - s.waived) ELSE 0.0::float8 END AS percent_complete,
           CASE WHEN t.on_day <= p.starts_on THEN 0.0::float8
                WHEN t.on_day >= p.ends_on THEN 100.0::float8
                ELSE (t.on_day - p.starts_on)::float8 * 100.0 / (p.ends_on - p.starts_on) END AS time_elapsed
) f;
COMMENT ON VIEW peer.pairing_progress IS E'@primaryKey pairing_id\n'
    '@foreignKey (pairing_id) references peer.pairings (id)|@foreignSingleFieldName progress';

CREATE VIEW peer.milestones AS
SELECT id, pairing_id, title, category, term_year, due_on, target_value, unit, status FROM public.milestones;
COMMENT ON VIEW peer.milestones IS E'@primaryKey id\n'
    '@foreignKey (pairing_id) references peer.pairings (id)|@foreignFieldName milestones';

CREATE VIEW peer.milestone_updates AS
SELECT id, milestone_id, note, progress_value, progress_percent, status, submitted_at FROM public.milestone_updates;
COMMENT ON VIEW peer.milestone_updates IS E'@primaryKey id\n'
    '@foreignKey (milestone_id) references peer.milestones (id)|@foreignFieldName updates';

-- Records entered by mistake are voided, never deleted; our lists leave them out (resolvers/loaders.py).
CREATE VIEW peer.training_sessions AS
SELECT id, pairing_id, topic, starts_on, ends_on, hours, mode, participants
FROM public.training_sessions WHERE voided_at IS NULL;
COMMENT ON VIEW peer.training_sessions IS E'@primaryKey id\n'
    '@foreignKey (pairing_id) references peer.pairings (id)|@foreignFieldName trainingSessions';

CREATE VIEW peer.service_stations AS
SELECT id, pairing_id, name, region_id, agency_id, established_on
FROM public.service_stations WHERE voided_at IS NULL;
COMMENT ON VIEW peer.service_stations IS E'@primaryKey id\n'
    '@foreignKey (pairing_id) references peer.pairings (id)|@foreignFieldName serviceStations';

CREATE VIEW peer.incubated_organizations AS
SELECT id, pairing_id, agency_id, stage, started_on
FROM public.incubated_organizations WHERE voided_at IS NULL;
COMMENT ON VIEW peer.incubated_organizations IS E'@primaryKey id\n'
    '@foreignKey (pairing_id) references peer.pairings (id)|@foreignFieldName incubatedOrganizations';
