-- Several gateways share one database. Each registers itself here when it starts (its id and the address agents
-- dial it at) and beats every few seconds; a row whose heartbeat is older than its expiry is a dead gateway, removed
-- by the next gateway that looks. Agents learn the live list from any gateway and keep a tunnel to each.
CREATE TABLE "gateways" (
    "id" UUID NOT NULL,
    "internal_url" TEXT NOT NULL,
    "version" TEXT,
    "hostname" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeat_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    -- a row is dead once heartbeat_at is older than this (set by the gateway: a few of its heartbeats)
    "expires_after_ms" INTEGER NOT NULL,

    CONSTRAINT "gateways_pkey" PRIMARY KEY ("id")
);
