import { CreatedToken, CreateTokenInput, createToken } from '@hoop/core/token/create-token';
import { ListTokensInput, listTokens, TokenList } from '@hoop/core/token/list-tokens';
import { revokeToken, TokenIdInput } from '@hoop/core/token/revoke-token';
import { TokenView } from '@hoop/core/token/token-view';
import { authenticatedProcedure, createTRPCRouter } from '../trpc';

/**
 * API tokens: every user creates and revokes their own (the token is shown once, only its hash is kept); admins also
 * see and revoke every token of the org, service accounts' included.
 */
export const tokenRouter = createTRPCRouter({
  list: authenticatedProcedure
    .input(ListTokensInput)
    .output(TokenList)
    .query(({ ctx, input }) => listTokens(ctx.db, ctx.user, input)),

  create: authenticatedProcedure
    .input(CreateTokenInput)
    .output(CreatedToken)
    .mutation(({ ctx, input }) => createToken(ctx.db, ctx.user, input)),

  revoke: authenticatedProcedure
    .input(TokenIdInput)
    .output(TokenView)
    .mutation(({ ctx, input }) => revokeToken(ctx.db, ctx.user, input)),
});
