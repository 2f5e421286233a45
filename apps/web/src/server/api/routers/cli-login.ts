import { CliLoginCodeInput, CliLoginView } from '@hoop/core/cli-login/cli-login-view';
import { decideCliLogin } from '@hoop/core/cli-login/decide-cli-login';
import { getCliLogin } from '@hoop/core/cli-login/get-cli-login';
import { authenticatedProcedure, createTRPCRouter } from '../trpc';

/** `hoop login` in a browser: any signed-in user checks the code their terminal shows and approves or denies it. */
export const cliLoginRouter = createTRPCRouter({
  get: authenticatedProcedure
    .input(CliLoginCodeInput)
    .output(CliLoginView)
    .query(({ ctx, input }) => getCliLogin(ctx.db, ctx.user, input)),

  approve: authenticatedProcedure
    .input(CliLoginCodeInput)
    .output(CliLoginView)
    .mutation(({ ctx, input }) => decideCliLogin(ctx.db, ctx.user, 'approve', input)),

  deny: authenticatedProcedure
    .input(CliLoginCodeInput)
    .output(CliLoginView)
    .mutation(({ ctx, input }) => decideCliLogin(ctx.db, ctx.user, 'deny', input)),
});
