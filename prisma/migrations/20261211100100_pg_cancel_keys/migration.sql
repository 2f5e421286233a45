-- A Postgres client cancels a query on a new connection, which a load balancer may send to another gateway than the
-- one serving the session: the cancel keys of the listener's sessions are kept here too (who opened the session and on
-- which connection), so any gateway can forward a cancel. A gateway's keys go with its row when it dies.
CREATE TABLE "pg_cancel_keys" (
    "key" TEXT NOT NULL,
    "gateway_id" UUID NOT NULL,
    "connection" TEXT NOT NULL,
    "identity" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pg_cancel_keys_pkey" PRIMARY KEY ("key"),
    CONSTRAINT "pg_cancel_keys_gateway_id_fkey" FOREIGN KEY ("gateway_id") REFERENCES "gateways"("id") ON DELETE CASCADE
);
