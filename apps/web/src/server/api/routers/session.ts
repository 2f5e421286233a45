import { z } from 'zod';
import { getSessionDetail, SessionDetail, SessionIdInput } from '@hoop/core/session/get-session';
import { ListSessionsInput, listSessions, SessionListPage } from '@hoop/core/session/list-sessions';
import { SessionFacets, sessionFacets } from '@hoop/core/session/session-facets';
import { VerifyResult, verifySessionTrail } from '@hoop/core/audit/verify-audit';
import { authenticatedProcedure, createTRPCRouter } from '../trpc';

/**
 * Recorded sessions. Admins and auditors see every session of their org, everyone else their own (the gateway's rule
 * for `hoop sessions`); verifying a session's hashes is for admins and auditors, as `hoop audit verify` is.
 */
export const sessionRouter = createTRPCRouter({
  list: authenticatedProcedure
    .input(ListSessionsInput)
    .output(SessionListPage)
    .query(({ ctx, input }) => listSessions(ctx.db, ctx.user, input)),

  facets: authenticatedProcedure
    .input(z.object({}))
    .output(SessionFacets)
    .query(({ ctx }) => sessionFacets(ctx.db, ctx.user)),

  get: authenticatedProcedure
    .input(SessionIdInput)
    .output(SessionDetail)
    .query(({ ctx, input }) => getSessionDetail(ctx.db, ctx.user, input.id)),

  verify: authenticatedProcedure
    .input(SessionIdInput)
    .output(VerifyResult)
    .mutation(({ ctx, input }) => verifySessionTrail(ctx.db, ctx.user, input.id, ctx.auditKeys)),
});
