-- AlterTable
ALTER TABLE "users" ADD COLUMN "oidc_subject" TEXT,
ADD COLUMN "last_login_at" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "api_tokens" ADD COLUMN "scope" TEXT NOT NULL DEFAULT 'full';

-- CreateTable
CREATE TABLE "groups" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "role" TEXT NOT NULL DEFAULT 'developer',
    "oidc_claim" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "groups_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "group_members" (
    "group_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'manual',
    "added_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "group_members_pkey" PRIMARY KEY ("group_id","user_id")
);

-- CreateTable
CREATE TABLE "cli_login_requests" (
    "id" UUID NOT NULL,
    "device_code_hash" TEXT NOT NULL,
    "user_code" TEXT NOT NULL,
    "scope" TEXT NOT NULL DEFAULT 'full',
    "token_days" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "client_name" TEXT NOT NULL,
    "client_address" TEXT,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "user_id" UUID,
    "decided_at" TIMESTAMP(3),
    "token_id" UUID,
    "consumed_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cli_login_requests_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_org_id_oidc_subject_key" ON "users"("org_id", "oidc_subject");

-- CreateIndex
CREATE INDEX "api_tokens_user_id_idx" ON "api_tokens"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "groups_org_id_name_key" ON "groups"("org_id", "name");

-- CreateIndex
CREATE INDEX "groups_org_id_oidc_claim_idx" ON "groups"("org_id", "oidc_claim");

-- CreateIndex
CREATE INDEX "group_members_user_id_idx" ON "group_members"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "cli_login_requests_device_code_hash_key" ON "cli_login_requests"("device_code_hash");

-- CreateIndex
CREATE UNIQUE INDEX "cli_login_requests_user_code_key" ON "cli_login_requests"("user_code");

-- CreateIndex
CREATE UNIQUE INDEX "cli_login_requests_token_id_key" ON "cli_login_requests"("token_id");

-- CreateIndex
CREATE INDEX "cli_login_requests_status_expires_at_idx" ON "cli_login_requests"("status", "expires_at");

-- AddForeignKey
ALTER TABLE "groups" ADD CONSTRAINT "groups_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "group_members" ADD CONSTRAINT "group_members_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "groups"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "group_members" ADD CONSTRAINT "group_members_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cli_login_requests" ADD CONSTRAINT "cli_login_requests_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cli_login_requests" ADD CONSTRAINT "cli_login_requests_token_id_fkey" FOREIGN KEY ("token_id") REFERENCES "api_tokens"("id") ON DELETE SET NULL ON UPDATE CASCADE;
