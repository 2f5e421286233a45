import { z } from 'zod';
import { DeletedPolicy, deletePolicy } from '@hoop/core/policy/delete-policy';
import { getPolicy, PolicyDetail } from '@hoop/core/policy/get-policy';
import { listPolicies, PolicyList } from '@hoop/core/policy/list-policies';
import { PolicyCatalog, policyCatalog } from '@hoop/core/policy/policy-catalog';
import { PolicyIdInput } from '@hoop/core/policy/policy-view';
import { SavedPolicy, SavePolicyInput, savePolicy } from '@hoop/core/policy/save-policy';
import { PolicyTestResult, TestPolicyInput, testPolicy } from '@hoop/core/policy/test-policy';
import { PolicyDocumentInput, PolicyValidation, validatePolicy } from '@hoop/core/policy/validate-policy';
import { authenticatedProcedure, createTRPCRouter } from '../trpc';

/**
 * Policies: every member reads them and tests statements against them (they decide what members may do); admins
 * create, change and delete them, and each change reaches the agents at once.
 */
export const policyRouter = createTRPCRouter({
  list: authenticatedProcedure
    .input(z.object({}))
    .output(PolicyList)
    .query(({ ctx }) => listPolicies(ctx.db, ctx.user.orgId)),

  get: authenticatedProcedure
    .input(PolicyIdInput)
    .output(PolicyDetail)
    .query(({ ctx, input }) => getPolicy(ctx.db, ctx.user.orgId, input)),

  catalog: authenticatedProcedure
    .input(z.object({}))
    .output(PolicyCatalog)
    .query(() => policyCatalog()),

  /** mutations from here on: a document is sent in the body, and each is asked for */
  validate: authenticatedProcedure
    .input(PolicyDocumentInput)
    .output(PolicyValidation)
    .mutation(({ input }) => validatePolicy(input)),

  test: authenticatedProcedure
    .input(TestPolicyInput)
    .output(PolicyTestResult)
    .mutation(({ ctx, input }) => testPolicy(ctx.db, ctx.user.orgId, input)),

  save: authenticatedProcedure
    .input(SavePolicyInput)
    .output(SavedPolicy)
    .mutation(({ ctx, input }) => savePolicy(ctx.db, ctx.user.orgId, input)),

  delete: authenticatedProcedure
    .input(PolicyIdInput)
    .output(DeletedPolicy)
    .mutation(({ ctx, input }) => deletePolicy(ctx.db, ctx.user.orgId, input)),
});
