import { z } from 'zod';
import { AuditOverview, auditOverview } from '@hoop/core/audit/audit-overview';
import {
  auditRetention,
  PreviewRetentionInput,
  previewAuditRetention,
  RetentionPreview,
  RetentionView,
  SetRetentionInput,
  setAuditRetention,
} from '@hoop/core/audit/audit-retention';
import { VerifyResult, verifyOrgTrail } from '@hoop/core/audit/verify-audit';
import { authenticatedProcedure, createTRPCRouter } from '../trpc';

/**
 * The org's audit trail as a whole: what it holds, re-hashing all of it, and how long it is kept. Admins and auditors
 * read; admins change the retention.
 */
export const auditRouter = createTRPCRouter({
  overview: authenticatedProcedure
    .input(z.object({}))
    .output(AuditOverview)
    .query(({ ctx }) => auditOverview(ctx.db, ctx.user.orgId)),

  /** a mutation: it is asked for, and re-reads every event, so it is never run by a prefetch or a refocus */
  verify: authenticatedProcedure
    .input(z.object({}))
    .output(VerifyResult)
    .mutation(({ ctx }) => verifyOrgTrail(ctx.db, ctx.user, ctx.auditKeys)),

  retention: authenticatedProcedure
    .input(z.object({}))
    .output(RetentionView)
    .query(({ ctx }) => auditRetention(ctx.db, ctx.user.orgId)),

  /** what a retention of that many days would remove at the next purge, before an admin sets it */
  previewRetention: authenticatedProcedure
    .input(PreviewRetentionInput)
    .output(RetentionPreview)
    .query(({ ctx, input }) => previewAuditRetention(ctx.db, ctx.user.orgId, input)),

  /** recorded in the admin trail by the service, with the value it replaced */
  setRetention: authenticatedProcedure
    .input(SetRetentionInput)
    .output(RetentionView)
    .mutation(({ ctx, input }) => setAuditRetention(ctx.db, ctx.user, input)),
});
