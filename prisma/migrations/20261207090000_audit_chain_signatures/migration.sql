-- Each link of the global audit chain is signed by the gateway with a key outside the database
-- (HOOP_AUDIT_SIGNING_KEY, Ed25519): the signature over the link's hash, base64, and the key's id (first 16 hex of
-- sha256 over its public key). Links sealed before signing was configured have neither.
ALTER TABLE "audit_chain" ADD COLUMN "signature" TEXT,
ADD COLUMN "key_id" TEXT;
