-- CreateTable
CREATE TABLE "audit_chain" (
    "id" BIGSERIAL NOT NULL,
    "session_id" UUID NOT NULL,
    "final_seq" INTEGER NOT NULL,
    "final_hash" TEXT NOT NULL,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_chain_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "audit_chain_session_id_key" ON "audit_chain"("session_id");


-- append-only, like audit_events
CREATE TRIGGER audit_chain_append_only
  BEFORE UPDATE OR DELETE ON "audit_chain"
  FOR EACH ROW EXECUTE FUNCTION hoop_audit_append_only();

CREATE TRIGGER audit_chain_no_truncate
  BEFORE TRUNCATE ON "audit_chain"
  FOR EACH STATEMENT EXECUTE FUNCTION hoop_audit_append_only();
