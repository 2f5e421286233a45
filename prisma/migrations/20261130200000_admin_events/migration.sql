-- CreateTable
CREATE TABLE "admin_events" (
    "id" BIGSERIAL NOT NULL,
    "org_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "actor_id" UUID,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "data" JSONB NOT NULL DEFAULT '{}',
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "admin_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "admin_events_org_id_seq_key" ON "admin_events"("org_id", "seq");

-- AddForeignKey
ALTER TABLE "admin_events" ADD CONSTRAINT "admin_events_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Append-only, like audit_events
CREATE TRIGGER admin_events_append_only
  BEFORE UPDATE OR DELETE ON "admin_events"
  FOR EACH ROW EXECUTE FUNCTION hoop_audit_append_only();

CREATE TRIGGER admin_events_no_truncate
  BEFORE TRUNCATE ON "admin_events"
  FOR EACH STATEMENT EXECUTE FUNCTION hoop_audit_append_only();
