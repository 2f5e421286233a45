import { AppError } from '@hoop/core/errors';
import { applyPolicy } from '@hoop/core/policy/apply-policy';
import { policyByName, policySummaries } from '@hoop/core/policy/policy-summaries';
import { parsePolicy, PolicyError } from '@hoop/pipeline/policy';
import type { Handlers } from './api-route';

/** `hoop policy list | get | apply`: every member reads the org's policies; admins apply them (agents get them at once). */
export const policyRoutes: Handlers<'GET /api/policies' | 'GET /api/policies/:name' | 'PUT /api/policies'> = {
  'GET /api/policies': ({ deps, user }) => policySummaries(deps.db, user.orgId),
  'GET /api/policies/:name': ({ deps, user, params }) => policyByName(deps.db, user.orgId, params.name!),
  'PUT /api/policies': async ({ deps, user, body }) => {
    const document = await body();
    // a document that does not validate is refused in the policy schema's words, as this API always did (`invalid
    // policy:`, then a line a problem); savePolicy would word it as the web's editor does
    try {
      parsePolicy(document);
    } catch (err) {
      if (err instanceof PolicyError) throw new AppError('invalid', err.message, { cause: err });
      throw err;
    }
    return applyPolicy(deps.db, user, document);
  },
};
