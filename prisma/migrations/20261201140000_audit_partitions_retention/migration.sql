-- Audit trail by month, per-session counters, and retention per org.
--
-- 1. audit_events becomes a table partitioned by month on "at" (declarative range partitioning, one partition per
--    UTC month plus a DEFAULT partition so an insert never fails for want of a partition). Old months can then be
--    dropped without touching new ones. Partitions ahead of time are made by hoop_audit_ensure_partition(), which the
--    gateway calls at start-up and daily for this month and the next two.
-- 2. A unique key of a partitioned table must include the partition key, so (session_id, seq) alone can no longer be
--    enforced by an index. Exactly-once storage is kept by the sessions row instead, which is not partitioned: it
--    holds the head of the session's chain (last_seq, last_hash). The gateway's writer inserts a session's frames in
--    the same statement that locks its sessions row and checks that the head is still the one it chained from (a
--    compare-and-swap); a resent frame (seq <= last_seq) is acknowledged without being stored, whatever its time and
--    whichever month partition it would land in. The head and the counters the session list shows are kept by the
--    statement-level trigger below, in the same transaction as the insert.
-- 3. Retention: orgs.audit_retention_days (NULL keeps everything). Events leave the trail only through the purge,
--    which first records what it removes (audit_purges, audit_purged_sessions, and an admin event holding their
--    checkpoint) and may then delete exactly those events: the append-only trigger lets a DELETE through only for an
--    event covered by such a record, so nothing can be removed without leaving an append-only account of it.
--
-- admin_events stays one table: it is small (control-plane changes), it is never purged (it is where purges are
-- accounted for), and each org's chain is verified from its first entry.

-- AlterTable
ALTER TABLE "orgs" ADD COLUMN "audit_retention_days" INTEGER;
ALTER TABLE "orgs" ADD CONSTRAINT "orgs_audit_retention_days_check" CHECK ("audit_retention_days" IS NULL OR "audit_retention_days" BETWEEN 7 AND 36500);

-- AlterTable
ALTER TABLE "sessions" ADD COLUMN "event_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "last_seq" INTEGER NOT NULL DEFAULT -1,
ADD COLUMN "last_hash" TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000',
ADD COLUMN "first_event_at" TIMESTAMP(3),
ADD COLUMN "last_event_at" TIMESTAMP(3),
ADD COLUMN "statement_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "held_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "approved_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "blocked_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "review_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "masked_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "masked_total" INTEGER;

-- CreateIndex
CREATE INDEX "sessions_user_id_started_at_idx" ON "sessions"("user_id", "started_at");

-- The unpartitioned table is renamed out of the way, copied into the partitioned one below, then dropped.
ALTER TABLE "audit_events" RENAME TO "audit_events_unpartitioned";
ALTER TABLE "audit_events_unpartitioned" RENAME CONSTRAINT "audit_events_pkey" TO "audit_events_unpartitioned_pkey";
ALTER TABLE "audit_events_unpartitioned" RENAME CONSTRAINT "audit_events_session_id_fkey" TO "audit_events_unpartitioned_session_id_fkey";
ALTER INDEX "audit_events_session_id_seq_key" RENAME TO "audit_events_unpartitioned_session_id_seq_key";
ALTER SEQUENCE "audit_events_id_seq" OWNED BY NONE;

-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGINT NOT NULL DEFAULT nextval('audit_events_id_seq'),
    "session_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "data" JSONB NOT NULL,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("session_id", "seq", "at")
) PARTITION BY RANGE ("at");

ALTER SEQUENCE "audit_events_id_seq" OWNED BY "audit_events"."id";

CREATE TABLE "audit_events_default" PARTITION OF "audit_events" DEFAULT;

