-- The session list filtered by connection, and its capped count, read this index instead of every session of the org
-- (it also serves the foreign key check when a connection is deleted).

-- CreateIndex
CREATE INDEX "sessions_connection_id_started_at_idx" ON "sessions"("connection_id", "started_at");
