import { z } from 'zod';
import { addGroupMember, GroupMemberInput, removeGroupMember } from '@hoop/core/group/group-members';
import { GroupIdInput, GroupView } from '@hoop/core/group/group-view';
import { GroupList, listGroups } from '@hoop/core/group/list-groups';
import { CreateGroupInput, createGroup, DeletedGroup, deleteGroup, UpdateGroupInput, updateGroup } from '@hoop/core/group/save-group';
import { authenticatedProcedure, createTRPCRouter } from '../trpc';

/**
 * Groups grant roles to their members (the effective role is the most privileged held), and map a value of the OIDC
 * groups claim so single sign-on keeps membership in step with the identity provider. Admins only.
 */
export const groupRouter = createTRPCRouter({
  list: authenticatedProcedure
    .input(z.object({}))
    .output(GroupList)
    .query(({ ctx }) => listGroups(ctx.db, ctx.user.orgId)),

  create: authenticatedProcedure
    .input(CreateGroupInput)
    .output(GroupView)
    .mutation(({ ctx, input }) => createGroup(ctx.db, ctx.user.orgId, input)),

  update: authenticatedProcedure
    .input(UpdateGroupInput)
    .output(GroupView)
    .mutation(({ ctx, input }) => updateGroup(ctx.db, ctx.user.orgId, input)),

  delete: authenticatedProcedure
    .input(GroupIdInput)
    .output(DeletedGroup)
    .mutation(({ ctx, input }) => deleteGroup(ctx.db, ctx.user.orgId, input)),

  addMember: authenticatedProcedure
    .input(GroupMemberInput)
    .output(GroupView)
    .mutation(({ ctx, input }) => addGroupMember(ctx.db, ctx.user.orgId, input)),

  removeMember: authenticatedProcedure
    .input(GroupMemberInput)
    .output(GroupView)
    .mutation(({ ctx, input }) => removeGroupMember(ctx.db, ctx.user.orgId, input)),
});
