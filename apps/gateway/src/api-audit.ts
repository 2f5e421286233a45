import { type Db, getAuditRetention, RetentionError, retentionProblem, setAuditRetention } from '@hoop/db';
import { ApiError } from './api-policies';
import type { UserIdentity } from './auth';

/**
 * The org's audit retention for `hoop admin audit retention`: admins and auditors read it (with what purges removed
 * so far and what the next one will remove), admins change it.
 */
export async function getRetentionApi(db: Db, user: UserIdentity) {
  if (user.role !== 'admin' && user.role !== 'auditor') {
    throw new ApiError(403, 'reading the audit retention needs the auditor or admin role');
  }
  return getAuditRetention(db, user.orgId);
}

export async function putRetentionApi(db: Db, user: UserIdentity, input: unknown) {
  if (user.role !== 'admin') throw new ApiError(403, 'only admins can change how long the audit trail is kept');
  const body = (input ?? {}) as { days?: unknown };
  if (!('days' in body)) throw new ApiError(400, 'give "days": a whole number of days (at least 7), or null to keep the trail for ever');
  const problem = retentionProblem(body.days);
  if (problem) throw new ApiError(400, problem);
  try {
    const r = await setAuditRetention(db, user.orgId, body.days as number | null, { id: user.id, email: user.email }, 'api');
    return { ...r, retention: await getAuditRetention(db, user.orgId) };
  } catch (err) {
    if (err instanceof RetentionError) throw new ApiError(400, err.message);
    throw err;
  }
}
