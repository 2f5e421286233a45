import { auditRetention, changeAuditRetention } from '@hoop/core/audit/audit-retention';
import { NO_KEY, verifyAudit } from '@hoop/core/audit/verify-audit';
import { AppError } from '@hoop/core/errors';
import { verifyAdminEvents } from '@hoop/db';
import type { Handlers } from './api-route';

/**
 * `hoop audit verify` and `hoop admin audit retention`: admins and auditors verify the trail and read the retention
 * (with what purges removed so far and what the next one will remove); admins change it.
 */
export const auditRoutes: Handlers<'GET /api/audit/retention' | 'PUT /api/audit/retention' | 'POST /api/audit/verify'> = {
  'GET /api/audit/retention': ({ deps, user }) => auditRetention(deps.db, user.orgId),
  'PUT /api/audit/retention': async ({ deps, user, body }) => {
    const b = ((await body()) ?? {}) as { days?: unknown };
    if (!('days' in b)) throw new AppError('invalid', 'give "days": a whole number of days (at least 7), or null to keep the trail for ever');
    // the rule (and its words) is setAuditRetention's, in @hoop/db
    return changeAuditRetention(deps.db, user, b.days as number | null, 'api');
  },
  'POST /api/audit/verify': async ({ deps, user, body }) => {
    const b = ((await body()) ?? {}) as { sessionId?: unknown };
    const sessionId = typeof b.sessionId === 'string' ? b.sessionId : null;
    const r = await verifyAudit(deps.pool, { orgId: user.orgId, keys: deps.auditKeys, noKey: NO_KEY.gateway, ...(sessionId ? { sessionId } : {}) });
    const problem = r.problem
      ? {
          ...(r.problem.sessionId ? { sessionId: r.problem.sessionId } : {}),
          ...(r.problem.seq !== null ? { seq: r.problem.seq } : {}),
          message: r.problem.message,
        }
      : undefined;
    const result = {
      ok: r.ok,
      sessions: r.sessions,
      events: r.events,
      ...(problem ? { problem } : {}),
      purged: r.purged,
      signatures: r.signatures,
      head: r.head,
    };
    if (sessionId) return result;
    // the whole trail also covers what admins changed
    const admin = await verifyAdminEvents(deps.db, user.orgId);
    if (result.ok && !admin.ok) return { ...result, ok: false, admin, problem: { message: admin.problem!.message } };
    return { ...result, admin };
  },
};
