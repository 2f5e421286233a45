import { createHash } from 'node:crypto';

/**
 * The hashes of the audit trail, exactly as the gateway writes them (apps/gateway/src/audit-writer.ts and
 * audit-chain.ts): each event links to the one before it in its session, and each closed session's final hash is
 * appended to one global chain. The web app only reads the trail, so it keeps its own copy of the three functions;
 * audit.test.ts checks that both verifications agree on an intact and on a tampered trail.
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

export interface HashedEvent { type: string; at: string; data: unknown }

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
