import { createHash } from 'node:crypto';

/**
 * The hashes of the audit trail, for the writer and every verifier: each event links to the one before it in its
 * session (`eventHash`), and each closed session's final hash is appended to one global chain (`chainHash`). The
 * gateway writes with these functions (its audit/writer.ts and audit/chain.ts); verify-audit.ts checks with them, for
 * the web app and for `hoop audit verify` alike.
 */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level: the same text whatever order Postgres' jsonb gives keys back in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** What of an event its hash covers (an audit frame's body: @hoop/protocol's AuditEventBody). */
export interface HashedEvent {
  type: string;
  at: string;
  data: unknown;
}

/** The hash that links an event to the one before it in its session. */
export function eventHash(prevHash: string, sessionId: string, seq: number, event: HashedEvent): string {
  return createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(canonicalJson([sessionId, seq, event.type, event.at, event.data]))
    .digest('hex');
}

/** The link of a sealed session in the global chain. */
export function chainHash(prev: string, sessionId: string, finalSeq: number, finalHash: string): string {
  return createHash('sha256').update(`${prev}\n${sessionId}:${finalSeq}:${finalHash}`).digest('hex');
}

/** Timestamps are stored with millisecond precision in UTC: the writer hashes exactly what will be read back. */
export function normalizeEvent<E extends { at: string }>(event: E): E {
  const t = new Date(event.at);
  return { ...event, at: Number.isNaN(t.getTime()) ? new Date().toISOString() : t.toISOString() };
}
