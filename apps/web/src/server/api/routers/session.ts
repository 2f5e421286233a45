import { z } from 'zod';
import {
  ConversationInput,
  ConversationPage,
  ExchangeRequest,
  ExchangeRequestInput,
  getConversation,
  getExchangeRequest,
} from '@hoop/core/session/get-conversation';
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

  /** a Claude Code conversation's exchanges, a page at a time (the session page of mode claude) */
  conversation: authenticatedProcedure
    .input(ConversationInput)
    .output(ConversationPage)
    .query(({ ctx, input }) => getConversation(ctx.db, ctx.user, input)),

  /** one request of a conversation as the trail holds it (its first 64 KB) */
  exchangeRequest: authenticatedProcedure
    .input(ExchangeRequestInput)
    .output(ExchangeRequest)
    .query(({ ctx, input }) => getExchangeRequest(ctx.db, ctx.user, input)),

  verify: authenticatedProcedure
    .input(SessionIdInput)
    .output(VerifyResult)
    .mutation(({ ctx, input }) => verifySessionTrail(ctx.db, ctx.user, input.id, ctx.auditKeys)),
});
