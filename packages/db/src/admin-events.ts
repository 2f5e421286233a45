import { createHash } from 'node:crypto';
import type { Db } from './client';
import type { Prisma } from './generated/client/index.js';

/**
 * The admin trail: every change made in the control plane (policies, connections, agents, users, groups, tokens,
 * integrations, review revocations), append-only and hash-chained per org like the session trail, so removing or
 * editing an entry is detected by `hoop audit verify`. Secrets never go in: callers pass what changed, not values.
 */

const GENESIS = '0'.repeat(64);

/** JSON with keys sorted at every level (the same text whatever order jsonb gives keys back in). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function adminEventHash(
  prev: string,
  e: { orgId: string; seq: number; actor: string; action: string; target: string; at: Date; data: unknown },
): string {
  return createHash('sha256')
    .update(prev)
    .update('\n')
    .update(canonical([e.orgId, e.seq, e.actor, e.action, e.target, e.at.toISOString(), e.data]))
    .digest('hex');
}

export interface AdminAction {
  orgId: string;
  /** who did it: a user (id and e-mail), or null for the system */
  actor: { id: string; email: string } | null;
  action: string;
  target: string;
  data?: Record<string, unknown>;
}

/**
 * Appends one admin event. Entries of an org are numbered and chained under an advisory lock per org, so concurrent
 * writers (web app, gateway) never fork the chain. Use inside the caller's transaction when there is one.
 */
export async function recordAdminAction(db: Db | Prisma.TransactionClient, a: AdminAction): Promise<void> {
  const write = async (tx: Prisma.TransactionClient) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`hoop-admin:${a.orgId}`}))`;
    const last = await tx.adminEvent.findFirst({ where: { orgId: a.orgId }, orderBy: { seq: 'desc' }, select: { seq: true, hash: true } });
    const seq = last ? last.seq + 1 : 0;
    const prevHash = last?.hash ?? GENESIS;
    const at = new Date();
    const actor = a.actor?.email ?? 'system';
    const data = (a.data ?? {}) as Prisma.InputJsonValue;
    const hash = adminEventHash(prevHash, { orgId: a.orgId, seq, actor, action: a.action, target: a.target, at, data });
    await tx.adminEvent.create({
      data: { orgId: a.orgId, seq, actorId: a.actor?.id ?? null, actor, action: a.action, target: a.target, data, at, prevHash, hash },
    });
  };
  if ('$transaction' in db) await (db as Db).$transaction((tx) => write(tx));
  else await write(db as Prisma.TransactionClient);
}

export interface AdminVerifyResult {
  ok: boolean;
  events: number;
  problem?: { seq: number; message: string };
}

/** Recomputes an org's admin chain; names the first entry that does not match. */
export async function verifyAdminEvents(db: Db, orgId: string): Promise<AdminVerifyResult> {
  const rows = await db.adminEvent.findMany({ where: { orgId }, orderBy: { seq: 'asc' } });
  let prev = GENESIS;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r.seq !== i) return { ok: false, events: i, problem: { seq: i, message: `admin event ${i} is missing (found ${r.seq})` } };
    if (r.prevHash !== prev) return { ok: false, events: i, problem: { seq: r.seq, message: `admin event ${r.seq} does not follow the one before it` } };
    const expect = adminEventHash(prev, { orgId, seq: r.seq, actor: r.actor, action: r.action, target: r.target, at: r.at, data: r.data });
    if (expect !== r.hash) return { ok: false, events: i, problem: { seq: r.seq, message: `admin event ${r.seq} (${r.action} ${r.target}) was altered` } };
    prev = r.hash;
  }
  return { ok: true, events: rows.length };
}

export async function listAdminEvents(db: Db, orgId: string, opts: { limit?: number; before?: number } = {}) {
  return db.adminEvent.findMany({
    where: { orgId, ...(opts.before !== undefined ? { seq: { lt: opts.before } } : {}) },
    orderBy: { seq: 'desc' },
    take: Math.min(Math.max(opts.limit ?? 50, 1), 500),
  });
}
