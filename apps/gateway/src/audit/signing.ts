import type pg from 'pg';
import type { AuditKeys } from '@hoop/db';
import type { Logger } from '@hoop/log';

/** Says once, at start, whether audit chain links are signed and which keys `hoop audit verify` trusts. */
export async function announceAuditSigning(keys: AuditKeys, pool: pg.Pool, log: Logger): Promise<void> {
  const trusted = [...keys.trusted.keys()];
  if (keys.signer) {
    log.info('audit chain links are signed', { keyId: keys.signer.keyId, trustedKeys: trusted });
    return;
  }
  const signed = await pool.query<{ signed: boolean }>('SELECT EXISTS (SELECT 1 FROM audit_chain WHERE signature IS NOT NULL) AS signed').then(
    (r) => r.rows[0]?.signed === true,
    () => false,
  );
  const then = signed ? ' The chain already has signed links: each link sealed now, unsigned, makes "hoop audit verify" report the trail as broken.' : '';
  log.warn(
    'HOOP_AUDIT_SIGNING_KEY is not set: links of the global audit chain are sealed unsigned, ' +
      'so whoever can write to the database could rewrite the audit trail, re-hash it and pass "hoop audit verify". ' +
      `Set it to an Ed25519 private key (PEM, or file:/path; openssl genpkey -algorithm ed25519).${then}`,
    { trustedKeys: trusted },
  );
}
