-- Claude Code's model API traffic per user, connection, UTC day and model, kept by the database as audit events are
-- stored: the daily token budget per user reads one row per model instead of a day of events, every gateway reads the
-- same figure, and the dashboard sums rows.

-- CreateTable
CREATE TABLE "model_usage_days" (
    "org_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "connection_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "model" TEXT NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "input_tokens" BIGINT NOT NULL DEFAULT 0,
    "output_tokens" BIGINT NOT NULL DEFAULT 0,
    "cache_creation_input_tokens" BIGINT NOT NULL DEFAULT 0,
    "cache_read_input_tokens" BIGINT NOT NULL DEFAULT 0,
    "tool_uses" INTEGER NOT NULL DEFAULT 0,
    "blocked_tool_uses" INTEGER NOT NULL DEFAULT 0,
    "refused" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "model_usage_days_pkey" PRIMARY KEY ("user_id","connection_id","day","model")
);

-- CreateIndex
CREATE INDEX "model_usage_days_org_id_day_idx" ON "model_usage_days"("org_id", "day");

-- AddForeignKey
ALTER TABLE "model_usage_days" ADD CONSTRAINT "model_usage_days_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_usage_days" ADD CONSTRAINT "model_usage_days_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_usage_days" ADD CONSTRAINT "model_usage_days_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A token count as an event carries it: a whole number of tokens, or 0 for anything else (a trigger that failed on an
-- odd value would keep the whole batch of events out of the trail).
CREATE OR REPLACE FUNCTION hoop_token_count(v JSONB) RETURNS BIGINT AS $$
  -- nested CASEs: the cast runs only on numbers (AND does not promise its order)
  SELECT CASE WHEN jsonb_typeof(v) IS DISTINCT FROM 'number' THEN 0::bigint
    ELSE (SELECT CASE WHEN n >= 0 AND n < 1e15 THEN floor(n)::bigint ELSE 0::bigint END FROM (SELECT (v #>> '{}')::numeric AS n) c)
  END
$$ LANGUAGE sql IMMUTABLE;

-- Adds each stored batch's model events to the day's row of its user, connection and model: `model.response` (an
-- answer and its usage), `model.tool_use` (a tool call the model asked for, judged; blocked when Claude Code did not
-- get to run it) and `model.refused` (a request the gateway refused by policy). The model is the answer's, else the
-- one its request named (the exchange's `model.request`, a few events before it in the session).
CREATE OR REPLACE FUNCTION hoop_model_usage() RETURNS trigger AS $$
BEGIN
  INSERT INTO model_usage_days AS u (org_id, user_id, connection_id, day, model, requests, input_tokens, output_tokens,
    cache_creation_input_tokens, cache_read_input_tokens, tool_uses, blocked_tool_uses, refused)
  SELECT s.org_id, s.user_id, s.connection_id, x.day, x.model,
    count(*) FILTER (WHERE x.type = 'model.response')::int,
    coalesce(sum(hoop_token_count(x.usage->'inputTokens')) FILTER (WHERE x.type = 'model.response'), 0),
    coalesce(sum(hoop_token_count(x.usage->'outputTokens')) FILTER (WHERE x.type = 'model.response'), 0),
    coalesce(sum(hoop_token_count(x.usage->'cacheCreationInputTokens')) FILTER (WHERE x.type = 'model.response'), 0),
    coalesce(sum(hoop_token_count(x.usage->'cacheReadInputTokens')) FILTER (WHERE x.type = 'model.response'), 0),
    count(*) FILTER (WHERE x.type = 'model.tool_use')::int,
    count(*) FILTER (WHERE x.type = 'model.tool_use' AND x.outcome IN ('blocked', 'rejected', 'expired'))::int,
    count(*) FILTER (WHERE x.type = 'model.refused')::int
  FROM (
    SELECT e.session_id, e.type, e.at::date AS day, e.data->'usage' AS usage, e.data->>'outcome' AS outcome,
      left(coalesce(
        CASE WHEN jsonb_typeof(e.data->'model') = 'string' THEN nullif(e.data->>'model', '') END,
        (SELECT r.data->>'model' FROM audit_events r
          WHERE e.type <> 'model.refused' AND jsonb_typeof(e.data->'model') IS DISTINCT FROM 'string'
            AND r.session_id = e.session_id AND r.seq < e.seq AND r.seq >= e.seq - 500
            AND r.type = 'model.request' AND r.data->'exchange' = e.data->'exchange'
            AND jsonb_typeof(r.data->'model') = 'string'
          ORDER BY r.seq DESC LIMIT 1),
        ''), 200) AS model
    FROM new_events e
    WHERE e.type IN ('model.response', 'model.tool_use', 'model.refused')
  ) x
  JOIN sessions s ON s.id = x.session_id
  GROUP BY s.org_id, s.user_id, s.connection_id, x.day, x.model
  ORDER BY s.user_id, s.connection_id, x.day, x.model
  ON CONFLICT (user_id, connection_id, day, model) DO UPDATE SET
    requests = u.requests + excluded.requests,
    input_tokens = u.input_tokens + excluded.input_tokens,
    output_tokens = u.output_tokens + excluded.output_tokens,
    cache_creation_input_tokens = u.cache_creation_input_tokens + excluded.cache_creation_input_tokens,
    cache_read_input_tokens = u.cache_read_input_tokens + excluded.cache_read_input_tokens,
    tool_uses = u.tool_uses + excluded.tool_uses,
    blocked_tool_uses = u.blocked_tool_uses + excluded.blocked_tool_uses,
    refused = u.refused + excluded.refused;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_events_model_usage
  AFTER INSERT ON "audit_events"
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION hoop_model_usage();

-- What the trail already holds.
INSERT INTO model_usage_days (org_id, user_id, connection_id, day, model, requests, input_tokens, output_tokens,
  cache_creation_input_tokens, cache_read_input_tokens)
SELECT s.org_id, s.user_id, s.connection_id, e.at::date, left(coalesce(nullif(e.data->>'model', ''), ''), 200),
  count(*)::int,
  sum(hoop_token_count(e.data->'usage'->'inputTokens')),
  sum(hoop_token_count(e.data->'usage'->'outputTokens')),
  sum(hoop_token_count(e.data->'usage'->'cacheCreationInputTokens')),
  sum(hoop_token_count(e.data->'usage'->'cacheReadInputTokens'))
FROM audit_events e JOIN sessions s ON s.id = e.session_id
WHERE e.type = 'model.response'
GROUP BY 1, 2, 3, 4, 5;
