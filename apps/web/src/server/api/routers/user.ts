import { CreatedUser, CreateUserInput, createUser, ResetPasswordInput, resetPassword } from '@hoop/core/user/create-user';
import { ListUsersInput, listUsers, UserList } from '@hoop/core/user/list-users';
import { SetUserDisabledInput, SetUserRoleInput, setUserDisabled, setUserRole } from '@hoop/core/user/update-user';
import { UserView } from '@hoop/core/user/user-view';
import { authenticatedProcedure, createTRPCRouter } from '../trpc';

/**
 * The org's users, for admins: local accounts with a generated password (shown once), roles, disabling. A change
 * counts from the user's next request, in the web app and at the gateway alike.
 */
export const userRouter = createTRPCRouter({
  list: authenticatedProcedure
    .input(ListUsersInput)
    .output(UserList)
    .query(({ ctx, input }) => listUsers(ctx.db, ctx.user.orgId, input)),

  create: authenticatedProcedure
    .input(CreateUserInput)
    .output(CreatedUser)
    .mutation(({ ctx, input }) => createUser(ctx.db, ctx.user.orgId, input)),

  resetPassword: authenticatedProcedure
    .input(ResetPasswordInput)
    .output(CreatedUser)
    .mutation(({ ctx, input }) => resetPassword(ctx.db, ctx.user, input)),

  setRole: authenticatedProcedure
    .input(SetUserRoleInput)
    .output(UserView)
    .mutation(({ ctx, input }) => setUserRole(ctx.db, ctx.user, input)),

  setDisabled: authenticatedProcedure
    .input(SetUserDisabledInput)
    .output(UserView)
    .mutation(({ ctx, input }) => setUserDisabled(ctx.db, ctx.user, input)),
});
