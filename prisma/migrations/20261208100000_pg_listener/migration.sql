-- The gateway's Postgres listener checks a token given as a SCRAM-SHA-256 password: each token keeps the SCRAM verifier
-- of its text (Postgres' stored form, salted per user e-mail), set where it is made or on its next use on the HTTP API.
ALTER TABLE "api_tokens" ADD COLUMN "scram_verifier" TEXT;

-- The certificate the listener serves when the admin gives none: made once, shared by every gateway of the deployment.
-- The private keys are sealed with HOOP_ENCRYPTION_KEY.
CREATE TABLE "gateway_certificates" (
    "name" TEXT NOT NULL,
    "ca_cert" TEXT NOT NULL,
    "cert" TEXT NOT NULL,
    "key_sealed" TEXT NOT NULL,
    "host_names" TEXT[] NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "gateway_certificates_pkey" PRIMARY KEY ("name")
);
