-- CreateTable
CREATE TABLE "reviews" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "requester_id" UUID NOT NULL,
    "connection_id" UUID NOT NULL,
    "session_id" UUID,
    "policy_name" TEXT NOT NULL,
    "policy_version" INTEGER NOT NULL,
    "digest" TEXT,
    "statement" TEXT,
    "rule_id" TEXT,
    "rule_message" TEXT,
    "reason" TEXT,
    "mode" TEXT NOT NULL,
    "min_approvals" INTEGER NOT NULL,
    "approver_roles" TEXT[],
    "approver_users" TEXT[],
    "allow_self_approval" BOOLEAN NOT NULL,
    "duration_minutes" INTEGER,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "decided_at" TIMESTAMP(3),
    "decided_by_id" UUID,
    "decision_note" TEXT,
    "executed_at" TIMESTAMP(3),
    "executed_session_id" UUID,
    "grant_expires_at" TIMESTAMP(3),
    "slack_channel" TEXT,
    "slack_ts" TEXT,
    "slack_status" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reviews_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "review_votes" (
    "id" UUID NOT NULL,
    "review_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "decision" TEXT NOT NULL,
    "comment" TEXT,
    "via" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "review_votes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "slack_settings" (
    "org_id" UUID NOT NULL,
    "bot_token_encrypted" TEXT NOT NULL,
    "signing_secret_encrypted" TEXT NOT NULL,
    "default_channel" TEXT NOT NULL,
    "notify_blocked" BOOLEAN NOT NULL DEFAULT true,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "slack_settings_pkey" PRIMARY KEY ("org_id")
);

-- CreateIndex
CREATE INDEX "reviews_org_id_status_created_at_idx" ON "reviews"("org_id", "status", "created_at");

-- CreateIndex
CREATE INDEX "reviews_requester_id_connection_id_kind_status_idx" ON "reviews"("requester_id", "connection_id", "kind", "status");

-- CreateIndex
CREATE UNIQUE INDEX "review_votes_review_id_user_id_key" ON "review_votes"("review_id", "user_id");

-- AddForeignKey
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_requester_id_fkey" FOREIGN KEY ("requester_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_votes" ADD CONSTRAINT "review_votes_review_id_fkey" FOREIGN KEY ("review_id") REFERENCES "reviews"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_votes" ADD CONSTRAINT "review_votes_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "slack_settings" ADD CONSTRAINT "slack_settings_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
