import { z } from 'zod';
import { AuditOverview, auditOverview } from '../../services/audit/audit-overview';
import { VerifyResult, verifyOrgTrail } from '../../services/audit/verify-audit';
import { createTRPCRouter, roleProcedure } from '../trpc';

/** The org's audit trail as a whole: what it holds, and re-hashing all of it. Admins and auditors. */
export const auditRouter = createTRPCRouter({
  overview: roleProcedure('auditor')
    .input(z.object({}))
    .output(AuditOverview)
    .query(({ ctx }) => auditOverview(ctx.db, ctx.user.orgId)),

  /** a mutation: it is asked for, and re-reads every event, so it is never run by a prefetch or a refocus */
  verify: roleProcedure('auditor')
    .input(z.object({}))
    .output(VerifyResult)
    .mutation(({ ctx }) => verifyOrgTrail(ctx.db, ctx.user)),
});
