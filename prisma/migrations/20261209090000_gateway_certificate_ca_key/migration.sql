-- The CA's private key is kept too (sealed with HOOP_ENCRYPTION_KEY), so a new host name gets a new server
-- certificate signed by the same CA instead of a new CA that every client would need again.
ALTER TABLE "gateway_certificates" ADD COLUMN "ca_key_sealed" TEXT;
