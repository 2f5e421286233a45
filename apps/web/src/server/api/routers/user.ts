import { CreatedUser, CreateUserInput, createUser, ResetPasswordInput, resetPassword } from '@hoop/core/user/create-user';
import { ListUsersInput, listUsers, UserList } from '@hoop/core/user/list-users';
import { SetUserDisabledInput, SetUserRoleInput, setUserDisabled, setUserRole } from '@hoop/core/user/update-user';
import { UserView } from '@hoop/core/user/user-view';
import { adminProcedure, createTRPCRouter } from '../trpc';

/**
 * The org's users, for admins: local accounts with a generated password (shown once), roles, disabling. A change
 * counts from the user's next request, in the web app and at the gateway alike.
 */
export const userRouter = createTRPCRouter({
  list: adminProcedure
    .input(ListUsersInput)
    .output(UserList)
    .query(({ ctx, input }) => listUsers(ctx.db, ctx.user.orgId, input)),

  create: adminProcedure
    .input(CreateUserInput)
    .output(CreatedUser)
    .mutation(({ ctx, input }) => createUser(ctx.db, ctx.user.orgId, input)),

  resetPassword: adminProcedure
    .input(ResetPasswordInput)
    .output(CreatedUser)
    .mutation(({ ctx, input }) => resetPassword(ctx.db, ctx.user, input)),

  setRole: adminProcedure
    .input(SetUserRoleInput)
    .output(UserView)
    .mutation(({ ctx, input }) => setUserRole(ctx.db, ctx.user, input)),

  setDisabled: adminProcedure
    .input(SetUserDisabledInput)
    .output(UserView)
    .mutation(({ ctx, input }) => setUserDisabled(ctx.db, ctx.user, input)),
});
