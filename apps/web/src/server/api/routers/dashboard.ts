import { z } from 'zod';
import { ApprovalStats, approvalStats } from '@hoop/core/dashboard/approval-stats';
import { BlockedByRule, blockedByRule } from '@hoop/core/dashboard/blocked-by-rule';
import { DashboardInput } from '@hoop/core/dashboard/dashboard-window';
import { LiveStatus, liveStatus } from '@hoop/core/dashboard/live-status';
import { MaskedByType, maskedByType } from '@hoop/core/dashboard/masked-by-type';
import { ModelUsage, modelUsage } from '@hoop/core/dashboard/model-usage';
import { SessionActivity, sessionActivity } from '@hoop/core/dashboard/session-activity';
import { authenticatedProcedure, createTRPCRouter } from '../trpc';

/**
 * The dashboard's figures, one procedure per chart so each loads on its own. Every member of an org may call them:
 * admins, auditors and reviewers get the org's figures, developers those of their own sessions and requests (see
 * dashboard-window.ts); agent counts are org-wide. All of it is aggregated in Postgres over the chosen window.
 */
export const dashboardRouter = createTRPCRouter({
  sessions: authenticatedProcedure
    .input(DashboardInput)
    .output(SessionActivity)
    .query(({ ctx, input }) => sessionActivity(ctx.db, ctx.user, input)),

  blocked: authenticatedProcedure
    .input(DashboardInput)
    .output(BlockedByRule)
    .query(({ ctx, input }) => blockedByRule(ctx.db, ctx.user, input)),

  masked: authenticatedProcedure
    .input(DashboardInput)
    .output(MaskedByType)
    .query(({ ctx, input }) => maskedByType(ctx.db, ctx.user, input)),

  approvals: authenticatedProcedure
    .input(DashboardInput)
    .output(ApprovalStats)
    .query(({ ctx, input }) => approvalStats(ctx.db, ctx.user, input)),

  models: authenticatedProcedure
    .input(DashboardInput)
    .output(ModelUsage)
    .query(({ ctx, input }) => modelUsage(ctx.db, ctx.user, input)),

  live: authenticatedProcedure
    .input(z.object({}))
    .output(LiveStatus)
    .query(({ ctx }) => liveStatus(ctx.db, ctx.user)),
});
