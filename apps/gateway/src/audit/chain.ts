import type pg from 'pg';
import { advisoryLockSql, type AuditSigner, HOOP_LOCKS } from '@hoop/db';
import { chainHash, GENESIS_HASH } from '@hoop/core/audit/audit-hash';

/** The link a seal appended: its place in the chain, its hash and, with a signing key, who signed it. */
export interface SealedLink {
  id: string;
  sessionId: string;
  hash: string;
  keyId: string | null;
  signature: string | null;
}

/**
 * Appends a closed session's final hash to the global chain (serialized across gateways by an advisory lock), signed
 * with the gateway's key when it has one. Returns the link, or null when the session was sealed already.
 */
export async function sealSession(
  pool: pg.Pool,
  sessionId: string,
  finalSeq: number,
  finalHash: string,
  signer: AuditSigner | null = null,
): Promise<SealedLink | null> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query(advisoryLockSql('pg_advisory_xact_lock', HOOP_LOCKS.auditChain));
    const last = await c.query<{ hash: string }>('SELECT hash FROM audit_chain ORDER BY id DESC LIMIT 1');
    const prev = last.rows[0]?.hash ?? GENESIS_HASH;
    const hash = chainHash(prev, sessionId, finalSeq, finalHash);
    const signature = signer ? signer.sign(hash) : null;
    const keyId = signer?.keyId ?? null;
    const r = await c.query<{ id: string }>(
      'INSERT INTO audit_chain (session_id, final_seq, final_hash, prev_hash, hash, signature, ' +
        'key_id) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (session_id) DO NOTHING RETURNING id::text AS id',
      [sessionId, finalSeq, finalHash, prev, hash, signature, keyId],
    );
    await c.query('COMMIT');
    const id = r.rows[0]?.id;
    return id ? { id, sessionId, hash, keyId, signature } : null;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}