-- CreateTable
CREATE TABLE "audit_purges" (
    "id" BIGSERIAL NOT NULL,
    "org_id" UUID NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retention_days" INTEGER NOT NULL,
    "cutoff" TIMESTAMP(3) NOT NULL,
    "sessions" INTEGER NOT NULL,
    "events" BIGINT NOT NULL,
    "first_event_at" TIMESTAMP(3),
    "last_event_at" TIMESTAMP(3),
    "checkpoint" TEXT NOT NULL,

    CONSTRAINT "audit_purges_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_purged_sessions" (
    "session_id" UUID NOT NULL,
    "purge_id" BIGINT NOT NULL,
    "org_id" UUID NOT NULL,
    "user_email" TEXT NOT NULL,
    "connection_name" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "started_at" TIMESTAMP(3) NOT NULL,
    "ended_at" TIMESTAMP(3),
    "events" INTEGER NOT NULL,
    "through_seq" INTEGER NOT NULL,
    "through_hash" TEXT NOT NULL,
    "first_event_at" TIMESTAMP(3),
    "last_event_at" TIMESTAMP(3),

    CONSTRAINT "audit_purged_sessions_pkey" PRIMARY KEY ("session_id")
);

-- CreateIndex
CREATE INDEX "audit_purges_org_id_at_idx" ON "audit_purges"("org_id", "at");

-- CreateIndex
CREATE INDEX "audit_purged_sessions_purge_id_idx" ON "audit_purged_sessions"("purge_id");

-- CreateIndex
CREATE INDEX "audit_purged_sessions_org_id_idx" ON "audit_purged_sessions"("org_id");

-- AddForeignKey
ALTER TABLE "audit_purges" ADD CONSTRAINT "audit_purges_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_purged_sessions" ADD CONSTRAINT "audit_purged_sessions_purge_id_fkey" FOREIGN KEY ("purge_id") REFERENCES "audit_purges"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The records of purges are append-only, like the trail they account for.
CREATE TRIGGER audit_purges_append_only
  BEFORE UPDATE OR DELETE ON "audit_purges"
  FOR EACH ROW EXECUTE FUNCTION hoop_audit_append_only();

CREATE TRIGGER audit_purges_no_truncate
  BEFORE TRUNCATE ON "audit_purges"
  FOR EACH STATEMENT EXECUTE FUNCTION hoop_audit_append_only();

CREATE TRIGGER audit_purged_sessions_append_only
  BEFORE UPDATE OR DELETE ON "audit_purged_sessions"
  FOR EACH ROW EXECUTE FUNCTION hoop_audit_append_only();

CREATE TRIGGER audit_purged_sessions_no_truncate
  BEFORE TRUNCATE ON "audit_purged_sessions"
  FOR EACH STATEMENT EXECUTE FUNCTION hoop_audit_append_only();

-- Events are never changed; one leaves the trail only when a purge record covers it (the retention purge writes that
-- record first, in its own committed transaction, then removes what it lists).
CREATE OR REPLACE FUNCTION hoop_audit_events_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND EXISTS (
    SELECT 1 FROM audit_purged_sessions p WHERE p.session_id = OLD.session_id AND p.through_seq >= OLD.seq
  ) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Events leave the trail only through the retention purge, which records what it removes.';
END;
$$ LANGUAGE plpgsql;

-- Row triggers of a partitioned table apply to every partition, present and future.
CREATE TRIGGER audit_events_append_only
  BEFORE UPDATE OR DELETE ON "audit_events"
  FOR EACH ROW EXECUTE FUNCTION hoop_audit_events_guard();

-- Statement triggers do not reach partitions: TRUNCATE is refused on the table here and on each partition as it is made.
CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON "audit_events"
  FOR EACH STATEMENT EXECUTE FUNCTION hoop_audit_append_only();

CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON "audit_events_default"
  FOR EACH STATEMENT EXECUTE FUNCTION hoop_audit_append_only();

-- The head of each session's chain and the counts the session list shows, kept with every insert through the table
-- (one UPDATE per statement and session, not per row). statement_count: commands and statements that were not held;
-- a held statement that was approved is recorded again when it runs (decision approved), so the list shows
-- statement_count + max(0, held_count - approved_count). masked_count sums the statements' masked values;
-- masked_total is the session's own total from its close event.
CREATE OR REPLACE FUNCTION hoop_audit_session_counters() RETURNS trigger AS $$
BEGIN
  UPDATE sessions s SET
    event_count = s.event_count + n.events,
    statement_count = s.statement_count + n.statements,
    held_count = s.held_count + n.held,
    approved_count = s.approved_count + n.approved,
    blocked_count = s.blocked_count + n.blocked,
    review_count = s.review_count + n.reviews,
    masked_count = s.masked_count + n.masked,
    masked_total = CASE WHEN n.masked_total IS NULL THEN s.masked_total ELSE coalesce(s.masked_total, 0) + n.masked_total END,
    first_event_at = least(s.first_event_at, n.first_at),
    last_event_at = greatest(s.last_event_at, n.last_at),
    last_seq = CASE WHEN n.last_seq > s.last_seq THEN n.last_seq ELSE s.last_seq END,
    last_hash = CASE WHEN n.last_seq > s.last_seq THEN n.last_hash ELSE s.last_hash END
  FROM (
    SELECT e.session_id,
      count(*)::int AS events,
      count(*) FILTER (WHERE e.type = 'command' OR (e.type = 'statement' AND coalesce(e.data->>'decision', '') <> 'review'))::int AS statements,
      count(*) FILTER (WHERE e.type = 'statement' AND e.data->>'decision' = 'review')::int AS held,
      count(*) FILTER (WHERE e.type = 'statement' AND e.data->>'decision' = 'approved')::int AS approved,
      count(*) FILTER (WHERE e.type IN ('statement', 'command') AND e.data->>'decision' = 'deny')::int AS blocked,
      count(*) FILTER (WHERE e.type = 'review.requested')::int AS reviews,
      coalesce(sum(m.n) FILTER (WHERE e.type = 'statement'), 0)::int AS masked,
      (sum(m.n) FILTER (WHERE e.type = 'session.close'))::int AS masked_total,
      min(e.at) AS first_at,
      max(e.at) AS last_at,
      max(e.seq) AS last_seq,
      (array_agg(e.hash ORDER BY e.seq DESC))[1] AS last_hash
    FROM new_events e
    LEFT JOIN LATERAL (
      SELECT sum((x.value)::numeric) AS n
      FROM jsonb_each(CASE WHEN jsonb_typeof(e.data->'masked') = 'object' THEN e.data->'masked' ELSE '{}'::jsonb END) x
      WHERE jsonb_typeof(x.value) = 'number'
    ) m ON e.type IN ('statement', 'session.close')
    GROUP BY e.session_id
  ) n
  WHERE s.id = n.session_id;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_events_session_counters
  AFTER INSERT ON "audit_events"
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION hoop_audit_session_counters();

-- The partition of the UTC month holding p_month, made if missing (true when made). Rows that landed in the DEFAULT
-- partition before their month had one are moved into it, so the new partition's bounds always hold.
CREATE OR REPLACE FUNCTION hoop_audit_ensure_partition(p_month DATE) RETURNS BOOLEAN AS $$
DECLARE
  lo TIMESTAMP(3) := date_trunc('month', p_month)::timestamp;
  hi TIMESTAMP(3) := (date_trunc('month', p_month) + interval '1 month')::timestamp;
  part TEXT := 'audit_events_' || to_char(lo, 'YYYY_MM');
  strays BOOLEAN;
BEGIN
  IF to_regclass(format('%I', part)) IS NOT NULL THEN
    RETURN false;
  END IF;
  -- gateways starting together: one makes it, the others find it made
  PERFORM pg_advisory_xact_lock(72707372);
  IF to_regclass(format('%I', part)) IS NOT NULL THEN
    RETURN false;
  END IF;
  SELECT EXISTS (SELECT 1 FROM audit_events_default WHERE at >= lo AND at < hi) INTO strays;
  IF strays THEN
    -- detached, the default partition loses the trail's row triggers, so its strays can move; it is attached again
    -- (triggers cloned back, bounds re-checked) before this transaction ends
    ALTER TABLE audit_events DETACH PARTITION audit_events_default;
  END IF;
  EXECUTE format('CREATE TABLE %I PARTITION OF audit_events FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
  EXECUTE format('CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION hoop_audit_append_only()', part);
  IF strays THEN
    -- straight into the partition: the rows are the same rows, so the session counters must not count them again
    EXECUTE format('INSERT INTO %I SELECT * FROM audit_events_default WHERE at >= %L AND at < %L', part, lo, hi);
    DELETE FROM audit_events_default WHERE at >= lo AND at < hi;
    ALTER TABLE audit_events ATTACH PARTITION audit_events_default DEFAULT;
  END IF;
  RETURN true;
END;
$$ LANGUAGE plpgsql;

-- A partition for every month that holds events, and for this month and the next two; then the events move over.
DO $$
DECLARE
  m DATE;
BEGIN
  FOR m IN
    SELECT DISTINCT date_trunc('month', at)::date FROM audit_events_unpartitioned
    WHERE at < date_trunc('month', now()) + interval '3 months'
    UNION
    SELECT (date_trunc('month', now()) + make_interval(months => k))::date FROM generate_series(0, 2) k
  LOOP
    PERFORM hoop_audit_ensure_partition(m);
  END LOOP;
END;
$$;

INSERT INTO "audit_events" ("id", "session_id", "seq", "type", "at", "data", "prev_hash", "hash")
SELECT "id", "session_id", "seq", "type", "at", "data", "prev_hash", "hash" FROM "audit_events_unpartitioned" ORDER BY "session_id", "seq";

DROP TABLE "audit_events_unpartitioned";

-- AddForeignKey
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
