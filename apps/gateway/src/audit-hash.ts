import { createHash } from 'node:crypto';
import type { AuditEventBody } from '@hoop/protocol';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level: the same text whatever order Postgres' jsonb gives keys back in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The hash that links an event to the one before it in its session (see `hoop audit verify`). */
export function eventHash(prevHash: string, sessionId: string, seq: number, event: AuditEventBody): string {
  return createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(canonicalJson([sessionId, seq, event.type, event.at, event.data]))
    .digest('hex');
}

/** timestamps are stored with millisecond precision in UTC: hash exactly what will be read back */
export function normalizeEvent(event: AuditEventBody): AuditEventBody {
  const t = new Date(event.at);
  return { ...event, at: Number.isNaN(t.getTime()) ? new Date().toISOString() : t.toISOString() };
}
