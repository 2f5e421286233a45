-- CreateTable
CREATE TABLE "connection_tests" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "connection_id" UUID NOT NULL,
    "agent_id" UUID NOT NULL,
    "requested_by" UUID,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "gateway" TEXT,
    "ok" BOOLEAN,
    "result" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimed_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "connection_tests_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "connection_tests_status_created_at_idx" ON "connection_tests"("status", "created_at");

-- CreateIndex
CREATE INDEX "connection_tests_created_at_idx" ON "connection_tests"("created_at");

-- AddForeignKey
ALTER TABLE "connection_tests" ADD CONSTRAINT "connection_tests_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;
