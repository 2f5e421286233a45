-- pending browser logins are capped per source address (an IPv4 address, an IPv6 /64), not for everyone at once
ALTER TABLE "cli_login_requests" ADD COLUMN "source_key" TEXT;
CREATE INDEX "cli_login_requests_source_key_status_idx" ON "cli_login_requests"("source_key", "status");
